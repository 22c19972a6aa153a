"""The contract suite's parts on their own: document, findings, failures, masking, retries."""

from __future__ import annotations

import ast
import re
import socket
import threading
from contextlib import contextmanager
from email.utils import formatdate
from pathlib import Path

import pytest
from contract_servers.gallery import Quirks, serving_gallery
from contract_servers.serve import serving

from contract_tests import document, masking, options, throttle
from contract_tests.client import Client, RateLimited, origin
from contract_tests.errors import OptionError
from contract_tests.failures import ContractFailure, TargetError, show
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
    read = doc.operation("GET", "/social-account/{id}")
    assert read.schema_for(502) == read.default is not None and read.schema_for(404) != read.default
    assert read.schema_for(201) is None and read.schema_for(302) is None  # a default is a failure
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


# -- rate limits, pacing, dropped connections ---------------------------------------------------

def test_retry_after_is_read_as_seconds_or_an_http_date():
    now = 1_790_000_000.0
    assert throttle.retry_after("7") == 7.0 and throttle.retry_after(" 0 ") == 0.0
    assert throttle.retry_after(formatdate(now + 30, usegmt=True), now=now) == 30.0
    assert throttle.retry_after(formatdate(now - 30, usegmt=True), now=now) == 0.0
    assert throttle.retry_after("soon") is None and throttle.retry_after(None) is None
    assert throttle.retry_after("-1") is None


def test_waits_follow_retry_after_then_back_off_and_give_up():
    log = throttle.Log()
    assert log.delay(429, "2", 1) == (2.0, "")
    assert log.delay(503, None, 1) == (1.0, "") and log.delay(503, "", 2) == (2.0, "")
    assert log.delay(429, "1", 4) == (None, "still 429 after 3 retries")
    seconds, why = log.delay(429, "3600", 1)
    assert seconds is None and "Retry-After asks for 3600 s" in why
    assert log.waited == 5.0 and log.answers == {429: 3, 503: 2}
    spent = throttle.Log(waited=throttle.RUN_BUDGET - 1)
    assert spent.delay(429, "2", 1)[0] is None


def test_the_pacer_spaces_request_starts():
    clock, slept = [100.0], []

    def sleep(seconds):
        slept.append(round(seconds, 6))
        clock[0] += seconds

    pacer = throttle.Pacer(4.0, clock=lambda: clock[0], sleep=sleep)
    for _ in range(3):
        pacer.wait()
    clock[0] += 1.0  # a slow answer: the next request is not held back
    pacer.wait()
    assert slept == [0.25, 0.25]
    unpaced = throttle.Pacer(None, clock=lambda: clock[0], sleep=sleep)
    unpaced.wait()
    assert slept == [0.25, 0.25]


class _Scripted:
    """A WSGI app answering each request with the next (status, headers) of a script."""

    def __init__(self, *script):
        self.url, self.script, self.methods = "", list(script), []

    def __call__(self, environ, start_response):
        self.methods.append(environ["REQUEST_METHOD"])
        status, headers = self.script.pop(0) if self.script else ("200 OK", {})
        body = b'{"success": true}'
        start_response(status, [("Content-Type", "application/json"), *headers.items()])
        return [body]


@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_a_429_or_503_is_waited_out_and_sent_again(method):
    app = _Scripted(("429 Too Many Requests", {"Retry-After": "2"}),
                    ("503 Service Unavailable", {}))
    slept = []
    with serving(app):
        sent = Client(app.url, 5, sleep=slept.append).send(method, "/x", None, "with no key")
    # Retry-After first; then, with none, the backoff of a second retry (1 s doubled).
    assert sent.status == 200 and app.methods == [method] * 3 and slept == [2.0, 2.0]


