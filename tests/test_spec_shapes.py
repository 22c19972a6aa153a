"""A malformed openapi.yaml given as SPEC_PATH is one sentence naming the file and the JSON path."""

from __future__ import annotations

import copy

import pytest
import yaml

from mockserver import create_app, resources
from mockserver.errors import SpecError

SHIPPED = yaml.safe_load(resources.spec_path().read_text(encoding="utf-8"))
LIST = ("paths", "/social-account", "get")
LIST_200 = (*LIST, "responses", "200")
LIST_JSON = (*LIST_200, "content", "application/json")
JSON = "paths./social-account.get.responses.200.content.application/json"


def _at(document: dict, keys: tuple) -> dict:
    for key in keys:
        document = document[key]
    return document


def _set(keys: tuple, value):
    def mutate(document):
        _at(document, keys[:-1])[keys[-1]] = value
    return mutate


def _drop(keys: tuple):
    def mutate(document):
        del _at(document, keys[:-1])[keys[-1]]
    return mutate


# (the change to the shipped document, the JSON path the sentence names, words it says)
MALFORMED = {
    "document is a list": (lambda d: [d], "", "not an OpenAPI 3.1 document"),
    "paths is a list": (_set(("paths",), ["/social-account"]), "paths:",
                        "must be a mapping, not a list"),
    "path item is a string": (_set(("paths", "/social-account"), "forget"),
                              "paths./social-account:", "must be a mapping, not a string"),
    "operation is a list": (_set(LIST, ["get"]), "paths./social-account.get:",
                            "must be a mapping, not a list"),
    "operationId is a number": (_set((*LIST, "operationId"), 7), "paths./social-account.get:",
                                "no operationId"),
    "operationId used twice": (
        _set(("paths", "/social-account/{id}", "get", "operationId"), "listSocialAccounts"),
        "paths./social-account/{id}.get:", "also GET /social-account"),
    "operation missing responses": (_drop((*LIST, "responses")), "paths./social-account.get:",
                                    "documents no responses"),
    "responses is a list": (_set((*LIST, "responses"), ["200"]),
                            "paths./social-account.get.responses:", "not a list"),
    "response is a string": (_set(LIST_200, "ok"), "paths./social-account.get.responses.200:",
                             "must be a mapping, not a string"),
    "content is a list": (_set((*LIST_200, "content"), []),
                          "paths./social-account.get.responses.200.content:", "not a list"),
    "no JSON schema": (_drop((*LIST_JSON, "schema")), "paths./social-account.get.responses.200:",
                       "no application/json schema"),
    "examples is a list": (_set((*LIST_JSON, "examples"), []),
                           f"{JSON}.examples:", "not a list"),
    "example missing value": (_drop((*LIST_JSON, "examples", "populated", "value")),
                              f"{JSON}.examples.populated:", "has no `value`"),
    "example is a string": (_set((*LIST_JSON, "examples", "populated"), "x"),
                            f"{JSON}.examples.populated:", "not a string"),
    "example does not fit": (_set((*LIST_JSON, "examples", "populated", "value"), 7),
                             f"{JSON}.examples.populated:",
                             "does not fit its schema at $: 7 is not of type 'object'"),
    "$ref dangling": (_set(LIST_200, {"$ref": "#/components/responses/Nope"}),
                      "paths./social-account.get.responses.200.$ref:",
                      "'#/components/responses/Nope' points at nothing"),
    "$ref in a schema dangling": (
        _set((*LIST_JSON, "schema"), {"$ref": "#/components/schemas/Nope"}),
        f"{JSON}.schema.$ref:", "points at nothing"),
    "$ref to another file": (_set((*LIST_JSON, "schema"), {"$ref": "other.yaml#/X"}),
                             f"{JSON}.schema.$ref:", "only local ones"),
    "$ref not a string": (_set(LIST_200, {"$ref": 7}),
                          "paths./social-account.get.responses.200.$ref:", "unsupported"),
    "schema not JSON Schema": (_set((*LIST_JSON, "schema"), {"type": 7}),
                               f"{JSON}.schema.type:", "not a valid JSON Schema"),
    "component schema not JSON Schema": (
        _set(("components", "schemas", "UsageRow", "required"), "id"),
        "components.schemas.UsageRow.required:", "not a valid JSON Schema"),
    "Platform enum is a string": (_set(("components", "schemas", "Platform", "enum"), "tiktok"),
                                  "components.schemas.Platform.enum:", "must be a list"),
    "components is a list": (_set(("components",), []), "", "points at nothing"),
    "Platform is a string": (_set(("components", "schemas", "Platform"), "tiktok"),
                             "components.schemas.Platform:", "not a string"),
    # `default` (upstream failures) is allowed; a range such as 4XX is not.
    "status is not a number": (_set((*LIST, "responses", "4XX"), {"description": "x"}),
                               "paths./social-account.get:", "'4XX' is not a status code"),
}


@pytest.mark.parametrize(("mutate", "path", "words"), MALFORMED.values(), ids=MALFORMED)
def test_a_malformed_document_is_one_sentence_with_file_and_path(tmp_path, mutate, path, words):
    document = copy.deepcopy(SHIPPED)
    document = mutate(document) or document
    bad = tmp_path / "openapi.yaml"
    bad.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        create_app({"TESTING": True, "SPEC_PATH": str(bad)})
    message = str(caught.value)
    assert message.startswith(f"{bad}: {path}"), message
    assert words in message and "\n" not in message


@pytest.mark.parametrize("text", ["", "[1, 2\n", "just a string\n", "openapi: 3.1.0\n"])
def test_an_empty_or_broken_file_is_one_sentence(tmp_path, text):
    bad = tmp_path / "openapi.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        create_app({"TESTING": True, "SPEC_PATH": str(bad)})
    assert str(caught.value).startswith(f"{bad}: ") and "\n" not in str(caught.value)



@pytest.mark.parametrize(("line", "where", "value"), [
    ("  x-released: 2026-01-01\n", "info.x-released", "datetime.date(2026, 1, 1)"),
    ("  x-ratio: .nan\n", "info.x-ratio", "nan"),
    ("  x-codes: {1: one}\n", "info.x-codes", "1"),
])
def test_a_value_json_cannot_hold_is_one_sentence_at_start_up(tmp_path, line, where, value):
    text = resources.spec_path().read_text(encoding="utf-8")
    bad = tmp_path / "openapi.yaml"
    bad.write_text(text.replace("info:\n", "info:\n" + line, 1), encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        create_app({"TESTING": True, "SPEC_PATH": str(bad)})
    assert str(caught.value) == (f"{bad}: {where}: {value} is not a JSON value (OpenAPI "
                                 "documents are JSON): quote it in the YAML")
