"""In a real browser, a page on another site tries every way to change the stub; nothing changes."""

from __future__ import annotations

import json
import threading
import time

import pytest
from conftest import DEMO_KEY, PAGE_ACCOUNT_ID
from test_cors_browser import _page, _serve
from test_docs_browser import (  # noqa: F401 - chromium is the shared browser fixture
    BROWSER_TIMEOUT_S,
    CHROMIUM_FLAGS,
    OFFLINE,
    DevTools,
    chromium,
)

from mockserver import create_app

ATTACKER = "attacker.test"
# The attacker's name resolves to this machine, as a public name an attacker controls can;
# every other name still fails, so nothing leaves the machine.
RESOLVER = (f"--host-resolver-rules=MAP {ATTACKER} 127.0.0.1, MAP * ~NOTFOUND, "
            "EXCLUDE 127.0.0.1, EXCLUDE localhost")
FLAGS = [RESOLVER if flag == OFFLINE else flag for flag in CHROMIUM_FLAGS]

# Every way a page can send a request without the stub's say-so: no-cors fetches (with and
# without claiming JSON, a header no-cors drops), a JSON fetch (needs a preflight), beacons as
# text and as a JSON blob, and form posts in each encoding, into frames so the page stays.
ATTACKS = """(async (stub, writes) => {
  const body = JSON.stringify({name: "server-errors"});
  const tried = [];
  const attempt = async (what, send) => {
    try {
      tried.push([what, String(await send())]);
    } catch (error) {
      tried.push([what, String(error)]);
    }
  };
  let frames = 0;
  const formPost = (url, enctype) => new Promise((resolve) => {
    const frame = document.createElement("iframe");
    frame.name = `sink${frames++}`;
    document.body.append(frame);
    frame.onload = () => resolve("submitted");
    const form = document.createElement("form");
    Object.assign(form, {method: "POST", action: url, enctype, target: frame.name});
    const field = document.createElement("input");
    // A text/plain form sends `name=value`: here {"name":"server-errors","x":"="}.
    Object.assign(field, {name: '{"name":"server-errors","x":"', value: '"}'});
    form.append(field);
    document.body.append(form);
    form.submit();
  });
  for (const [method, path] of writes) {
    const url = stub + path;
    await attempt(`no-cors fetch ${method} ${path}`,
      async () => (await fetch(url, {mode: "no-cors", method, body, credentials: "include"})).type);
    await attempt(`no-cors fetch claiming JSON ${method} ${path}`,
      async () => (await fetch(url, {mode: "no-cors", method, body,
                                     headers: {"Content-Type": "application/json"}})).type);
    await attempt(`JSON fetch ${method} ${path}`,
      async () => (await fetch(url, {method, body,
                                     headers: {"Content-Type": "application/json"}})).status);
    if (method !== "POST") continue;  // beacons and forms only POST
    await attempt(`beacon ${path}`, () => navigator.sendBeacon(url, body));
    await attempt(`JSON beacon ${path}`,
      () => navigator.sendBeacon(url, new Blob([body], {type: "application/json"})));
    for (const enctype of ["text/plain", "application/x-www-form-urlencoded",
                           "multipart/form-data"]) {
      await attempt(`${enctype} form ${path}`, () => formPost(url, enctype));
    }
  }
  return tried;
})"""
WRITES = [("POST", "/__admin/scenario"), ("POST", "/__admin/reset"),
          ("DELETE", "/__admin/requests")]
# What reaches the stub: per POST route two no-cors fetches, a text beacon and three forms; the
# JSON fetch, the JSON beacon and the DELETE get no further than a refused preflight (or none).
ARRIVING = 2 * 6


class Recorder:
    """The stub's WSGI app, noting each admin request's method, path, page and answer."""

    def __init__(self, app):
        self.app, self.seen, self._lock = app, [], threading.Lock()

    def __call__(self, environ, start_response):
        def start(status, headers, exc_info=None):
            if environ["PATH_INFO"].startswith("/__admin/"):
                with self._lock:
                    self.seen.append({
                        "method": environ["REQUEST_METHOD"], "path": environ["PATH_INFO"],
                        "status": int(status.split()[0]), "origin": environ.get("HTTP_ORIGIN"),
                        "site": environ.get("HTTP_SEC_FETCH_SITE"),
                        "type": environ.get("CONTENT_TYPE", "").split(";")[0]})
            return start_response(status, headers, exc_info)
        return self.app(environ, start)

    def changes(self) -> list[dict]:
        """The requests that asked for a change (a preflight asks nothing)."""
        with self._lock:
            return [seen for seen in self.seen if seen["method"] != "OPTIONS"]

    def wait_for(self, count: int) -> list[dict]:
        """The change requests once `count` have arrived (beacons are sent after the script)."""
        deadline = time.monotonic() + BROWSER_TIMEOUT_S  # a hung browser's bound, not a target
        while len(self.changes()) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.changes()


