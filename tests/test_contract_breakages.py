"""The contract suite passes against a conforming server and fails against each broken one."""

from __future__ import annotations

import functools

import pytest
from contract_servers.app import BREAKAGES, SECRETS, ContractServer
from contract_servers.serve import serving
from contract_servers.suite import (
    API_KEY_ONLY,
    SUITE,
    TESTS,
    against,
    clean_environment,
    run_suite,
)

pytest_plugins = ["pytester"]

# breakage -> (suite module that checks that point, failing test, words the failure must contain)
CAUGHT = {
    "status": ("test_list.py", "test_the_list_answers_200", "Undocumented status code 201"),
    "content-type": ("test_list.py", "test_the_list_answers_200", "Content-Type is not JSON"),
    "schema": ("test_read.py", "test_every_listed_account_can_be_read",
               "JSON path: $.data.socialAccount.accountName\nRule: type"),
    "date-time": ("test_read.py", "test_every_listed_account_can_be_read",
                  'JSON path: $.data.socialAccount.createdAt\nRule: format: "date-time"'),
    "missing-platform": ("test_list.py", "test_the_list_has_every_platform_key",
                         "'threads' is a required property"),
    "wrong-platform": ("test_list.py", "test_each_account_sits_under_its_own_platform_key",
                       'instagram[1] (id "acc_TI_000003") has platformType "tiktok"'),
    "list-read-disagree": ("test_read.py", "test_a_read_agrees_with_the_list",
                           'Received: read: accountHandle="acme.threads-renamed"'),
    "duplicate-usage": ("test_read.py", "test_usage_has_one_row_per_status",
                        'Usage has more than one row for a status'),
    "negative-count": ("test_read.py", "test_usage_has_one_row_per_status",
                       "JSON path: $.data.usage[1]._count\nRule: minimum: 0"),
    "unknown-id": ("test_errors.py", "test_reading_an_unknown_id_is_404",
                   "Not the documented answer for an unknown id"),
    "cross-read": ("test_workspaces.py", "test_another_workspaces_account_reads_404",
                   "Not the documented answer for an id from another workspace"),
    "cross-list": ("test_workspaces.py", "test_another_workspaces_list_never_shows_its_accounts",
                   "it belongs to another workspace"),
    "cross-delete": ("test_delete.py", "test_a_delete_from_another_workspace_is_404",
                     "Not the documented answer for a delete from another workspace"),
    "blank-id": ("test_errors.py", "test_reading_a_blank_id_is_422",
                 "Not the documented answer for a blank id"),
    "no-key": ("test_auth.py", "[no key-GET /social-account]",
               "Not the documented answer for no key on GET /social-account"),
    "unknown-key": ("test_auth.py", "[an unknown key-GET /social-account]",
                    'Received: 401 {"status": false, "message": "Unauthorized"}'),
    "unpaid": ("test_auth.py", "[the unqualified key-GET /social-account]",
               "Not the documented answer for the unqualified key on GET /social-account"),
    "auth-envelope": ("test_auth.py", "[an unknown key-GET /social-account]",
                      "'status' is a required property"),
    "delete-status": ("test_delete.py", "test_the_delete_answers_200",
                      "Undocumented status code 204 for DELETE /social-account/{id}"),
    "second-delete": ("test_delete.py", "test_a_second_delete_is_404",
                      "Not the documented answer for a second delete"),
    "read-after-delete": ("test_delete.py", "test_a_deleted_account_reads_404",
                          "Not the documented answer for a deleted account"),
    "still-listed": ("test_delete.py", "test_a_deleted_account_is_no_longer_listed",
                     "The list shows an account it must not: it was deleted"),
    "repeated-id": ("test_list.py", "test_every_account_is_listed_once",
                    'An account id is listed more than once\n\nRequest: GET /social-account (with '
                    '--api-key)\nReceived: id "acc_LI_000001" at $.data.socialAccounts.linkedin[0] '
                    "and at $.data.socialAccounts.linkedin[1]"),
    "shared-id": ("test_list.py", "test_every_account_is_listed_once",
                  'Received: id "acc_LI_000001" at $.data.socialAccounts.instagram[0] and at '
                  "$.data.socialAccounts.linkedin[0]"),
    "delete-takes-another": ("test_delete.py", "test_the_delete_removes_that_account_and_no_other",
                             'The delete of "acc_TH_000004" changed more of the list than that '
                             'account\n\nRequest: GET /social-account (with --api-key)\nReceived: '
                             '"acc_LI_000001" (under linkedin) is gone too'),
    "delete-changes-another": ("test_delete.py",
                               "test_every_other_account_reads_as_before_the_delete",
                               'The delete of "acc_TH_000004" changed another account\n\n'
                               "Request: GET /social-account/acc_LI_000001 (with --api-key)\n"
                               'Received: after: accountName="Acme (renamed)"\n'
                               'Documented: as before: accountName="Acme"'),
    "platform-spelling": ("test_read.py", "test_every_listed_account_can_be_read",
                          'JSON path: $.data.socialAccount.platformType\nRule: enum: ["linkedin", '
                          '"instagram", "tiktok", "threads"]\nValue: "LinkedIn"'),
    # A documented answer (the `default` upstream failure), so not "Undocumented status code".
    "upstream-502": ("test_list.py", "test_the_list_answers_200",
                     'Expected 200 for the list of a workspace\n\nRequest: GET /social-account '
                     '(with --api-key)\nReceived: 502 {"success": false, "message": "Upstream '
                     'request failed", "error": {"code": "ECONNRESET"}}'),
    "message-spelling": ("test_errors.py", "test_reading_an_unknown_id_is_404",
                         'JSON path: $.message\nRule: const: "Social account not found"\nValue: '
                         '"Social Account not found"'),
}