def test_a_429_that_never_ends_is_a_rate_limit_failure():
    app = _Scripted(*[("429 Too Many Requests", {"Retry-After": "0"})] * 5)
    with serving(app):
        client = Client(app.url, 5, sleep=lambda s: None)
        with pytest.raises(RateLimited, match=r"^Rate limited: GET /x \(with no key\) answered "
                                              r"429 \(still 429 after 3 retries\)"):
            client.send("GET", "/x", None, "with no key")
    assert len(app.methods) == 4 and client.rate_limits.answers == {429: 4}


@contextmanager
def _hanging_up(answer_after: int):
    """A server that closes its first `answer_after` connections without a word."""
    connections, stop = [], threading.Event()
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)  # so the loop sees `stop` without waiting on accept()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            connections.append(conn)
            conn.settimeout(5)
            conn.recv(65536)
            if len(connections) > answer_after:
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Content-Length: 2\r\nConnection: close\r\n\r\n{}")
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", connections
    finally:
        stop.set()
        thread.join(5)
        listener.close()


def test_a_dropped_connection_resends_a_get_once_and_never_a_delete():
    with _hanging_up(answer_after=1) as (url, connections):
        client = Client(url, 5)
        assert client.send("GET", "/x", None, "with no key").status == 200
        assert len(connections) == 2 and client.rate_limits.resent == 1
    with _hanging_up(answer_after=1) as (url, connections):
        client = Client(url, 5)
        with pytest.raises(TargetError, match="closed the connection without answering"):
            client.send("DELETE", "/x", None, "with no key")
        assert len(connections) == 1


def test_a_delete_always_goes_on_a_new_connection():
    with serving_gallery() as server:
        server.reset(Quirks())
        client = Client(server.url, 5)
        for method in ("GET", "GET", "DELETE", "GET"):
            client.send(method, "/social-account", None, "with no key")
    first, kept, deleted, after = server.ports
    assert kept == first and deleted != first and after == deleted


# -- credentials and proxies --------------------------------------------------------------------

def test_url_credentials_are_hidden_wherever_they_appear():
    text = "baseurl: https://ci-user:s3cr3t-pass@staging.example.test/api and http://tok@h:8/"
    assert masking.hide_url_credentials(text) == (
        "baseurl: https://****@staging.example.test/api and http://****@h:8/")
    settings = options.resolve({}, {}, base_url="https://ci-user:s3cr3t-pass@staging.example.test")
    assert settings.redact('{"message": "bad password s3cr3t-pass"}') == (
        '{"message": "bad password s3cr…"}')


@pytest.mark.parametrize("given, environ, message", [
    ({"rate": "fast"}, {}, "--contract-rate must be a number of requests per second between 0 "
                           "and 1000, not 'fast'"),
    ({}, {"CONTRACT_RATE": "0"}, "--contract-rate must be a number"),
    ({}, {"CONTRACT_NO_PROXY": "maybe"}, "CONTRACT_NO_PROXY must be 1 or 0"),
], ids=["rate", "zero rate", "no-proxy"])
def test_a_bad_option_is_an_option_error(given, environ, message):
    with pytest.raises(OptionError, match=re.escape(message)):
        options.resolve(given, environ)


def test_pacing_and_proxy_options_come_from_the_environment():
    settings = options.resolve({}, {"CONTRACT_RATE": "2.5", "CONTRACT_NO_PROXY": "1"})
    assert settings.rate == 2.5 and settings.no_proxy is True
    assert options.resolve({"rate": "9"}, {"CONTRACT_RATE": "2.5"}).rate == 9.0


# -- the engine stands apart --------------------------------------------------------------------

def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_the_engine_never_imports_pytest_and_nothing_imports_the_stub():
    package = Path(document.__file__).parent
    engine = [p for p in package.glob("*.py")
              if p.name not in ("plugin.py", "conftest.py") and not p.name.startswith("test_")]
    assert len(engine) >= 10
    for path in engine:
        assert "pytest" not in _imports(path), path.name
    for path in package.glob("*.py"):
        assert "mockserver" not in _imports(path), path.name
