"""Run the contract suite in-process (pytester) and read back what failed and why."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import contract_tests

# The suite's lazily imported modules (and so PyYAML, requests, jsonschema) are imported here,
# outside every in-process run: pytester drops the modules a run imported, and some extension
# modules break when imported a second time (PyYAML's C loader then fails every parse).
from contract_tests import api, lifecycle, report, stub  # noqa: F401

from .app import API_KEY, DELETABLE_ID, EMPTY_KEY, UNPAID_KEY

SUITE = str(Path(contract_tests.__file__).resolve().parent)
ENVIRONMENT = ("CONTRACT_BASE_URL", "PYTEST_BASE_URL", "EMBED_API_KEY", "EMBED_EMPTY_API_KEY",
               "EMBED_UNQUALIFIED_API_KEY", "CONTRACT_DELETE_ACCOUNT_ID", "CONTRACT_STRICT",
               "CONTRACT_OPENAPI", "CONTRACT_TIMEOUT", "CONTRACT_RATE", "CONTRACT_NO_PROXY")
# How many tests the suite has, and how many need no key but --api-key: a run that collects fewer
# has lost checks without saying so.
TESTS = 31
API_KEY_ONLY = 14
ALL_KEYS = ("--api-key", API_KEY, "--empty-api-key", EMPTY_KEY, "--unqualified-api-key",
            UNPAID_KEY, "--delete-account-id", DELETABLE_ID)


@dataclass
class Outcome:
    """One run of the suite: exit code, output, and failure text by test name."""

    ret: int
    output: str
    failures: dict[str, str]
    passed: int
    skipped: dict[str, str]

    def failure(self, test: str) -> str:
        """The failure text of the one failed test whose name contains `test`."""
        found = [text for name, text in self.failures.items() if test in name]
        assert found, f"{test} did not fail; failed: {sorted(self.failures)}"
        return found[0]


def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No contract setting leaks in from the developer's or CI's environment."""
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)


def against(pytester: pytest.Pytester, server: Any, breakage: str | None, *args: str,
            target: str = SUITE, url: str | None = None) -> Outcome:
    """Reset `server` to one breakage (None: conforming), then run the suite with every key."""
    server.reset(breakage)
    return run_suite(pytester, "--base-url", url or server.url, *ALL_KEYS, *args, target=target)


def run_suite(pytester: pytest.Pytester, *args: str, target: str = SUITE) -> Outcome:
    """Run the suite in this process with `args` and collect its results."""
    # --assert=plain: the suite's tests raise ContractFailure rather than use `assert`, and
    # skipping the rewrite hook's scan of every installed package saves a fifth of each run.
    result = pytester.runpytest_inprocess(target, "-p", "no:cacheprovider", "--assert=plain", "-rs",
                                          *args)
    reports = result.reprec.getreports("pytest_runtest_logreport")
    failures = {r.nodeid.split("::", 1)[1]: r.longreprtext for r in reports if r.failed}
    skipped = {r.nodeid.split("::", 1)[1]: str(r.longrepr) for r in reports if r.skipped}
    passed = sum(1 for r in reports if r.passed and r.when == "call")
    return Outcome(int(result.ret), "\n".join(result.outlines + result.errlines), failures,
                   passed, skipped)
