"""The suite as a tool: options, environment variables, the local stub, the README command."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import yaml
from contract_servers.app import (
    API_KEY,
    DELETABLE_ID,
    EMPTY_KEY,
    SECRETS,
    UNPAID_KEY,
    ContractServer,
)
from contract_servers.serve import Collector, serving
from contract_servers.suite import (
    ALL_KEYS,
    API_KEY_ONLY,
    ENVIRONMENT,
    SUITE,
    TESTS,
    clean_environment,
    run_suite,
)
from stub_process import running_stub

from contract_tests import document, plugin

pytest_plugins = ["pytester"]
ROOT = Path(__file__).resolve().parents[1]
# The README's command (after `<!-- contract-command -->`), with placeholders the test fills in.
README_COMMAND = re.search(r"<!-- contract-command -->\n```sh\n(.+)\n```",
                           (ROOT / "README.md").read_text()).group(1)


@pytest.fixture(scope="module")
def server():
    """A conforming server for the module."""
    with serving(ContractServer()) as app:
        yield app


@pytest.fixture(autouse=True)
def _clean(monkeypatch):
    clean_environment(monkeypatch)


def _header(outcome) -> list[str]:
    return [line for line in outcome.output.splitlines() if line.startswith("contract ")]


def test_without_a_base_url_it_starts_the_stub_and_passes(pytester):
    result = pytester.runpytest_inprocess(SUITE, "-p", "no:cacheprovider")
    result.assert_outcomes(passed=TESTS)
    header = [line for line in result.outlines if line.startswith("contract ")]
    assert header[:3] == [
        "contract target: this project's stub, started on a free loopback port "
        "(no --base-url given)",
        "contract keys: --api-key pn-d…, --empty-api-key pn-e…, --unqualified-api-key pn-u…",
        "contract deletes: account cmqi7kfo20009v0m9a6s2u1yt only (the run consumes it)",
    ]
    config = result.reprec.getcall("pytest_sessionfinish").session.config
    assert config.stash[plugin.TARGET].stub.process.returncode is not None  # stopped at the end


def test_it_runs_from_the_installed_package_with_pyargs(pytester, server):
    server.reset(None)
    result = pytester.runpytest_inprocess("--pyargs", "contract_tests", "-p", "no:cacheprovider",
                                          "--base-url", server.url, *ALL_KEYS)
    result.assert_outcomes(passed=TESTS)


def test_every_option_can_come_from_the_environment(pytester, server, monkeypatch, tmp_path):
    """As the README's CI job runs it: keys in variables, `--junitxml` on the command line."""
    server.reset(None)
    for name, value in [("CONTRACT_BASE_URL", server.url), ("EMBED_API_KEY", API_KEY),
                        ("EMBED_EMPTY_API_KEY", EMPTY_KEY),
                        ("EMBED_UNQUALIFIED_API_KEY", UNPAID_KEY),
                        ("CONTRACT_DELETE_ACCOUNT_ID", DELETABLE_ID), ("CONTRACT_TIMEOUT", "5")]:
        monkeypatch.setenv(name, value)
    outcome = run_suite(pytester, f"--junitxml={tmp_path / 'contract.xml'}")
    assert outcome.ret == 0 and outcome.passed == TESTS and outcome.skipped == {}
    xml = (tmp_path / "contract.xml").read_text()
    assert xml.count("<testcase ") == TESTS and not any(secret in xml for secret in SECRETS)
    assert _header(outcome)[:3] == [
        f"contract target: {server.url}",
        "contract keys: --api-key sk-c…, --empty-api-key sk-c…, --unqualified-api-key sk-c…",
        f"contract deletes: account {DELETABLE_ID} only (the run consumes it)",
    ]
    assert server.deleted == {DELETABLE_ID}


def test_the_command_line_wins_over_the_environment(pytester, server, monkeypatch):
    server.reset(None)
    monkeypatch.setenv("EMBED_API_KEY", "pn-wrong-key-from-the-environment")
    monkeypatch.setenv("CONTRACT_BASE_URL", "http://127.0.0.1:1")
    outcome = run_suite(pytester, "--base-url", server.url, "--api-key", API_KEY)
    assert outcome.ret == 0 and outcome.passed == API_KEY_ONLY


def test_ini_values_are_the_last_resort(pytester, server):
    server.reset(None)
    ini = pytester.makeini(f"[pytest]\nbase_url = {server.url}\ncontract_timeout = 5\n")
    outcome = run_suite(pytester, "-c", str(ini), "--rootdir", str(pytester.path),
                        "--api-key", API_KEY)
    assert outcome.ret == 0 and outcome.passed == API_KEY_ONLY
    assert f"contract target: {server.url}" in _header(outcome)


def test_another_document_can_be_given(pytester, server, tmp_path):
    server.reset(None)
    changed = tmp_path / "changed.yaml"
    text = (ROOT / "openapi.yaml").read_text(encoding="utf-8")
    changed.write_text(text.replace("Social account not found", "No such account"), "utf-8")
    outcome = run_suite(pytester, "--base-url", server.url, *ALL_KEYS, "--openapi", str(changed),
                        target=f"{SUITE}/test_errors.py")
    assert outcome.ret == 1
    text = outcome.failure("test_reading_an_unknown_id_is_404")
    assert f"in {changed}" in text and 'Rule: const: "No such account"' in text


