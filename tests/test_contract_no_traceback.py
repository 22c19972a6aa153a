"""Whatever the target sends, the suite answers in its own sentences: never a Python traceback."""

from __future__ import annotations

import itertools
import json
import re

import pytest
from contract_servers.app import API_KEY, ContractServer
from contract_servers.serve import serving
from contract_servers.suite import ALL_KEYS, SUITE, clean_environment, run_suite
from stub_process import running_stub

pytest_plugins = ["pytester"]
PYTHON_ERRORS = re.compile(r"Traceback|KeyError|TypeError|IndexError|AttributeError|ValueError")
JSON = [("Content-Type", "application/json; charset=utf-8")]
LIST = {"success": True, "data": {"socialAccounts": {
    "linkedin": [], "instagram": [], "tiktok": [], "threads": []}}}
# Answers a confused target might give to any request: documented ones to the wrong request,
# undocumented ones, and bodies of the wrong shape.
CHAOS = [
    (500, JSON, {"success": False, "message": "Error fetching Social Accounts", "error": "db"}),
    (401, JSON, {"status": False, "message": "Unable to find embed details, please check your "
                 "Embed API key and make sure to use the key for API."}),
    (200, JSON, LIST),
    (404, JSON, {"success": False, "message": "Social account not found"}),
    (200, JSON, {"success": True, "data": None}),
    (422, JSON, {"success": False, "message": "Social account id is required"}),
    (200, JSON, []),
    (402, JSON, {"status": False, "message": "nope"}),
    (200, JSON, {"success": True, "message": "Social account deleted successfully"}),
    (502, [("Content-Type", "text/html")], "<html>Bad Gateway</html>"),
    (204, [], ""),
    (200, [("Content-Type", "text/plain")], "OK"),
]


class Chaos:
    """Answers request number n with CHAOS[(n + offset) % len(CHAOS)]."""

    def __init__(self) -> None:
        self.url = ""
        self.counter = itertools.count()
        self.offset = 0

    def __call__(self, environ, start_response):
        status, headers, body = CHAOS[(next(self.counter) + self.offset) % len(CHAOS)]
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        start_response(f"{status} Whatever", [*headers, ("Content-Length", str(len(data)))])
        return [data]


class AlwaysLimited:
    """Answers the --api-key list with 429 every time; everything else as app.py does."""

    def __init__(self) -> None:
        self.url = ""
        self.api = ContractServer()
        self.limited = 0

    def __call__(self, environ, start_response):
        if environ["PATH_INFO"] == "/social-account" and (
                environ.get("HTTP_EMBED_API_KEY") == API_KEY):
            self.limited += 1
            start_response("429 Too Many Requests", [("Retry-After", "0"),
                                                     ("Content-Type", "text/plain")])
            return [b"Too many requests, please try again later."]
        return self.api(environ, start_response)


@pytest.fixture(autouse=True)
def _clean(monkeypatch):
    clean_environment(monkeypatch)


def _no_python_errors(output: str) -> None:
    found = PYTHON_ERRORS.search(output)
    assert found is None, output[max(0, found.start() - 2000):found.end() + 500]


def test_a_mistyped_key_is_one_readable_sentence_per_check(pytester):
    with serving(ContractServer()) as server:
        keys = list(ALL_KEYS)
        keys[keys.index("--api-key") + 1] = "pn-mistyped-key-0000"
        outcome = run_suite(pytester, "--base-url", server.url, *keys)
    assert outcome.ret == 1
    _no_python_errors(outcome.output)
    text = outcome.failure("test_every_listed_account_can_be_read")
    assert text.startswith('The list with --api-key answered 401 "Unable to find embed details, '
                           'please check your Embed API key and make sure to use the key for '
                           'API.": is the key right?')
    assert "pn-mistyped-key-0000" not in outcome.output
    lifecycle = outcome.failure("test_the_delete_answers_200")
    assert lifecycle.startswith("The delete lifecycle was not run: no DELETE was sent")
    assert "is the key right?" in lifecycle


def test_the_stubs_server_errors_scenario_is_one_readable_sentence_per_check(pytester):
    with running_stub(["--scenario", "server-errors"]) as url:
        outcome = run_suite(pytester, "--base-url", url, "--api-key", "pn-demo-key",
                            "--empty-api-key", "pn-empty-key", "--unqualified-api-key",
                            "pn-unpaid-key", "--delete-account-id", "cmqi7kfo20009v0m9a6s2u1yt")
    assert outcome.ret == 1
    _no_python_errors(outcome.output)
    assert outcome.failure("test_every_listed_account_can_be_read").startswith(
        'The list with --api-key answered 500 "Error fetching Social Accounts": the target is '
        "failing")
    assert outcome.failure("test_the_list_answers_200").startswith(
        "Expected 200 for the list of a workspace")


@pytest.mark.parametrize("offset", range(0, len(CHAOS), 3))
def test_a_confused_target_gets_no_traceback(pytester, offset):
    chaos = Chaos()
    chaos.offset = offset
    with serving(chaos) as server:
        outcome = run_suite(pytester, "--base-url", server.url, *ALL_KEYS)
    _no_python_errors(outcome.output)
    assert outcome.failures or outcome.ret != 0


def test_rate_limits_that_never_end_fail_as_rate_limits(pytester):
    with serving(AlwaysLimited()) as server:
        outcome = run_suite(pytester, "--base-url", server.url, *ALL_KEYS,
                            target=f"{SUITE}/test_list.py")
    assert outcome.ret == 1
    _no_python_errors(outcome.output)
    text = outcome.failure("test_the_list_answers_200")
    assert text.startswith("Rate limited: GET /social-account (with --api-key) answered 429 "
                           "(still 429 after 3 retries)")
    assert "Undocumented status" not in outcome.output
    assert server.limited == 4  # sent once and retried three times, then never again
    assert "Out of retries (1): GET /social-account (with --api-key)" in outcome.output
