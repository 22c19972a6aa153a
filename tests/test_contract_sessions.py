"""The contract suite runs in a session of its own on the stub, and sends none anywhere else."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from contract_servers.app import ContractServer
from contract_servers.serve import serving
from contract_servers.suite import (
    ENVIRONMENT,
    SUITE,
    TESTS,
    against,
    clean_environment,
    run_suite,
)
from stub_process import running_stub

from contract_tests import plugin

pytest_plugins = ["pytester"]
ROOT = Path(__file__).resolve().parents[1]
DEMO = "pn-demo-key"
DELETABLE = "cmqi7kfo20009v0m9a6s2u1yt"  # the suite's default deletable account on the stub
STUB_KEYS = ("--api-key", DEMO, "--empty-api-key", "pn-empty-key", "--unqualified-api-key",
             "pn-unpaid-key", "--delete-account-id", DELETABLE)


@pytest.fixture(autouse=True)
def _clean(monkeypatch):
    clean_environment(monkeypatch)


@pytest.fixture(scope="module")
def stub_url():
    """One running stub (the real command) that every run in this module targets."""
    with running_stub() as url:
        yield url


def _sessions(url: str) -> list[str]:
    return [s["name"] for s in requests.get(f"{url}/__admin/sessions", timeout=10).json()[
        "sessions"]]


def test_two_runs_in_a_row_against_one_stub_both_pass(pytester, stub_url):
    first = run_suite(pytester, "--base-url", stub_url, *STUB_KEYS)
    second = run_suite(pytester, "--base-url", stub_url, *STUB_KEYS)
    assert (first.ret, first.failures) == (0, {}) and first.passed == TESTS
    assert (second.ret, second.failures) == (0, {}) and second.passed == first.passed
    # Each deleted the account in its own session; the stub itself still has it.
    read = requests.get(f"{stub_url}/social-account/{DELETABLE}", headers={"embed-api-key": DEMO},
                        timeout=10)
    assert read.status_code == 200
    mine = [name for name in _sessions(stub_url) if name.startswith("contract-")]
    assert len(mine) >= 2 and len(set(mine)) == len(mine)


def test_two_runs_at_the_same_time_against_one_stub_both_pass(stub_url):
    env = {k: v for k, v in os.environ.items() if k not in ENVIRONMENT}
    argv = [sys.executable, "-m", "pytest", "contract_tests", "-q", "-p", "no:cacheprovider",
            "--base-url", stub_url, *STUB_KEYS]
    runs = [subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    outputs = [run.communicate(timeout=300)[0] for run in runs]
    for run, output in zip(runs, outputs, strict=True):
        assert run.returncode == 0, output[-3000:]
        assert " passed" in output and "failed" not in output


def test_the_stub_started_by_the_suite_is_used_in_a_session(pytester):
    result = pytester.runpytest_inprocess(SUITE, "-p", "no:cacheprovider")
    result.assert_outcomes(passed=TESTS)
    config = result.reprec.getcall("pytest_sessionfinish").session.config
    session = config.stash[plugin.TARGET].session
    assert session is not None and session.startswith("contract-")


class _Recording:
    """A WSGI wrapper that notes the path and X-Mock-Session of every request."""

    def __init__(self, app):
        self.app, self.url, self.seen = app, "", []

    def __call__(self, environ, start_response):
        self.seen.append((environ["PATH_INFO"], environ.get("HTTP_X_MOCK_SESSION")))
        return self.app(environ, start_response)

    def reset(self, breakage):
        self.app.reset(breakage)


def test_another_service_gets_no_session_header_and_still_passes(pytester):
    with serving(_Recording(ContractServer())) as server:
        outcome = against(pytester, server, None)
    assert (outcome.ret, outcome.failures) == (0, {})
    assert len(server.seen) > 20
    assert [session for _, session in server.seen if session is not None] == []
    # It asked once whether this is the stub (and, told no, ran as it always has).
    assert [path for path, _ in server.seen].count("/__admin/sessions") == 1
