"""In a real browser: two contexts at once, each in its own session and scenario, never mixing."""

from __future__ import annotations

import json
import time

import pytest
from conftest import DEMO_KEY, PAGE_ACCOUNT_ID
from test_cors_browser import _page, _serve
from test_docs_browser import BROWSER_TIMEOUT_S, DevTools, chromium  # noqa: F401 - the fixture

from mockserver import create_app

TIKTOK_ID = "cmqi7kfo20009v0m9a6s2u1yt"

# Started in a page without being awaited, so both pages work at the same time: lists and
# reads its session's data, deletes one account, and lists again; the outcome lands in a global.
STORY = """(async (stub, key, deleteId, readIds, rounds, query) => {
  const out = {lists: [], reads: [], deleted: null, listAfter: null, error: null};
  const get = async (path, method = "GET") => {
    const response = await fetch(stub + path + query, {method, headers: {"embed-api-key": key}});
    return [response.status, await response.json()];
  };
  const ids = (body) => Object.values(body.data.socialAccounts).flat()
    .map((a) => a.id + ":" + a.accessTokenStatus).sort();
  try {
    for (let round = 0; round < rounds; round++) {
      const [status, body] = await get("/social-account");
      out.lists.push(status === 200 ? ids(body) : status);
      for (const id of readIds) out.reads.push([id, (await get("/social-account/" + id))[0]]);
    }
    out.deleted = (await get("/social-account/" + deleteId, "DELETE"))[0];
    out.listAfter = ids((await get("/social-account"))[1]);
  } catch (error) {
    out.error = String(error);
  }
  window.__story = out;
})"""


@pytest.fixture(scope="module")
def stub():
    """The stub on `default`, served on one port; the pages come from another origin."""
    app = create_app({"TESTING": True})
    with _serve(app) as url:
        yield app, url


@pytest.fixture(scope="module")
def frontend():
    """A page served from its own origin, as a frontend's dev server would serve it."""
    with _serve(_page) as url:
        yield url


@pytest.fixture(scope="module")
def browser(chromium, tmp_path_factory):  # noqa: F811 - chromium is the imported fixture
    """One headless chromium for this module."""
    devtools = DevTools(chromium, tmp_path_factory.mktemp("chromium-sessions"))
    yield devtools
    devtools.close()


def _seed_listing(scenario: str) -> list[str]:
    """`id:accessTokenStatus` of each demo account of a scenario, as the page's script lists."""
    client = create_app({"TESTING": True, "SCENARIO": scenario}).test_client()
    listing = client.get("/social-account", headers={"embed-api-key": DEMO_KEY}).get_json()
    return sorted(f"{a['id']}:{a['accessTokenStatus']}"
                  for group in listing["data"]["socialAccounts"].values() for a in group)


def _start(browser: DevTools, tab: str, stub_url: str, delete_id: str, query: str = "") -> None:
    browser.switch(tab)
    args = [stub_url, DEMO_KEY, delete_id, [PAGE_ACCOUNT_ID, TIKTOK_ID], 5, query]
    browser.call("Runtime.evaluate",
                 expression=f"{STORY}(...{json.dumps(args)}); 'started'", awaitPromise=False)


def _outcome(browser: DevTools, tab: str) -> dict:
    browser.switch(tab)
    deadline = time.monotonic() + BROWSER_TIMEOUT_S
    while (story := browser.evaluate("window.__story || null")) is None:
        if time.monotonic() > deadline:
            pytest.fail("the page's requests did not finish")
        time.sleep(0.05)
    assert story["error"] is None, story["error"]
    return story


def test_two_contexts_in_parallel_each_see_only_their_own_session(browser, stub, frontend):
    app, url = stub
    journal = app.extensions["mockserver.journal"]
    journal.clear()
    a = browser.open(f"{frontend}/", browser.new_context(),
                     {"X-Mock-Session": "browser-a", "X-Mock-Scenario": "default"})
    b = browser.open(f"{frontend}/", browser.new_context(),
                     {"X-Mock-Session": "browser-b", "X-Mock-Scenario": "expired-tokens"})
    _start(browser, a, url, PAGE_ACCOUNT_ID)  # both run at once: neither is awaited
    _start(browser, b, url, TIKTOK_ID)
    story_a, story_b = _outcome(browser, a), _outcome(browser, b)

    # Each context saw its own scenario's data, and only that, in every round.
    default, expired = _seed_listing("default"), _seed_listing("expired-tokens")
    assert default != expired and len(default) == len(expired) >= 4
    assert story_a["lists"] == [default] * 5
    assert story_b["lists"] == [expired] * 5
    assert {tuple(read) for read in story_a["reads"]} == {(PAGE_ACCOUNT_ID, 200), (TIKTOK_ID, 200)}
    # Each delete won in its own session, and did not show in the other.
    assert story_a["deleted"] == 200 and story_b["deleted"] == 200
    assert story_a["listAfter"] == [e for e in default if not e.startswith(PAGE_ACCOUNT_ID)]
    assert story_b["listAfter"] == [e for e in expired if not e.startswith(TIKTOK_ID)]
    # Every request of each page was filed under its own session: the headers went everywhere.
    for session, tab_story in (("browser-a", story_a), ("browser-b", story_b)):
        sent = [e for e in journal.entries(session) if e["method"] != "OPTIONS"]
        assert len(sent) == 5 * 3 + 2, (session, tab_story)
    # The stub itself, without a session, still has both accounts.
    client = app.test_client()
    listing = client.get("/social-account", headers={"embed-api-key": DEMO_KEY}).get_json()
    ids = {a["id"] for group in listing["data"]["socialAccounts"].values() for a in group}
    assert {PAGE_ACCOUNT_ID, TIKTOK_ID} <= ids


def test_a_page_that_cannot_set_headers_uses_the_query(browser, stub, frontend):
    app, url = stub
    tab = browser.open(f"{frontend}/", browser.new_context())
    _start(browser, tab, url, "cmqi7k2bd0005v0m9e1x7j2ka", query="?__session=by-query")
    story = _outcome(browser, tab)
    assert story["deleted"] == 200
    assert not any(e.startswith("cmqi7k2bd0005v0m9e1x7j2ka") for e in story["listAfter"])
    live = app.extensions["mockserver"].sessions.get("by-query")
    assert live is not None and live.requests == 5 * 3 + 2
    client = app.test_client()
    assert client.get("/social-account/cmqi7k2bd0005v0m9e1x7j2ka",
                      headers={"embed-api-key": DEMO_KEY}).status_code == 200


def test_the_preflight_allows_the_session_headers_a_page_sends(stub):
    # What the pages above needed: Chromium asks first before sending X-Mock-Session.
    app, _ = stub
    client = app.test_client()
    answer = client.options("/social-account", headers={
        "Origin": "http://localhost:3000", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "embed-api-key,x-mock-session,x-mock-scenario"})
    allowed = {h.strip() for h in answer.headers["Access-Control-Allow-Headers"].split(",")}
    assert answer.status_code == 204 and {"x-mock-session", "x-mock-scenario"} <= allowed
