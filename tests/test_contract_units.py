"""The contract suite's parts on their own: document, undocumented fields, failures, masking."""

from __future__ import annotations

import pytest

from contract_tests import document, masking, options
from contract_tests.client import origin
from contract_tests.failures import ContractFailure, show
from contract_tests.undocumented import undocumented_fields


@pytest.fixture(scope="module")
def doc():
    """The shipped document, loaded the way the suite loads it."""
    return document.load(document.default_path())


def _schema(doc, method, path, status):
    return doc.operation(method, path).schemas[status]


def test_date_time_is_really_checked(doc):
    document.require_format_checkers()
    pointer = _schema(doc, "GET", "/social-account/{id}", 200)
    body = {"success": True, "data": {"usage": [], "socialAccount": {
        "id": "a", "organizationId": "o", "workspaceId": "w", "platformType": "tiktok",
        "accountHandle": "h", "accountName": "n", "accountLogo": "l", "accessTokenStatus": "active",
        "tokenExpiresAt": "2026-09-01T00:00:00Z", "createdAt": "2026-05-01T12:00:00+02:00",
        "updatedAt": "2026-05-01T12:00:00.000Z"}}}
    assert doc.validator(pointer).is_valid(body)
    body["data"]["socialAccount"]["updatedAt"] = "2026-05-01"
    assert not doc.validator(pointer).is_valid(body)


def test_the_shipped_document_has_what_the_suite_needs(doc):
    assert doc.platforms == ("linkedin", "instagram", "tiktok", "threads")
    assert doc.operation("DELETE", "/social-account/{id}").statuses == (200, 400, 401, 402, 404,
                                                                        422, 500)
    with pytest.raises(document.DocumentError, match="has no operation PATCH /social-account"):
        doc.operation("PATCH", "/social-account")


@pytest.mark.parametrize("body, expected", [
    ({"success": False, "message": "Social account id is required", "hint": 1}, ["$.hint"]),
    ({"status": False, "message": "Token is required for this call.", "hint": 1}, ["$.hint"]),
    ({"success": False, "message": "Social account id is required"}, []),
], ids=["id-required branch", "token-required branch", "documented"])
def test_undocumented_fields_follow_the_oneof_branch_that_matches(doc, body, expected):
    pointer = _schema(doc, "GET", "/social-account/{id}", 422)
    assert undocumented_fields(doc, pointer, body) == expected


def test_a_free_form_field_has_no_undocumented_parts(doc):
    body = {"success": False, "message": "Error fetching Social Accounts",
            "error": {"code": "ECONNRESET", "stack": ["a", "b"]}}
    assert undocumented_fields(doc, _schema(doc, "GET", "/social-account", 500), body) == []


def test_undocumented_fields_are_found_deep_in_arrays(doc):
    account = {"id": "a", "platformType": "threads", "accountHandle": "h", "accountType": "t",
               "accountName": "n", "accountLogo": "l", "accessTokenStatus": "active",
               "internal id": 7}
    body = {"success": True, "trace": "x", "data": {"socialAccounts": {
        "linkedin": [], "instagram": [], "tiktok": [], "threads": [account]}}}
    found = undocumented_fields(doc, _schema(doc, "GET", "/social-account", 200), body)
    assert found == ["$.trace", "$.data.socialAccounts.threads[0]['internal id']"]


def test_a_failure_reads_like_a_diff():
    failure = ContractFailure("Undocumented status code 418", request="GET /social-account",
                              received="418", documented="200, 401",
                              details=[("JSON path", "$"), ("Rule", "const: true")])
    assert str(failure) == ("Undocumented status code 418\n\nRequest: GET /social-account\n"
                            "Received: 418\nDocumented: 200, 401\nJSON path: $\nRule: const: true")
    assert isinstance(failure, AssertionError)


def test_keys_are_masked_however_they_come_back():
    settings = options.Settings(base_url="http://x", secrets=("pn-SecretKey-123",))
    assert masking.mask("pn-SecretKey-123") == "pn-S…" and masking.mask("short") == "****"
    text = "pn-SecretKey-123 / PN-SECRETKEY-123 / pn-SecretKey-123%0A"
    assert settings.redact(text) == "pn-S… / pn-S… / pn-S…%0A"
    # A long body clipped in the middle of an echoed key: the part before the cut is masked.
    clipped = show("x" * 140 + " key pn-SecretKey-123", 158)
    assert "pn-SecretKey" in clipped and settings.redact(clipped).endswith(" key pn-S… (5 more "
                                                                            "characters)")
    keyed = options.Settings(base_url="http://x", api_key="pn-SecretKey-123")
    assert "pn-SecretKey-123" not in repr(keyed)


def test_the_origin_leaves_out_credentials_and_paths():
    assert origin("https://user:pw@Example.test:8443/base/") == "https://example.test:8443"
    assert origin("http://[::1]:80/x") == "http://[::1]:80"
