"""No page on another site changes the stub: admin changes check the page's origin and body type."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
from conftest import DEMO_KEY, PAGE_ACCOUNT_ID
from stub_process import running_stub

from mockserver import create_app

# The issue's curl: a page on evil.example posts text/plain, which a browser sends unasked.
EVIL = "http://evil.example"
SWITCH = '{"name": "server-errors"}'
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}  # RFC 9110's safe methods: they change nothing
SESSION = "qa-1"


def _writes(app) -> list[tuple[str, str]]:
    """Every admin route and method that can change something, those added later too."""
    return sorted((method, rule.rule) for rule in app.url_map.iter_rules()
                  if rule.endpoint.startswith("admin.")
                  for method in rule.methods - SAFE_METHODS)


WRITES = _writes(create_app({"TESTING": True}))


def _state(app) -> tuple:
    """What a change would move: the live snapshot, the scenario, the journal and its limit,
    and the sessions."""
    stub = app.extensions["mockserver"]
    journal = app.extensions["mockserver.journal"]
    return (stub.store.snapshot, stub.store.scenario, journal.entries(), journal.limit,
            stub.sessions.listing())


def _concrete(path: str) -> str:
    """A route's path with each variable filled in: the session the `used` stub has."""
    return re.sub(r"<\w+>", SESSION, path)


@pytest.fixture
def used(app, client):
    """The stub after a delete and two journalled calls, so reset and clear have work to undo;
    and a session with a delete, so the session routes have work to undo too."""
    app.extensions["mockserver"].sessions.enter(SESSION).delete(DEMO_KEY, PAGE_ACCOUNT_ID)
    client.delete(f"/social-account/{PAGE_ACCOUNT_ID}", headers={"embed-api-key": DEMO_KEY})
    client.get("/social-account", headers={"embed-api-key": DEMO_KEY})
    assert len(app.extensions["mockserver.journal"].entries()) == 2
    return app


def test_every_change_the_admin_api_offers_is_covered():
    # Parametrizing over the URL map keeps a route added later (sessions, say) inside the checks.
    assert {("POST", "/__admin/scenario"), ("POST", "/__admin/reset"),
            ("DELETE", "/__admin/requests")} <= set(WRITES)


def test_the_issues_curl_is_refused_and_the_scenario_stays(client):
    response = client.post("/__admin/scenario", data=SWITCH,
                           headers={"Origin": EVIL, "Content-Type": "text/plain"})
    assert response.status_code == 403
    assert response.json["success"] is False
    assert response.json["message"].startswith(
        "a page on 'http://evil.example' may not change the stub: the admin API takes changes "
        "only from a page on this machine")
    assert client.get("/__admin/scenarios").json["active"]["name"] == "default"


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_issues_curl_against_the_running_command():
    with running_stub() as url:
        def curl(*args: str) -> dict:
            done = subprocess.run(["curl", "-s", *args], capture_output=True, text=True,
                                  timeout=60, check=True)
            return json.loads(done.stdout)

        refused = curl("-X", "POST", f"{url}/__admin/scenario", "-H", f"Origin: {EVIL}",
                       "-H", "Content-Type: text/plain", "-d", SWITCH)
        assert refused["success"] is False and "may not change the stub" in refused["message"]
        assert curl(f"{url}/__admin/scenarios")["active"]["name"] == "default"
        switched = curl("-X", "POST", f"{url}/__admin/scenario", "-H",
                        "content-type: application/json", "-d", SWITCH)
        assert switched["active"]["name"] == "server-errors"  # no Origin: curl goes ahead


