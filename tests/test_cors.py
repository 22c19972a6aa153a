"""CORS: a page on another origin can call the stub with a key and reach every documented error."""

from __future__ import annotations

import pytest
import requests
from conftest import DEMO_KEY, PAGE_ACCOUNT_ID
from stub_process import running_stub

from mockserver import create_app
from mockserver.cli import main, serve_config, serve_parser

PAGE = "http://localhost:3000"
PREFLIGHT = {"Origin": PAGE, "Access-Control-Request-Method": "DELETE",
             "Access-Control-Request-Headers": "embed-api-key, prefer"}


def _client(**config):
    return create_app({"TESTING": True, **config}).test_client()


@pytest.fixture(scope="module")
def app():
    """One stub for the module: these tests only read."""
    return create_app({"TESTING": True})


@pytest.mark.parametrize("path", ["/social-account", f"/social-account/{PAGE_ACCOUNT_ID}",
                                  "/social-account/"])
def test_preflight_allows_the_key_header_and_the_api_methods(client, path):
    response = client.options(path, headers=PREFLIGHT)
    assert response.status_code == 204
    assert response.data == b"" and "Content-Type" not in response.headers
    headers = response.headers
    assert headers["Access-Control-Allow-Origin"] == PAGE
    assert headers["Access-Control-Allow-Credentials"] == "true"
    assert headers["Access-Control-Allow-Methods"] == "DELETE, GET, OPTIONS"
    allowed = {h.strip() for h in headers["Access-Control-Allow-Headers"].split(",")}
    assert allowed == {"embed-api-key", "authorization", "content-type", "prefer",
                       "x-mock-session", "x-mock-scenario"}
    assert int(headers["Access-Control-Max-Age"]) > 0
    assert "Origin" in headers["Vary"]


def test_preflight_to_the_admin_api_allows_post(client):
    post = {**PREFLIGHT, "Access-Control-Request-Method": "POST"}
    response = client.options("/__admin/scenario", headers=post)
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Methods"] == "DELETE, GET, OPTIONS, POST, PUT"


def test_preflight_answers_chromes_private_network_question(client):
    response = client.options("/social-account", headers={
        **PREFLIGHT, "Access-Control-Request-Private-Network": "true"})
    assert response.headers["Access-Control-Allow-Private-Network"] == "true"
    assert "Access-Control-Allow-Private-Network" not in client.options(
        "/social-account", headers=PREFLIGHT).headers


def test_preflight_to_an_unknown_path_keeps_its_json_404(client):
    response = client.options("/nowhere", headers=PREFLIGHT)
    assert response.status_code == 404 and response.is_json


@pytest.mark.parametrize(("path", "query", "status"), [
    ("/social-account", "", 200),
    ("/social-account", "?__code=401", 401),
    ("/social-account", "?__code=402", 402),
    ("/social-account", "?__code=422", 422),
    ("/social-account", "?__code=500", 500),
    (f"/social-account/{PAGE_ACCOUNT_ID}", "?__code=404", 404),
    (f"/social-account/{PAGE_ACCOUNT_ID}", "?__code=422", 422),
    ("/social-account", "?__code=404", 422),  # undocumented: the stub's own refusal
])
def test_actual_requests_echo_the_origin_whatever_the_status(client, path, query, status):
    response = client.get(path + query, headers={"Origin": PAGE, "embed-api-key": DEMO_KEY})
    assert response.status_code == status
    assert response.headers["Access-Control-Allow-Origin"] == PAGE  # never `*`
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert "X-Mock-Fault" in response.headers["Access-Control-Expose-Headers"]
    assert response.headers["Vary"] == "Origin"


def test_every_documented_error_is_reachable_with_only_a_query_string(client):
    # What a page that cannot set headers (an <img>, a plain link, a form) can do.
    statuses = {client.get(f"/social-account/{PAGE_ACCOUNT_ID}?__code={code}",
                           headers={"Origin": PAGE}).status_code for code in (401, 402)}
    assert statuses == {401, 402}
    assert client.get("/social-account?__example=tokenRequired").status_code == 422


def test_no_origin_no_cors_headers_but_still_vary(client):
    response = client.get("/social-account", headers={"embed-api-key": DEMO_KEY})
    assert "Access-Control-Allow-Origin" not in response.headers
    assert response.headers["Vary"] == "Origin"


def test_cors_origins_restrict_which_origins_are_echoed():
    client = _client(CORS_ORIGINS=[PAGE, "https://qa.example.com"])
    assert client.get("/social-account", headers={"Origin": "https://qa.example.com"}).headers[
        "Access-Control-Allow-Origin"] == "https://qa.example.com"
    other = client.get("/social-account", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    preflight = client.options("/social-account", headers={**PREFLIGHT,
                                                           "Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in preflight.headers
    assert "Access-Control-Allow-Methods" not in preflight.headers


def test_cors_off_sends_no_cors_headers():
    client = _client(CORS=False)
    response = client.get("/social-account", headers={"Origin": PAGE})
    assert not [h for h in response.headers.keys() if h.lower().startswith("access-control")]
    assert "Vary" not in response.headers
    preflight = client.options("/social-account", headers=PREFLIGHT)
    assert preflight.status_code == 200 and "Access-Control-Allow-Origin" not in preflight.headers


@pytest.mark.parametrize(("args", "cors", "origins"), [
    ([], True, None),
    (["--cors-origin", PAGE, "--cors-origin", "null"], True, [PAGE, "null"]),
    (["--no-cors"], False, None),
    # As a browser sends it: lower case, no default port.
    (["--cors-origin", "HTTP://LocalHost:3000", "--cors-origin", "http://App.Example:80",
      "--cors-origin", "https://app.example:443", "--cors-origin", "https://app.example:8443",
      "--cors-origin", "http://h:080", "--cors-origin", "http://[::1]:0443",
      "--cors-origin", "http://[::1]"],
     True, ["http://localhost:3000", "http://app.example", "https://app.example",
            "https://app.example:8443", "http://h", "http://[::1]:443", "http://[::1]"]),
])
def test_cli_flags_set_cors(args, cors, origins):
    config = serve_config(serve_parser().parse_args(args))
    assert (config["CORS"], config["CORS_ORIGINS"]) == (cors, origins)


@pytest.mark.parametrize(("args", "message"), [
    (["--cors-origin", "http://localhost:3000/"], "--cors-origin must be an origin such as "
                                                  "http://localhost:3000 (no path), not "),
    (["--cors-origin", "localhost:3000"], "--cors-origin must be an origin"),
    (["--no-cors", "--cors-origin", PAGE], "--no-cors and --cors-origin contradict each other"),
])
def test_bad_cors_flags_are_one_sentence(capsys, args, message):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("mockserver: error: ") and message in err and err.count("\n") == 1


def test_cli_restricted_origin_end_to_end():
    with running_stub(["--cors-origin", PAGE, "--no-reload"]) as url:
        preflight = requests.options(f"{url}/social-account/x", headers=PREFLIGHT, timeout=10)
        allowed = requests.delete(f"{url}/social-account/x", timeout=10,
                                  headers={"Origin": PAGE, "embed-api-key": DEMO_KEY})
        refused = requests.get(f"{url}/social-account", headers={"Origin": "http://other"},
                               timeout=10)
    assert preflight.status_code == 204 and preflight.headers["Access-Control-Allow-Origin"] == PAGE
    assert allowed.status_code == 404 and allowed.headers["Access-Control-Allow-Origin"] == PAGE
    assert "Access-Control-Allow-Origin" not in refused.headers