@pytest.fixture(scope="module")
def server():
    """One server for the module; each test picks its breakage."""
    with serving(ContractServer()) as app:
        yield app


@pytest.fixture
def suite(server, pytester, monkeypatch):
    """Run (part of) the suite against the server with one breakage and every key given."""
    clean_environment(monkeypatch)
    return functools.partial(against, pytester, server)


def test_every_breakage_is_covered():
    assert set(CAUGHT) | {"undocumented-field", "echo-key", "usage-spelling"} <= set(BREAKAGES)


def test_a_conforming_server_passes_the_whole_suite(suite):
    outcome = suite(None)
    assert outcome.ret == 0, outcome.output
    assert outcome.failures == {} and outcome.skipped == {}
    assert outcome.passed == TESTS
    assert "contract: undocumented fields" not in outcome.output


@pytest.mark.parametrize("breakage", list(CAUGHT))
def test_the_suite_fails_naming_what_broke(suite, breakage):
    module, test, words = CAUGHT[breakage]
    outcome = suite(breakage, target=f"{SUITE}/{module}")
    assert outcome.ret == 1, outcome.output
    assert words in outcome.failure(test)
    assert not any(secret in outcome.output for secret in SECRETS)


def test_the_whole_suite_fails_on_one_broken_point(suite):
    outcome = suite("wrong-platform")
    assert outcome.ret == 1
    assert list(outcome.failures) == ["test_each_account_sits_under_its_own_platform_key"]


def test_an_undocumented_field_is_a_warning_by_default(suite, tmp_path):
    outcome = suite("undocumented-field", f"--junitxml={tmp_path / 'contract.xml'}")
    assert outcome.ret == 0, outcome.output
    assert "contract: undocumented fields" in outcome.output
    note = "$.data.socialAccount.internalNote in GET /social-account/{id} 200"
    assert note in outcome.output
    xml = (tmp_path / "contract.xml").read_text()
    assert f'<property name="undocumented field" value="{note}" />' in xml


def test_an_undocumented_field_fails_with_strict(suite):
    outcome = suite("undocumented-field", "--strict")
    assert outcome.ret == 1
    text = outcome.failure("test_every_listed_account_can_be_read")
    assert "Undocumented field in the answer (a failure because of --strict)" in text
    assert "$.data.socialAccount.internalNote" in text


def test_a_value_outside_the_examples_is_a_warning_naming_the_spelling(suite):
    outcome = suite("usage-spelling", target=f"{SUITE}/test_read.py")
    assert outcome.ret == 0, outcome.output
    assert "contract: values outside the document's examples" in outcome.output
    assert ('$.data.usage[*].status = "pending" (the document\'s examples: PENDING, PUBLISHED, '
            'DRAFT; another spelling of "PENDING"?) in GET /social-account/{id} 200'
            ) in outcome.output


def test_a_value_outside_the_examples_fails_with_strict(suite):
    outcome = suite("usage-spelling", "--strict", target=f"{SUITE}/test_read.py")
    assert outcome.ret == 1
    text = outcome.failure("test_every_listed_account_can_be_read")
    assert text.startswith("A value outside the document's examples (a failure because of "
                           "--strict)")
    assert 'Received: 200 with $.data.usage[2].status = "pending"' in text


def test_strict_also_comes_from_the_environment(suite, monkeypatch):
    monkeypatch.setenv("CONTRACT_STRICT", "1")
    outcome = suite("undocumented-field", target=f"{SUITE}/test_read.py")
    assert outcome.ret == 1
    assert "internalNote" in outcome.failure("test_a_read_agrees_with_the_list")


def test_checks_without_their_key_are_skipped_with_a_reason(server, pytester, monkeypatch):
    clean_environment(monkeypatch)
    server.reset(None)
    outcome = run_suite(pytester, "--base-url", server.url, "--api-key", SECRETS[0])
    assert outcome.ret == 0 and outcome.failures == {}
    reasons = "\n".join(outcome.skipped.values())
    assert "needs --empty-api-key (or EMBED_EMPTY_API_KEY)" in reasons
    assert "needs --unqualified-api-key (or EMBED_UNQUALIFIED_API_KEY)" in reasons
    assert "needs --delete-account-id (or CONTRACT_DELETE_ACCOUNT_ID)" in reasons
    assert len(outcome.skipped) == TESTS - API_KEY_ONLY and outcome.passed == API_KEY_ONLY
    assert server.deleted == set()