@pytest.mark.parametrize("args, message", [
    (("--contract-timeout", "soon"), "--contract-timeout must be a number of seconds"),
    (("--base-url", "ftp://example.test"), "--base-url must be an http:// or https:// URL"),
    (("--openapi", "/nonexistent/openapi.yaml"), "--openapi: no such file"),
    (("--api-key", f"{API_KEY}\nX-Injected: 1"), "--api-key (EMBED_API_KEY) contains a control"),
], ids=["timeout", "base-url", "openapi", "key with a line break"])
def test_a_bad_option_is_one_sentence(pytester, args, message):
    result = pytester.runpytest_inprocess(SUITE, "-p", "no:cacheprovider", *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = "\n".join(result.errlines)
    assert message in errors and "Traceback" not in errors
    assert API_KEY not in errors


def test_other_test_runs_see_no_header_and_start_no_stub(pytester):
    pytester.makepyfile(test_plain="def test_one():\n    assert 1 + 1 == 2\n")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert not any(line.startswith("contract ") for line in result.outlines)
    config = result.reprec.getcall("pytest_sessionfinish").session.config
    assert plugin.TARGET not in config.stash and plugin.SETTINGS not in config.stash


def test_the_readme_command_runs_and_writes_junit_without_keys(server, tmp_path):
    server.reset(None)
    values = {"URL": server.url, "KEY": API_KEY, "KEY2": EMPTY_KEY, "KEY3": UNPAID_KEY,
              "ID": DELETABLE_ID, "contract.xml": str(tmp_path / "contract.xml")}
    command = [values.get(word, word) for word in README_COMMAND.split()]
    assert command[:2] == ["pytest", "contract_tests"]  # never a bare `pytest`: it would recurse
    executable = shutil.which("pytest", path=os.path.dirname(sys.executable))
    argv = ([executable] if executable else [sys.executable, "-m", "pytest"]) + command[1:]
    env = {k: v for k, v in os.environ.items() if k not in ENVIRONMENT}
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert f"{TESTS} passed" in done.stdout
    xml = (tmp_path / "contract.xml").read_text()
    assert xml.count("<testcase ") == TESTS and 'failures="0"' in xml
    assert not any(secret in text for secret in SECRETS for text in (xml, done.stdout, done.stderr))


def test_it_refuses_to_run_if_date_time_would_go_unchecked(pytester, monkeypatch):
    monkeypatch.delitem(document.FORMAT_CHECKER.checkers, "date-time")
    result = pytester.runpytest_inprocess(SUITE, "-p", "no:cacheprovider", "--base-url",
                                          "http://127.0.0.1:1")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "rfc3339-validator is not installed" in "\n".join(result.errlines)


def test_requests_are_paced_by_contract_rate(pytester, server, monkeypatch):
    server.reset(None)
    monkeypatch.setenv("CONTRACT_RATE", "10")
    started = time.monotonic()
    outcome = run_suite(pytester, "--base-url", server.url, *ALL_KEYS,
                        target=f"{SUITE}/test_read.py")
    elapsed = time.monotonic() - started
    assert outcome.ret == 0, outcome.output
    assert "contract pacing: at most 10 requests per second" in _header(outcome)
    assert "Requests were paced at most 10 per second (--contract-rate)." in outcome.output
    assert server.requests >= 5
    assert elapsed >= (server.requests - 1) / 10  # the pacer's floor; a slow machine only adds


def test_url_credentials_are_never_printed(pytester, server, tmp_path):
    server.reset(None)
    secret_url = server.url.replace("http://", "http://ci-user:s3cr3t-pass@")
    junit = tmp_path / "contract.xml"
    outcome = run_suite(pytester, "--base-url", secret_url, "--api-key", API_KEY,
                        f"--junitxml={junit}", target=f"{SUITE}/test_list.py")
    assert outcome.ret == 0, outcome.output
    masked = server.url.replace("http://", "http://****@")
    assert f"baseurl: {masked}" in outcome.output  # pytest-base-url's own header line
    assert f"contract target: {masked}" in _header(outcome)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    dead = run_suite(pytester, "--base-url", f"http://ci-user:s3cr3t-pass@127.0.0.1:{port}/",
                     "--api-key", API_KEY, target=f"{SUITE}/test_list.py")
    assert dead.ret == 1 and "Cannot connect to http://127.0.0.1:" in dead.output
    for text in (outcome.output, dead.output, junit.read_text(), *dead.failures.values()):
        assert "s3cr3t-pass" not in text and "ci-user" not in text


@pytest.fixture
def proxy():
    """A collector standing in for HTTP_PROXY: whatever reaches it has gone through the proxy."""
    with serving(Collector()) as app:
        yield app


@pytest.mark.parametrize("switch", [(), ("--contract-no-proxy",), "CONTRACT_NO_PROXY=1"],
                         ids=["proxied", "--contract-no-proxy", "CONTRACT_NO_PROXY=1"])
def test_proxy_variables_are_honoured_unless_switched_off(pytester, server, proxy, monkeypatch,
                                                          switch):
    server.reset(None)
    for name in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("http_proxy", proxy.url)
    if isinstance(switch, str):
        monkeypatch.setenv(*switch.split("="))
        switch = ()
    outcome = run_suite(pytester, "--base-url", server.url, "--api-key", API_KEY, *switch,
                        "-k", "test_the_list_answers_200", target=f"{SUITE}/test_list.py")
    if outcome.ret == 0:  # not proxied: the server answered
        assert proxy.requests == [] and "contract proxy: none (--contract-no-proxy)" in (
            _header(outcome))
        return
    assert not switch and os.environ.get("CONTRACT_NO_PROXY") is None
    # Through the proxy, an http:// target's key travels in the clear: the README says so.
    assert any(request.get("HTTP_EMBED_API_KEY") == API_KEY for request in proxy.requests)
    line = f"contract proxy: {proxy.url} (from the environment; --contract-no-proxy ignores it)"
    assert line in _header(outcome)


def test_an_https_targets_key_never_reaches_the_proxy(pytester, server, proxy, monkeypatch):
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    monkeypatch.setenv("https_proxy", proxy.url)
    https = server.url.replace("http://", "https://")
    outcome = run_suite(pytester, "--base-url", https, "--api-key", API_KEY,
                        "-k", "test_the_list_answers_200", target=f"{SUITE}/test_list.py")
    assert outcome.ret == 1  # this proxy opens no tunnel
    assert proxy.requests and not any("HTTP_EMBED_API_KEY" in r for r in proxy.requests)


def test_a_second_run_needs_the_stub_reset_when_it_has_no_session_of_its_own(pytester):
    stub_keys = ("--api-key", "pn-demo-key", "--empty-api-key", "pn-empty-key",
                 "--unqualified-api-key", "pn-unpaid-key",
                 "--delete-account-id", "cmqi7kfo20009v0m9a6s2u1yt")
    token = {"Authorization": "Bearer tok-contract-reset"}
    # With an admin token the suite can't ask the stub for a session: its delete is for real.
    with running_stub(["--admin-token", "tok-contract-reset"]) as url:
        first = run_suite(pytester, "--base-url", url, *stub_keys)
        assert first.ret == 0 and first.passed == TESTS, first.output[-3000:]
        second = run_suite(pytester, "--base-url", url, *stub_keys)
        assert second.ret == 1
        text = second.failure("test_the_delete_answers_200")
        assert text.startswith("The delete lifecycle was not run: no DELETE was sent")
        assert ("an earlier run may have deleted it: POST /__admin/reset brings it back on this "
                "project's stub") in text
        reset = requests.post(f"{url}/__admin/reset", headers=token, timeout=10)
        assert reset.status_code == 200
        third = run_suite(pytester, "--base-url", url, *stub_keys)
        assert third.ret == 0 and third.passed == TESTS


def _named_error_shapes(raw: dict) -> dict:
    """The document as a rework may write it: one named schema per error body (no allOf), an
    `authorization` key scheme, a `pattern` on the id and a `default` response."""
    schemas, responses = raw["components"]["schemas"], raw["components"]["responses"]

    def named(name: str, message: str) -> dict:
        schemas[name] = {"type": "object", "required": ["success", "message"],
                         "properties": {"success": {"const": False},
                                        "message": {"const": message}}}
        return {"$ref": f"#/components/schemas/{name}"}

    json_of = lambda response: response["content"]["application/json"]  # noqa: E731
    json_of(responses["NotFound"])["schema"] = named("NotFoundError", "Social account not found")
    json_of(responses["IdOrTokenRequired"])["schema"] = {"oneOf": [
        named("IdRequiredError", "Social account id is required"),
        {"$ref": "#/components/schemas/TokenRequiredError"}]}
    raw["components"]["securitySchemes"]["authorization"] = {
        "type": "apiKey", "in": "header", "name": "authorization"}
    raw["security"] = [{"embedApiKey": []}, {"authorization": []}]
    item = raw["paths"]["/social-account/{id}"]
    item["parameters"][0]["schema"]["pattern"] = r"\S"
    for operation in (raw["paths"]["/social-account"]["get"], item["get"], item["delete"]):
        operation["responses"]["default"] = {"description": "Anything else", "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    return raw


@pytest.mark.parametrize("breakage", [None, "message-spelling"])
def test_a_document_with_named_error_schemas_works_the_same(pytester, server, tmp_path,
                                                            breakage):
    reworked = tmp_path / "openapi.yaml"
    raw = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
    reworked.write_text(yaml.safe_dump(_named_error_shapes(raw), allow_unicode=True), "utf-8")
    server.reset(breakage)
    outcome = run_suite(pytester, "--base-url", server.url, *ALL_KEYS, "--openapi", str(reworked))
    if breakage is None:
        assert outcome.ret == 0 and outcome.passed == TESTS, outcome.output[-3000:]
        return
    text = outcome.failure("test_reading_an_unknown_id_is_404")
    assert 'JSON path: $.message\nRule: const: "Social account not found"' in text
