"""In a real browser: a page on another origin calls the stub with a key and reaches every error."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from conftest import DEMO_KEY, PAGE_ACCOUNT_ID
from test_docs_browser import DevTools, chromium  # noqa: F401 - the shared browser fixture
from werkzeug.serving import make_server

from mockserver import create_app

PAGE_HTML = b"<!doctype html><title>frontend</title><p>another origin</p>"


@contextmanager
def _serve(wsgi_app) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


def _page(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/html"),
                              ("Content-Length", str(len(PAGE_HTML)))])
    return [PAGE_HTML]


@pytest.fixture(scope="module")
def stub():
    """The stub (any origin allowed), and its URL: another port is another origin."""
    app = create_app({"TESTING": True})
    with _serve(app) as url:
        yield app, url


@pytest.fixture(scope="module")
def frontend() -> Iterator[str]:
    """A page served from its own origin, as a frontend's dev server would serve it."""
    with _serve(_page) as url:
        yield url


@pytest.fixture(scope="module")
def page(chromium, tmp_path_factory, frontend):  # noqa: F811 - chromium is the imported fixture
    """A headless chromium showing the frontend's page."""
    browser = DevTools(chromium, tmp_path_factory.mktemp("chromium-cors"))
    browser.open(f"{frontend}/")
    yield browser
    browser.close()


def _fetch_all(page, calls: list[tuple[str, str, bool]]) -> list:
    """[status, X-Mock-Fault] of each (method, url, with key) fetched by the page, or the error."""
    script = """(async (calls, key) => {
      const out = [];
      for (const [method, url, withKey] of calls) {
        try {
          const response = await fetch(url, {method, credentials: "include",
            headers: withKey ? {"embed-api-key": key} : {}});
          await response.text();
          out.push([response.status, response.headers.get("X-Mock-Fault")]);
        } catch (error) {
          out.push(String(error));
        }
      }
      return out;
    })"""
    return page.evaluate(f"{script}({json.dumps(calls)}, {json.dumps(DEMO_KEY)})")


def test_the_page_calls_with_its_key_after_a_preflight(page, stub):
    app, url = stub
    journal = app.extensions["mockserver.journal"]
    journal.clear()
    answers = _fetch_all(page, [("GET", f"{url}/social-account", True),
                                ("DELETE", f"{url}/social-account/nope", True)])
    assert answers == [[200, None], [404, None]]
    seen = [(e["method"], e["path"], e["status"]) for e in reversed(journal.entries())]
    # The custom header made the browser ask first; the stub said yes.
    assert ("OPTIONS", "/social-account", 204) in seen
    assert ("OPTIONS", "/social-account/nope", 204) in seen
    assert ("GET", "/social-account", 200) in seen
    assert ("DELETE", "/social-account/nope", 404) in seen


@pytest.mark.parametrize(("method", "path", "code", "with_key"), [
    ("GET", "/social-account", 401, False),  # the auth answers need no key
    ("GET", "/social-account", 402, False),
    ("GET", "/social-account", 422, False),
    ("GET", "/social-account", 500, True),
    ("GET", f"/social-account/{PAGE_ACCOUNT_ID}", 404, True),
    ("GET", f"/social-account/{PAGE_ACCOUNT_ID}", 422, True),
    ("GET", f"/social-account/{PAGE_ACCOUNT_ID}", 500, True),
    ("DELETE", f"/social-account/{PAGE_ACCOUNT_ID}", 400, True),
    ("DELETE", f"/social-account/{PAGE_ACCOUNT_ID}", 401, False),
    ("DELETE", f"/social-account/{PAGE_ACCOUNT_ID}", 404, True),
])
def test_every_documented_error_through_the_query(page, stub, method, path, code, with_key):
    _, url = stub
    assert _fetch_all(page, [(method, f"{url}{path}?__code={code}", with_key)]) == [[code, None]]


def test_the_stubs_own_refusal_is_readable_from_the_page(page, stub):
    _, url = stub
    answer = _fetch_all(page, [("GET", f"{url}/social-account?__code=404", False)])
    assert answer == [[422, "override-refused"]]  # X-Mock-Fault is exposed to scripts


def test_an_origin_left_out_by_cors_origins_is_blocked(page):
    app = create_app({"TESTING": True, "CORS_ORIGINS": ["http://localhost:3000"]})
    with _serve(app) as url:
        answer = _fetch_all(page, [("GET", f"{url}/social-account", True)])
    assert len(answer) == 1 and "TypeError" in answer[0]  # what fetch throws on a CORS refusal
