"""The suite against a hostile or broken target: one clear failure, bounded, and no key leaked."""

from __future__ import annotations

import socket

import pytest
from contract_servers.app import SECRETS, ContractServer
from contract_servers.serve import Collector, serving
from contract_servers.suite import ALL_KEYS, SUITE, against, clean_environment, run_suite

pytest_plugins = ["pytester"]
LIST_ONLY = ("-k", "test_the_list_answers_200")


@pytest.fixture(scope="module")
def collector():
    """Another origin (`localhost`, another port) that records whatever reaches it."""
    with serving(Collector()) as app:
        app.url = app.url.replace("127.0.0.1", "localhost")
        yield app


@pytest.fixture(scope="module")
def server(collector):
    """The conforming server, whose `redirect` breakage points at the collector."""
    with serving(ContractServer(redirect_to=collector.url)) as app:
        yield app


@pytest.fixture
def suite(server, pytester, monkeypatch):
    """Run the suite (or one module of it) against the server with one breakage."""
    clean_environment(monkeypatch)

    def run(breakage, *args, module="test_list.py", url=None):
        target = f"{SUITE}/{module}" if module else SUITE
        return against(pytester, server, breakage, *args, target=target, url=url)

    return run


def _no_secret_in(*texts: str) -> bool:
    return not any(secret in text for secret in SECRETS for text in texts)


def test_a_redirect_to_another_origin_is_reported_and_not_followed(suite, collector):
    outcome = suite("redirect", module=None)
    assert outcome.ret == 1
    text = outcome.failure("test_the_list_answers_200")
    assert (f"Received: 307 redirect to {collector.url}/social-account: not followed, the suite "
            "sends the key to the base URL's origin only") in text
    assert collector.requests == []


@pytest.mark.parametrize("breakage, received", [
    ("endless", "Received: more than 4194304 bytes"),
    ("huge-length", "Received: a Content-Length of 10737418240 bytes"),
], ids=["endless", "huge-length"])
def test_an_oversized_answer_ends_the_check(suite, server, breakage, received):
    outcome = suite(breakage, *LIST_ONLY)
    text = outcome.failure("test_the_list_answers_200")
    assert text.startswith(f"The answer from {server.url} is too large to check")
    assert received in text


@pytest.mark.parametrize("breakage, title", [
    ("drip", "No complete answer from {url} within 0.5 s"),
    ("silent", "No answer from {url} within 0.5 s"),
], ids=["drip", "silent"])
def test_a_slow_answer_ends_within_the_timeout(suite, server, breakage, title):
    outcome = suite(breakage, "--contract-timeout", "0.5", *LIST_ONLY)
    assert outcome.failure("test_the_list_answers_200").startswith(title.format(url=server.url))
    assert "Traceback" not in outcome.output


@pytest.mark.parametrize("breakage, title, received", [
    ("invalid-json", "The body is not valid JSON", "Received: 200 Unterminated string"),
    ("html", "An HTML page instead of JSON",
     "Received: 502 text/html: an HTML page: <!DOCTYPE html><html><head><title>502 Bad Gateway"),
    ("empty-body", "An empty body where JSON is documented", "Received: 200 an empty body"),
], ids=["invalid-json", "html", "empty-body"])
def test_a_body_that_is_not_json_is_reported_as_such(suite, breakage, title, received):
    text = suite(breakage, *LIST_ONLY).failure("test_the_list_answers_200")
    assert text.startswith(title) and received in text


def test_a_key_the_target_echoes_is_masked_everywhere(suite, tmp_path):
    junit = tmp_path / "contract.xml"
    # --showlocals and -rA: pytest would print local variables and captured output if it could.
    outcome = suite("echo-key", f"--junitxml={junit}", "--showlocals", "-rA", "-vv", module=None)
    xml = junit.read_text()
    assert outcome.ret == 1
    text = outcome.failure("test_reading_an_unknown_id_is_404")
    assert 'Value: "Social account not found for sk-c…"' in text
    assert 'message="The body does not match the documented schema"' in xml
    assert _no_secret_in(outcome.output, xml, *outcome.failures.values())


# The whole suite fails in its probe; one module (no probe collected) fails in its first test.
@pytest.mark.parametrize("module, first", [
    (None, "test_the_base_url_answers_http"),
    ("test_list.py", "test_the_list_answers_200_with_the_documented_body"),
], ids=["whole suite", "one module"])
def test_an_unreachable_target_is_one_clear_failure(pytester, monkeypatch, module, first):
    clean_environment(monkeypatch)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again below: nothing listens there
    target = f"{SUITE}/{module}" if module else SUITE
    outcome = run_suite(pytester, "--base-url", f"http://127.0.0.1:{port}", *ALL_KEYS,
                        target=target)
    assert outcome.ret == 1
    assert list(outcome.failures) == [first]
    assert outcome.failure(first).startswith(
        f"Cannot connect to http://127.0.0.1:{port}: Connection refused")
    assert outcome.passed == 0 and outcome.skipped == {}
    assert "the target did not answer (Cannot connect" in outcome.output
    assert "Traceback" not in outcome.output


def test_a_tls_error_is_one_clear_failure(suite, server):
    https = server.url.replace("http://", "https://")
    outcome = suite(None, module=None, url=https)
    assert list(outcome.failures) == ["test_the_base_url_answers_http"]
    assert outcome.failure("test_the_base_url_answers_http").startswith(
        f"TLS error talking to {https}: ")
    assert outcome.passed == 0 and outcome.skipped == {}
    assert "Traceback" not in outcome.output