@pytest.fixture(scope="module")
def stub():
    """The stub with its default settings over real HTTP on 127.0.0.1, recording admin calls."""
    app = create_app({"TESTING": True})
    recorder = Recorder(app)
    with _serve(recorder) as url:
        yield app, recorder, url


@pytest.fixture(scope="module")
def page_port():
    """A port serving a plain page: `attacker.test` by one name, the developer's app by another."""
    with _serve(_page) as url:
        yield int(url.rsplit(":", 1)[1])


@pytest.fixture(scope="module")
def browser(chromium, tmp_path_factory):  # noqa: F811 - chromium is the imported fixture
    """A headless chromium in which `attacker.test` is this machine."""
    devtools = DevTools(chromium, tmp_path_factory.mktemp("chromium-attacker"), FLAGS)
    yield devtools
    devtools.close()


def _state(app) -> tuple:
    store = app.extensions["mockserver"].store
    journal = app.extensions["mockserver.journal"]
    return store.snapshot, store.scenario.name, journal.entries(), journal.limit


def test_a_page_on_another_site_changes_nothing(browser, stub, page_port):
    app, recorder, url = stub
    client = app.test_client()
    # Something for a reset to undo and a clear to forget.
    client.delete(f"/social-account/{PAGE_ACCOUNT_ID}", headers={"embed-api-key": DEMO_KEY})
    before = _state(app)
    assert before[2], "the journal should hold the delete"
    recorder.seen.clear()
    browser.open(f"http://{ATTACKER}:{page_port}/")
    tried = dict(browser.evaluate(f"{ATTACKS}({json.dumps(url)}, {json.dumps(WRITES)})"))
    arrived = recorder.wait_for(ARRIVING)

    assert len(arrived) == ARRIVING, (tried, arrived)
    refused = {(seen["method"], seen["path"], seen["type"], seen["status"]) for seen in arrived}
    assert {status for *_, status in refused} == {403}, refused
    assert {seen["origin"] for seen in arrived} == {f"http://{ATTACKER}:{page_port}"}
    assert {seen["site"] for seen in arrived} == {"cross-site"}
    assert _state(app) == before
    assert _state(app)[0] is before[0]  # the delete is still in effect
    # The page could not even see an opaque answer: Cross-Origin-Resource-Policy withheld it.
    assert "TypeError" in tried["no-cors fetch POST /__admin/scenario"]
    assert "TypeError" in tried["JSON fetch POST /__admin/scenario"]  # its preflight was refused
    assert "TypeError" in tried["no-cors fetch DELETE /__admin/requests"]
    assert "TypeError" in tried["JSON fetch DELETE /__admin/requests"]


def test_a_page_that_rebinds_its_name_to_the_stub_is_refused(browser, stub):
    # DNS rebinding: the attacker's name now points at the stub's port, so the page and the
    # admin API share an origin; the Host the browser sends still names the attacker.
    app, recorder, url = stub
    port = url.rsplit(":", 1)[1]
    before = _state(app)
    browser.open(f"http://{ATTACKER}:{port}/__admin/health")
    answer = browser.evaluate("""(async () => {
      const response = await fetch("/__admin/scenario", {method: "POST",
        headers: {"Content-Type": "application/json"}, body: '{"name": "server-errors"}'});
      return [response.status, (await response.json()).message];
    })()""")
    assert answer[0] == 403
    assert "loopback Host" in answer[1]
    # (The browser's own favicon request is journalled, as any unknown path is.)
    assert _state(app)[:2] == before[:2] and _state(app)[0] is before[0]


def test_the_developers_own_page_on_localhost_still_switches(browser, stub, page_port):
    app, _, url = stub
    browser.open(f"http://localhost:{page_port}/")
    answers = browser.evaluate(f"""(async (stub) => {{
      const call = async (method, path, body) => {{
        const response = await fetch(stub + path, {{method, credentials: "include",
          headers: body ? {{"Content-Type": "application/json"}} : {{}}, body}});
        return [response.status, await response.json()];
      }};
      return [await call("POST", "/__admin/scenario", '{{"name": "server-errors"}}'),
              await call("GET", "/__admin/health"),
              await call("DELETE", "/__admin/requests"),
              await call("POST", "/__admin/scenario", '{{"name": "default"}}')];
    }})({json.dumps(url)})""")
    switched, health, cleared, back = answers
    assert switched[0] == 200 and switched[1]["active"]["name"] == "server-errors"
    assert health == [200, {"status": "ok", "scenario": "server-errors", "hotReload": False}]
    assert cleared[0] == 200 and app.extensions["mockserver.journal"].entries() == []
    assert back[0] == 200 and app.extensions["mockserver"].store.scenario.name == "default"
