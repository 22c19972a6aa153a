"""/docs in a real headless browser (Debian's chromium): it renders the operations, offline."""

from __future__ import annotations

import html
import json
import os
import re
import select
import shutil
import subprocess
import threading
import time
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
    """The chromium executable ($CHROMIUM, else `chromium` on PATH); missing fails in CI only."""
    path = os.environ.get("CHROMIUM") or shutil.which("chromium")
    if path and shutil.which(path):
        return path
    reason = (f"CHROMIUM={path} is not an executable" if path else "chromium is not on PATH")
    reason += ", so /docs cannot be checked in a browser"
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


class DevTools:
    """Headless chromium driven over the DevTools protocol on a pipe: no extra package needed."""

    def __init__(self, chromium: str, profile, flags: list[str] = CHROMIUM_FLAGS):
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def pipes_on_3_and_4():  # where --remote-debugging-pipe expects them
            # dup first: dup2 onto the same number would keep close-on-exec set.
            read, write = os.dup(to_browser_r), os.dup(from_browser_w)
            os.dup2(read, 3)
            os.dup2(write, 4)

        self._log = profile / "chromium.log"
        with open(self._log, "wb") as log:
            self._process = subprocess.Popen(
                [chromium, *flags, f"--user-data-dir={profile}", "--remote-debugging-pipe",
                 "about:blank"],
                # close_fds would close 3 and 4 after pipes_on_3_and_4 placed them.
                preexec_fn=pipes_on_3_and_4, close_fds=False, stdin=subprocess.DEVNULL,
                stdout=log, stderr=log,
            )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer, self._next_id, self._session = b"", 0, None
        self._deadline = 0.0

    def _fail(self, reason: str):
        tail = self._log.read_text(errors="replace")[-2000:]
        pytest.fail(f"{reason}; chromium's log ends:\n{tail}")

    def _message(self) -> dict:
        while b"\0" not in self._buffer:
            left = self._deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_browser], [], [], left)[0]:
                self._fail(f"chromium did not answer within {BROWSER_TIMEOUT_S} s")
            chunk = os.read(self._from_browser, 1 << 16)
            if not chunk:
                self._fail("chromium closed the DevTools pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def call(self, method: str, **params) -> dict:
        """Send one command (to the page once one is open) and return its result."""
        self._next_id += 1
        self._deadline = time.monotonic() + BROWSER_TIMEOUT_S
        message = {"id": self._next_id, "method": method, "params": params}
        if self._session:
            message["sessionId"] = self._session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        while (answer := self._message()).get("id") != self._next_id:
            pass  # an event nobody waits for
        if "error" in answer:
            pytest.fail(f"DevTools {method} failed: {answer['error']}")
        return answer["result"]

    def new_context(self) -> str:
        """A fresh browser context: its own cookies and cache, as a Playwright context has."""
        self._session = None
        return self.call("Target.createBrowserContext")["browserContextId"]

    def open(self, url: str, context: str | None = None, headers: dict | None = None) -> str:
        """Load a page in a new tab (of `context`, sending `headers` on every request, as
        Playwright's extraHTTPHeaders does) and wait for its load event; returns the tab."""
        self._session = None
        where = {} if context is None else {"browserContextId": context}
        target = self.call("Target.createTarget", url="about:blank", **where)["targetId"]
        attached = self.call("Target.attachToTarget", targetId=target, flatten=True)
        self._session = attached["sessionId"]
        if headers:
            self.call("Network.enable")
            self.call("Network.setExtraHTTPHeaders", headers=headers)
        self.call("Page.enable")
        self.call("Page.navigate", url=url)
        self._deadline = time.monotonic() + BROWSER_TIMEOUT_S
        while self._message().get("method") != "Page.loadEventFired":
            pass
        return self._session

    def switch(self, tab: str) -> None:
        """Send the next commands to another tab that `open` returned."""
        self._session = tab

    def evaluate(self, expression: str):
        """The awaited value of a JavaScript expression in the page; a thrown error fails."""
        result = self.call("Runtime.evaluate", expression=expression, awaitPromise=True,
                           returnByValue=True)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            pytest.fail(f"in the page: {details.get('exception', {}).get('description', details)}")
        return result["result"].get("value")

    def close(self) -> None:
        """Close the browser, killing it if it does not go."""
        self._session = None
        try:
            message = json.dumps({"id": 0, "method": "Browser.close"}).encode() + b"\0"
            os.write(self._to_browser, message)
            self._process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self._process.kill()
            self._process.wait()
        finally:
            os.close(self._to_browser)
            os.close(self._from_browser)


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


# Waits until Swagger UI has drawn the operations and the deep-linked one's example, then the DOM.
RENDERED_DOM = """(async () => {
  const deadline = Date.now() + 30000;
  while (!document.querySelector(".opblock.is-open .highlight-code")) {
    if (Date.now() > deadline) throw new Error("Swagger UI never drew the opened operation");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return document.documentElement.outerHTML;
})()"""


@pytest.fixture(scope="module")
def browser(chromium, tmp_path_factory):
    """One headless chromium for this module's tests."""
    devtools = DevTools(chromium, tmp_path_factory.mktemp("chromium"))
    yield devtools
    devtools.close()


@pytest.fixture(scope="module")
def rendered(browser, stub_url) -> RenderedPage:
    """/docs as the browser drew it, with the list operation opened by its deep link."""
    browser.open(f"{stub_url}/docs#/Social%20Accounts/listSocialAccounts")
    return RenderedPage(browser.evaluate(RENDERED_DOM))


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



# What a user does: authorize with a key, open the operation, "Try it out", "Execute".
TRY_IT_OUT = """(async (operationId, scheme, key) => {
  const deadline = Date.now() + 30000;
  const until = async (what, find) => {
    for (;;) {
      const found = find();
      if (found) return found;
      if (Date.now() > deadline) throw new Error("the page never showed " + what);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const op = await until("the operation", () => window.ui &&
      document.querySelector(`.opblock[id$="-${operationId}"]`));
  window.ui.preauthorizeApiKey(scheme, key);
  if (!op.classList.contains("is-open")) op.querySelector(".opblock-summary-control").click();
  (await until("Try it out", () => op.querySelector(".try-out__btn"))).click();
  (await until("Execute", () => op.querySelector(".execute"))).click();
  const status = await until("the response", () =>
      op.querySelector(".live-responses-table .response .response-col_status"));
  return {
    status: status.textContent.trim(),
    url: op.querySelector(".request-url pre").textContent.trim(),
    body: op.querySelector(".live-responses-table .response-col_description pre").textContent,
  };
})"""


def test_try_it_out_calls_the_stub_and_shows_its_answer(browser, stub_url, live_app):
    document = live_app.extensions["mockserver"].spec.document
    scheme = next(iter(document["components"]["securitySchemes"]))
    expected = live_app.test_client().get("/social-account", headers={"embed-api-key": DEMO_KEY})
    browser.open(f"{stub_url}/docs")
    arguments = ", ".join(json.dumps(value) for value in ("listSocialAccounts", scheme, DEMO_KEY))
    shown = browser.evaluate(f"{TRY_IT_OUT}({arguments})")
    assert shown["url"] == f"{stub_url}/social-account"
    assert shown["status"] == "200"
    assert json.loads(shown["body"]) == expected.json
