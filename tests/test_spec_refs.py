"""spec.Spec without referencing at load time: local `$ref`s, bad ones, validators on demand."""

from __future__ import annotations

import copy

import pytest

from mockserver import SpecError, resources
from mockserver.spec import Spec

SPEC = Spec.load(resources.spec_path())


def document_with(ref: str) -> dict:
    """The shipped document with the list's 200 response replaced by a `$ref`."""
    document = copy.deepcopy(SPEC.document)
    document["paths"]["/social-account"]["get"]["responses"]["200"] = {"$ref": ref}
    return document


def test_a_ref_to_nothing_is_one_sentence_naming_it():
    ref = "#/components/responses/Missing"
    with pytest.raises(SpecError, match=f"[$]ref '{ref}' points at nothing"):
        Spec(document_with(ref))


def test_a_percent_encoded_pointer_is_followed():
    document = document_with("#/paths/~1social-account~1%7Bid%7D/get/responses/200")
    listed = Spec(document).operations["listSocialAccounts"]
    read = SPEC.operations["getSocialAccount"]
    assert listed.examples["account"] == read.examples["account"]


def test_a_remote_ref_is_refused():
    with pytest.raises(SpecError, match="unsupported [$]ref .*only local ones"):
        Spec(document_with("https://example.com/other.yaml#/x"))


def test_validators_exist_only_for_documented_responses():
    assert SPEC.response_validator("getSocialAccount", 418) is None
    validator = SPEC.response_validator("getSocialAccount", 404)
    assert validator is SPEC.response_validator("getSocialAccount", 404)  # built once
    assert validator.is_valid({"success": False, "message": "Social account not found"})
    assert not validator.is_valid({"success": False, "message": "Not found"})


def test_a_document_that_is_not_utf8_is_one_sentence(tmp_path):
    bad = tmp_path / "openapi.yaml"
    bad.write_bytes(b"openapi: 3.1.0\ninfo: {title: \xff}\n")
    with pytest.raises(SpecError, match=r"openapi.yaml: not UTF-8 \(byte 29\)"):
        Spec.load(bad)
