"""openapi.yaml as the tools people use read it: Redocly's linter and a Prism validating proxy."""

from __future__ import annotations

import json
import os
import shlex
import socket
import subprocess
import time
from pathlib import Path

import npm_tools
import pytest
import requests
import yaml
from stub_process import running_stub
from test_readme import CURLS, STUB

from mockserver import resources

# Warnings the vendor's own choices cause: it publishes no licence (info.description says so).
VENDORS_CHOICE = {"info-license"}
QUIET = {"REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true"}


@pytest.fixture(scope="module")
def tools() -> Path:
    """The pinned npm tools, installed once into the user's cache."""
    return npm_tools.tools_or_skip()


def _lint(tools: Path, document: Path) -> dict:
    result = subprocess.run(
        [npm_tools.binary(tools, "redocly"), "lint", str(document), "--format=json"],
        capture_output=True, text=True, timeout=300, env={**os.environ, **QUIET})
    start = result.stdout.find("{")
    assert start >= 0, result.stdout + result.stderr
    return json.loads(result.stdout[start:])


def test_redocly_recommended_finds_no_error_and_only_the_vendors_choices(tools):
    report = _lint(tools, resources.spec_path())
    assert report["totals"]["errors"] == 0, report["problems"]
    rules = {problem["ruleId"] for problem in report["problems"]}
    assert rules <= VENDORS_CHOICE, report["problems"]


def test_redocly_reports_a_broken_document(tools, tmp_path):
    document = yaml.safe_load(resources.spec_path().read_text())
    del document["paths"]["/social-account"]["get"]["responses"]["200"]["description"]
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump(document, allow_unicode=True))
    assert _lint(tools, broken)["totals"]["errors"] >= 1


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _request(command: str, base: str) -> requests.Response:
    """Send what a README curl command sends, to `base` instead of the stub's address."""
    argv = shlex.split(command)[1:]
    method, headers, data, url = "GET", {}, None, None
    while argv:
        arg = argv.pop(0)
        if arg == "-X":
            method = argv.pop(0)
        elif arg == "-H":
            name, _, value = argv.pop(0).partition(":")
            headers[name.strip()] = value.strip()
        elif arg == "-d":
            data = argv.pop(0).encode()
            headers.setdefault("content-type", "application/x-www-form-urlencoded")
        elif not arg.startswith("-"):
            url = arg.replace(STUB, base)
    return requests.request(method, url, headers=headers, data=data, timeout=30)


def _kind(command: str, expected: str) -> str:
    """What the README request is, for a validating proxy."""
    if "/__admin/" in command:
        return "admin"  # the stub's own API, not in openapi.yaml: sent to the stub directly
    if "urn:mockserver:problem:" in expected:
        return "stub's own answer"
    if "embed-api-key" not in command and "authorization" not in command:
        return "no key"
    if "/social-account/%20" in command:
        return "blank id"
    return "documented"


@pytest.fixture
def prism(tools):
    """A Prism validating proxy (`--errors`) in front of a fresh stub: (proxy URL, stub URL)."""
    port = _free_port()
    with running_stub() as stub:
        process = subprocess.Popen(
            [npm_tools.binary(tools, "prism"), "proxy", str(resources.spec_path()), stub,
             "--errors", "-h", "127.0.0.1", "-p", str(port)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                line = process.stdout.readline()
                if "Prism is listening" in line or not line:
                    break
            assert process.poll() is None, "Prism did not start"
            yield f"http://127.0.0.1:{port}", stub
        finally:
            process.terminate()
            process.wait(timeout=30)
            process.stdout.close()


def test_prism_finds_no_violation_in_the_readmes_requests(prism):
    proxy, stub = prism
    seen: dict[str, int] = {}
    for command, expected in CURLS:
        kind = _kind(command, expected)
        seen[kind] = seen.get(kind, 0) + 1
        answer = _request(command, stub if kind == "admin" else proxy)
        violations = answer.headers.get("sl-violations")
        if kind in ("admin", "documented"):
            assert violations is None, f"{command}\nPrism: {violations}"
            assert answer.text.strip() == expected, f"{command}\nPrism: {answer.text[:500]}"
        elif kind == "no key":
            # The document requires one of the two key headers: Prism refuses the request itself.
            assert answer.status_code == 401 and "UNAUTHORIZED" in answer.json()["type"], command
        elif kind == "blank id":
            # The id's schema says a blank id is not an id: Prism refuses the request itself.
            locations = [v["location"] for v in answer.json()["validation"]]
            assert answer.status_code == 422 and ["path", "id"] in locations, command
        else:
            # The stub's own refusal is not one of the API's answers, and Prism says so.
            assert violations or "VIOLATIONS" in answer.json().get("type", ""), command
    assert seen["documented"] >= 15
    assert any("authorization: Bearer pn-empty-key" in c for c, _ in CURLS)
    assert {"no key", "blank id", "stub's own answer"} <= set(seen)
