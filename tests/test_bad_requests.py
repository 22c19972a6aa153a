"""Bad requests never get a 500 or HTML: a documented answer, or the stub's own JSON 404/405."""

from __future__ import annotations

import json
import socket

import pytest
import requests
from conftest import DEMO_KEY, PAGE_ACCOUNT_ID
from stub_process import running_stub
from werkzeug.exceptions import HTTPException

from mockserver import create_app
from mockserver.validation import response_problem

STUB = create_app({"TESTING": True})
SPEC = STUB.extensions["mockserver"].spec


def _conforms(response, endpoint: str | None) -> None:
    """The answer is JSON; documented for its operation, or the stub's own 404/405 for no route."""
    assert response.status_code < 500, response.data[:200]
    body = json.loads(response.data)
    if endpoint in SPEC.operations:
        assert response.content_type.startswith("application/json"), response.content_type
        assert response_problem(SPEC, endpoint, response.status_code, response.data) is None
    else:
        assert response.content_type.startswith("application/problem+json")
        assert response.status_code in (404, 405) and body["status"] == response.status_code


def _endpoint(path: str, method: str) -> str | None:
    """The operation a request's path reaches, or None for no route."""
    try:
        return STUB.url_map.bind("localhost").match(path, method)[0]
    except HTTPException:
        return None


IDS = {
    "10 kB id": "x" * 10_240,
    "unicode id": "%C3%A9%F0%9F%98%80",
    "encoded slash": "a%2Fb",
    "encoded NUL": "%00",
    "dot-dot": "..",
    "encoded dot-dot": "%2E%2E",
    "invalid UTF-8": "%FF%FE",
    "quote and angle brackets": "%22%3Cscript%3E",
    "encoded CRLF": "a%0D%0Ab",
}


@pytest.mark.parametrize("method", ["GET", "DELETE"])
@pytest.mark.parametrize("raw_id", list(IDS.values()), ids=list(IDS))
def test_strange_ids(method, raw_id):
    client = STUB.test_client()
    response = client.open(
        f"/social-account/{raw_id}", method=method, headers={"embed-api-key": DEMO_KEY}
    )
    _conforms(response, _endpoint(response.request.path, method))


@pytest.mark.parametrize("raw_id", list(IDS.values()), ids=list(IDS))
def test_strange_ids_are_404_or_422_never_200(raw_id):
    response = STUB.test_client().get(
        f"/social-account/{raw_id}", headers={"embed-api-key": DEMO_KEY}
    )
    assert response.status_code in (404, 422)


HEADERS = {
    "empty key": {"embed-api-key": ""},
    "spaces around the key": {"embed-api-key": f"  {DEMO_KEY}  "},
    "only spaces": {"embed-api-key": "   "},
    "empty authorization": {"authorization": ""},
    "bare Bearer": {"authorization": "Bearer"},
    "Bearer and spaces": {"authorization": "Bearer    "},
    "64 kB key": {"embed-api-key": "k" * 65_536},
    "non-ASCII key": {"embed-api-key": "pn-ключ".encode().decode("latin-1")},
    "malformed Prefer": {"embed-api-key": DEMO_KEY, "Prefer": "code=,example=;;=="},
    "Prefer with huge code": {"embed-api-key": DEMO_KEY, "Prefer": "code=99999999999999999999"},
    "Prefer with an unknown preference": {
        "embed-api-key": DEMO_KEY,
        "Prefer": "respond-async, wait=5",
    },
}


@pytest.mark.parametrize("path", ["/social-account", f"/social-account/{PAGE_ACCOUNT_ID}"])
@pytest.mark.parametrize("headers", list(HEADERS.values()), ids=list(HEADERS))
def test_strange_headers(path, headers):
    client = STUB.test_client()
    response = client.get(path, headers=headers)
    endpoint = "listSocialAccounts" if path == "/social-account" else "getSocialAccount"
    if response.headers.get("X-Mock-Fault") == "override-refused":
        assert response.status_code == 422 and json.loads(response.data)["status"] == 422
    else:
        _conforms(response, endpoint)


@pytest.mark.parametrize(
    ("method", "kwargs"),
    [
        ("GET", {"data": b"{not json"}),
        ("GET", {"json": {"socialAccounts": []}}),
        ("DELETE", {"data": b"\x00\xff" * 1000, "content_type": "application/octet-stream"}),
        ("GET", {"query_string": "page=2&limit=abc&id=&&&=x"}),
        ("GET", {"query_string": "__nope=1&__code="}),
    ],
)
def test_bodies_and_queries_that_do_not_apply(method, kwargs):
    response = STUB.test_client().open(
        f"/social-account/{PAGE_ACCOUNT_ID}",
        method=method,
        headers={"embed-api-key": DEMO_KEY},
        **kwargs,
    )
    if response.headers.get("X-Mock-Fault") == "override-refused":
        assert response.status_code == 422
    else:
        _conforms(response, "getSocialAccount" if method == "GET" else "deleteSocialAccount")


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "TRACE", "PROPFIND"])
def test_other_methods_are_json_405(method):
    response = STUB.test_client().open("/social-account", method=method)
    assert response.status_code == 405
    assert json.loads(response.data)["type"] == "urn:mockserver:problem:method-not-allowed"


def test_head_and_plain_options():
    client = STUB.test_client()
    head = client.head("/social-account", headers={"embed-api-key": DEMO_KEY})
    assert head.status_code == 200 and head.data == b""
    options = client.options("/social-account")
    assert options.status_code < 500 and "GET" in options.headers["Allow"]


# -- over a real socket: what never reaches Flask's test client -------------------
@pytest.fixture(scope="module")
def url():
    with running_stub() as base:
        yield base


def _raw(url: str, request_bytes: bytes) -> bytes:
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request_bytes)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_repeated_key_headers_get_a_documented_answer(url):
    answer = _raw(
        url,
        b"GET /social-account HTTP/1.1\r\nHost: x\r\nembed-api-key: pn-demo-key\r\n"
        b"embed-api-key: pn-empty-key\r\nConnection: close\r\n\r\n",
    )
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith((b"HTTP/1.1 200", b"HTTP/1.1 401")), head
    assert json.loads(body)


def test_oversized_headers_do_not_crash_the_stub(url):
    large = requests.get(
        f"{url}/social-account",
        timeout=10,
        headers={"embed-api-key": DEMO_KEY, "x-filler": "f" * 200_000},
    )
    assert large.status_code == 200 and large.json()["success"] is True
    # Past the stub's 256 kB limit: a JSON 431 like every other answer of the stub's own.
    huge = requests.get(
        f"{url}/social-account",
        timeout=10,
        headers={"embed-api-key": DEMO_KEY, "x-filler": "f" * 300_000},
    )
    assert huge.status_code == 431
    assert huge.json()["detail"].endswith("this stub accepts at most 256 kB")
    after = requests.get(f"{url}/social-account", headers={"embed-api-key": DEMO_KEY}, timeout=10)
    assert after.status_code == 200


def test_a_10_kB_id_over_the_wire(url):
    response = requests.get(
        f"{url}/social-account/{'y' * 10_240}", timeout=10, headers={"embed-api-key": DEMO_KEY}
    )
    assert response.status_code == 404
    assert response.json() == {"success": False, "message": "Social account not found"}