@pytest.mark.parametrize("headers", [
    {"Origin": EVIL},
    {"Origin": EVIL, "Sec-Fetch-Site": "same-origin"},  # the Origin decides, not a claim beside it
    {"Origin": "http://localhost.evil.example:4010"},
    {"Origin": "http://127.0.0.1.nip.io:3000"},
    {"Origin": "https://192.168.1.20:3000"},
    {"Origin": "null"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
], ids=["evil", "evil claiming same-origin", "localhost prefix", "loopback-looking name",
        "a LAN page", "opaque origin", "cross-site, no Origin", "same-site, no Origin"])
@pytest.mark.parametrize(("method", "path"), WRITES)
def test_a_change_from_another_site_is_403_and_changes_nothing(used, method, path, headers):
    before = _state(used)
    response = used.test_client().open(_concrete(path), method=method,
                                       json={"name": "server-errors"}, headers=headers)
    assert response.status_code == 403
    assert response.is_json and response.json["success"] is False
    message = response.json["message"]
    assert "may not change the stub" in message and "\n" not in message
    assert _state(used) == before
    assert _state(used)[0] is before[0]  # the very same snapshot: the delete is still in effect


@pytest.mark.parametrize("origin", [
    "http://localhost:3000", "http://127.0.0.1:5173", "http://[::1]:8080", "http://localhost",
])
def test_a_page_on_this_machine_switches_the_scenario(client, origin):
    response = client.post("/__admin/scenario", json={"name": "server-errors"},
                           headers={"Origin": origin, "Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == origin
    assert client.get("/__admin/health").json["scenario"] == "server-errors"


@pytest.mark.parametrize("headers", [
    {}, {"Sec-Fetch-Site": "none"}, {"Sec-Fetch-Site": "same-origin"},
], ids=["curl", "typed in the address bar", "same-origin, no Origin"])
@pytest.mark.parametrize(("method", "path"), WRITES)
def test_a_change_without_an_origin_goes_ahead(used, method, path, headers):
    client = used.test_client()
    kwargs = {"json": {"name": "server-errors"}} if path.endswith("/scenario") else {}
    response = client.open(_concrete(path), method=method, headers=headers, **kwargs)
    assert response.status_code == 200, response.json


def test_with_cors_origins_only_those_pages_may_change_the_stub():
    app = create_app({"TESTING": True, "CORS_ORIGINS": ["https://qa.example"]})
    client = app.test_client()
    refused = client.post("/__admin/reset", headers={"Origin": "http://localhost:3000"})
    assert refused.status_code == 403
    assert refused.json["message"].endswith("takes changes only from https://qa.example")
    listed = client.post("/__admin/scenario", json={"name": "slow"},
                         headers={"Origin": "https://qa.example"})
    assert listed.status_code == 200
    assert client.get("/__admin/health").json["scenario"] == "slow"


def test_with_a_token_a_page_the_stub_serves_itself_may_change_it():
    # Off loopback a token guards every call; the stub's own origin is no other site.
    app = create_app({"TESTING": True, "ADMIN_TOKEN": "t0k3n", "ADMIN_OPEN": False})
    client = app.test_client()
    auth = {"Authorization": "Bearer t0k3n", "Host": "192.168.1.20:4010"}
    own = client.post("/__admin/reset", headers={**auth, "Origin": "http://192.168.1.20:4010"})
    assert own.status_code == 200
    other = client.post("/__admin/reset", headers={**auth, "Origin": "http://192.168.1.20:3000"})
    assert other.status_code == 403


@pytest.mark.parametrize(("content_type", "body"), [
    ("text/plain", SWITCH),
    ("text/plain;charset=UTF-8", SWITCH),  # what fetch and sendBeacon send for a string body
    ("application/x-www-form-urlencoded", SWITCH),  # curl -d, and an HTML form
    ("multipart/form-data; boundary=x", f"--x\r\nContent-Disposition: form-data; name=a\r\n\r\n"
                                        f"{SWITCH}\r\n--x--\r\n"),
    ("application/xml", "<name>server-errors</name>"),
    (None, SWITCH),
], ids=["text/plain", "text/plain with charset", "form", "multipart", "xml", "no Content-Type"])
@pytest.mark.parametrize(("method", "path"), WRITES)
def test_a_body_that_is_not_json_is_415_and_changes_nothing(used, method, path, content_type,
                                                             body):
    before = _state(used)
    headers = {"Content-Type": content_type} if content_type else {}
    response = used.test_client().open(path, method=method, data=body, headers=headers)
    assert response.status_code == 415
    message = response.json["message"]
    assert message.startswith("the admin API reads application/json") and "\n" not in message
    assert message.endswith("send `Content-Type: application/json`")
    assert (content_type or "a body without a Content-Type").split(";")[0] in message
    assert _state(used) == before


@pytest.mark.parametrize("content_type", [
    "application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml",
])
def test_a_posted_scenario_may_be_yaml_under_a_yaml_media_type(client, content_type):
    response = client.post("/__admin/scenario", content_type=content_type,
                           data="description: posted as YAML\nextends: server-errors\n")
    assert response.status_code == 200, response.json
    assert client.get("/__admin/health").json["scenario"] == "posted"


@pytest.mark.parametrize(("method", "path"), [("POST", "/__admin/reset"),
                                              ("DELETE", "/__admin/requests")])
def test_only_the_scenario_route_reads_yaml(client, method, path):
    response = client.open(path, method=method, data="a: b\n", content_type="application/yaml")
    assert response.status_code == 415
    assert "reads application/json bodies only, not Content-Type application/yaml" in (
        response.json["message"])


def test_the_origin_is_judged_before_the_body(client):
    response = client.post("/__admin/scenario", data=SWITCH, content_type="text/plain",
                           headers={"Origin": "null"})
    assert response.status_code == 403
    assert "opaque origin" in response.json["message"]


@pytest.mark.parametrize("path", ["/__admin/scenarios", "/__admin/requests", "/__admin/health"])
def test_another_site_cannot_read_admin_answers(client, path):
    # Reads change nothing, so they are answered, but without CORS headers, for no script to
    # read, and marked so no browser guesses a type or embeds them in another origin's page.
    response = client.get(path, headers={"Origin": EVIL, "Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("origin", [EVIL, "null"])
def test_no_preflight_is_granted_to_another_site(client, origin):
    response = client.options("/__admin/scenario", headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
        "Access-Control-Request-Private-Network": "true"})
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Access-Control-Allow-Private-Network" not in response.headers
