"""/docs in a real headless browser (Debian's chromium): it renders the operations, offline."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import threading
from html.parser import HTMLParser

import pytest
from conftest import DEMO_KEY
from werkzeug.serving import make_server

from mockserver import create_app

# Generous upper bounds for a hung browser, not speed requirements.
BROWSER_TIMEOUT_S = 90
# Every host name fails to resolve except the stub's, so a page that needed a CDN would break.
OFFLINE = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", OFFLINE,
]


@pytest.fixture(scope="module")
def chromium() -> str:
    """The chromium executable; missing is a failure in CI and a skip elsewhere."""
    path = os.environ.get("CHROMIUM") or shutil.which("chromium")
    if path:
        return path
    reason = ("chromium is not installed, so /docs cannot be checked in a browser "
              "(install it with `apt-get install -y chromium`)")
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def live_app():
    """The stub, under TESTING, that the browser is pointed at."""
    return create_app({"TESTING": True})


@pytest.fixture(scope="module")
def stub_url(live_app):
    """The stub served over real HTTP on a free port of 127.0.0.1."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def run_chromium(chromium: str, tmp_path, *args: str) -> subprocess.CompletedProcess:
    """Run headless chromium once with a throw-away profile; a failure names its stderr's tail."""
    command = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=BROWSER_TIMEOUT_S,
                                stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        pytest.fail(f"chromium did not finish within {BROWSER_TIMEOUT_S} s")
    if result.returncode != 0:
        pytest.fail(f"chromium exited with {result.returncode}: {result.stderr[-2000:]}")
    return result


class RenderedPage(HTMLParser):
    """What Swagger UI drew: operations (method, path), server choices and the page's text."""

    def __init__(self, dom: str):
        super().__init__()
        self.operations: list[tuple[str, str]] = []
        self.server_options: list[str] = []
        self._method: str | None = None
        self._in_method = False
        self._in_servers = 0
        self.feed(dom)
        self.text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", dom)))

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if "opblock-summary-method" in classes:
            self._in_method = True
        elif "data-path" in attrs and self._method:
            self.operations.append((self._method, attrs["data-path"]))
            self._method = None
        if "servers" in classes:
            self._in_servers += 1
        elif tag == "option" and self._in_servers:
            self.server_options.append(attrs.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "select" and self._in_servers:
            self._in_servers = 0  # the servers block holds one select

    def handle_data(self, data):
        if self._in_method:
            self._method, self._in_method = data.strip(), False


def leaves(value) -> list[str]:
    """Every scalar in a JSON value, rendered as JSON (as Swagger UI shows examples)."""
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in leaves(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in leaves(item)]
    return [json.dumps(value)]


@pytest.fixture(scope="module")
def rendered(chromium, stub_url, live_app, tmp_path_factory) -> RenderedPage:
    """/docs as the browser drew it, with the list operation opened by its deep link."""
    tmp_path = tmp_path_factory.mktemp("chromium")
    result = run_chromium(chromium, tmp_path, "--dump-dom", "--virtual-time-budget=10000",
                          f"{stub_url}/docs#/Social%20Accounts/listSocialAccounts")
    return RenderedPage(result.stdout)


def test_docs_shows_every_operation_of_the_document(rendered, live_app):
    expected = {(op.method.upper(), op.path)
                for op in live_app.extensions["mockserver"].spec.operations.values()}
    assert {("GET", "/social-account"), ("GET", "/social-account/{id}"),
            ("DELETE", "/social-account/{id}")} <= expected
    assert sorted(rendered.operations) == sorted(expected), rendered.text[:500]


def test_an_opened_operation_shows_its_examples(rendered, live_app):
    operation = live_app.extensions["mockserver"].spec.operations["listSocialAccounts"]
    status, value = operation.examples["populated"]
    assert status == 200
    assert "Example Value" in rendered.text
    # Highlighting splits tokens with spaces, so compare with all spaces removed.
    shown = rendered.text.replace(" ", "")
    missing = [leaf for leaf in leaves(value) if leaf.replace(" ", "") not in shown]
    assert not missing, f"the example's values are not on the page: {missing}"


def test_try_it_out_targets_the_stub_serving_the_page_first(rendered, stub_url):
    assert rendered.server_options, "the page shows no server choice"
    assert rendered.server_options[0] == stub_url
    assert "http://127.0.0.1:4010" in rendered.server_options  # the document's own list follows

