"""Sessions: each has its own scenario and state; requests without one behave as before."""

from __future__ import annotations

import gc
import json
import shutil
import sys
import threading
import tracemalloc
from collections import Counter

import pytest
from conftest import DEMO_KEY, EMPTY_KEY, OTHER_ACCOUNT_ID, OTHER_KEY, PAGE_ACCOUNT_ID
from test_admin import conforms
from threads import run_together

from mockserver import create_app, resources
from mockserver import sessions as sessions_module
from mockserver.cli import _describe, serve_config, serve_parser
from mockserver.sessions import DEFAULT_LIMIT, Sessions

LIST, ITEM = "/social-account", f"/social-account/{PAGE_ACCOUNT_ID}"
TIKTOK_ID = "cmqi7kfo20009v0m9a6s2u1yt"
DEMO_IDS = {PAGE_ACCOUNT_ID, "cmqi7k2bd0005v0m9e1x7j2ka", "cmqi7k9xq0007v0m9w3h4d8pe", TIKTOK_ID}


def _send(client, method: str, path: str, session: str | None = None,
          scenario: str | None = None, key: str | None = DEMO_KEY, **headers: str):
    sent = {"embed-api-key": key} if key else {}
    if session is not None:
        sent["X-Mock-Session"] = session
    if scenario is not None:
        sent["X-Mock-Scenario"] = scenario
    sent.update(headers)
    return client.open(path, method=method, headers=sent)


def _ids(response) -> set[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    groups = response.get_json()["data"]["socialAccounts"]
    return {account["id"] for accounts in groups.values() for account in accounts}


def _refusal(response, status: int) -> str:
    """The stub's own one-sentence refusal (an RFC 9457 problem), marked as not the API's answer."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.headers["X-Mock-Fault"] == "session-refused"
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert set(body) == {"type", "title", "status", "detail"} and body["status"] == status
    assert "\n" not in body["detail"] and "Traceback" not in body["detail"]
    return body["detail"]


def _live(app) -> list[str]:
    return [s["name"] for s in app.extensions["mockserver"].sessions.listing()]


def _calls_into(module, client, path: str, **headers: str) -> list[str]:
    """The functions of `module` that one request runs (traced, not timed)."""
    called = []
    source = module.__file__

    def trace(frame, event, _arg):
        if event == "call" and frame.f_code.co_filename == source:
            called.append(frame.f_code.co_name)

    sys.setprofile(trace)
    try:
        client.get(path, headers={"embed-api-key": DEMO_KEY, **headers})
    finally:
        sys.setprofile(None)
    return called


def test_a_request_without_a_session_runs_no_session_code(client):
    # On the fast path its whole cost is two dict lookups in the WSGI environ.
    for path in (LIST, ITEM, f"{LIST}?other=1"):
        assert _calls_into(sessions_module, client, path) == [], path
    # The slow path (an override, a fault) reads the query once more, to find no session there.
    assert _calls_into(sessions_module, client, f"{ITEM}?__code=404") == ["requested"]
    assert len(_calls_into(sessions_module, client, LIST, **{"X-Mock-Session": "s"})) > 1


# -- naming a session ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["a", "A" * 64, "worker-1_run.2", "0", "..", "-_-"])
def test_a_valid_name_by_header_or_query_opens_the_same_session(app, client, name):
    assert _send(client, "DELETE", ITEM, session=name).status_code == 200
    assert _send(client, "GET", f"{ITEM}?__session={name}").status_code == 404
    assert _send(client, "GET", ITEM).status_code == 200  # not deleted outside the session
    assert _live(app) == [name]


@pytest.mark.parametrize(("raw", "shown"), [
    ("", "''"), ("a" * 65, "'" + "a" * 65 + "'"), ("a b", "'a b'"), ("a/b", "'a/b'"),
    ("caf%C3%A9", "'café'"), ("a%00", "'a\\x00'"), ("%2A", "'*'"),
])
def test_a_bad_session_name_is_400_in_one_sentence_and_starts_nothing(app, client, raw, shown):
    message = _refusal(_send(client, "DELETE", f"{ITEM}?__session={raw}"), 400)
    assert message == f"?__session must be 1-64 letters, digits, '-', '_' or '.', not {shown}"
    assert _live(app) == []
    assert _send(client, "GET", ITEM).status_code == 200  # nothing was deleted anywhere


def test_a_bad_name_in_the_header_names_the_header(app, client):
    message = _refusal(_send(client, "GET", LIST, session="no spaces"), 400)
    assert message.startswith("X-Mock-Session must be 1-64 letters")


def test_the_query_wins_over_the_header_as_for_overrides(app, client):
    _send(client, "DELETE", f"{ITEM}?__session=from-query", session="from-header")
    assert _live(app) == ["from-query"]


def test_a_scenario_without_a_session_is_refused_not_ignored(app, client):
    message = _refusal(_send(client, "GET", LIST, scenario="empty-workspace"), 400)
    assert "needs a session" in message and "X-Mock-Session" in message
    assert _refusal(_send(client, "GET", f"{LIST}?__scenario=empty-workspace"), 400)


# -- the scenario a session starts from ---------------------------------------------------------
def test_the_first_request_names_the_scenario_and_later_ones_may_repeat_it(app, client):
    assert _ids(_send(client, "GET", LIST, "e2e", "empty-workspace")) == set()
    assert _ids(_send(client, "GET", LIST, "e2e", "empty-workspace")) == set()
    assert _ids(_send(client, "GET", LIST, "e2e")) == set()  # the header may be left out later
    assert _ids(_send(client, "GET", LIST)) == DEMO_IDS  # the stub itself is still on default


def test_a_session_starts_from_the_active_scenario_when_none_is_named(app, client):
    switched = client.post("/__admin/scenario", json={"name": "empty-workspace"})
    assert switched.status_code == 200
    assert _ids(_send(client, "GET", LIST, "started-now")) == set()
    client.post("/__admin/scenario", json={"name": "default"})
    # It keeps the scenario it started from; a new session takes the newly active one.
    assert _ids(_send(client, "GET", LIST, "started-now")) == set()
    assert _ids(_send(client, "GET", LIST, "started-later")) == DEMO_IDS


def test_a_session_starts_from_the_seed_not_from_the_stubs_deletes(app, client):
    assert _send(client, "DELETE", ITEM).status_code == 200
    assert _ids(_send(client, "GET", LIST, "fresh")) == DEMO_IDS
    assert PAGE_ACCOUNT_ID not in _ids(_send(client, "GET", LIST))


def test_another_scenario_for_a_live_session_is_409_and_changes_nothing(app, client):
    _send(client, "DELETE", ITEM, "qa", "default")
    message = _refusal(_send(client, "GET", LIST, "qa", "empty-workspace"), 409)
    assert message == (
        "session 'qa' runs scenario 'default', not 'empty-workspace': end it "
        "(DELETE /__admin/sessions/qa) or restart it (POST /__admin/sessions/qa/reset with "
        '{"scenario": "empty-workspace"})')
    assert _ids(_send(client, "GET", LIST, "qa")) == DEMO_IDS - {PAGE_ACCOUNT_ID}


def test_an_unknown_scenario_is_400_naming_the_known_ones(app, client):
    message = _refusal(_send(client, "GET", LIST, "s1", "no-such-one"), 400)
    assert message.startswith("no scenario named 'no-such-one' (known: default, ")
    assert _refusal(_send(client, "GET", LIST, "s1", "../default"), 400)
    assert _live(app) == []


def test_a_scenario_that_is_a_path_is_refused(app, client):
    # Only names in the fixtures folder: a request must not make the stub read a file by path.
    for scenario in ("/etc/passwd", "fixtures/default.yaml", "default.yaml"):
        assert _refusal(_send(client, "GET", LIST, "s2", scenario), 400)
    assert _live(app) == []


# -- isolation ----------------------------------------------------------------------------------
def test_a_delete_in_one_session_is_seen_by_no_other_and_not_outside(app, client):
    assert _send(client, "DELETE", ITEM, "a").status_code == 200
    assert _send(client, "GET", ITEM, "a").status_code == 404
    assert PAGE_ACCOUNT_ID not in _ids(_send(client, "GET", LIST, "a"))
    assert _send(client, "GET", ITEM, "b").status_code == 200
    assert _ids(_send(client, "GET", LIST, "b")) == DEMO_IDS
    assert _ids(_send(client, "GET", LIST)) == DEMO_IDS
    assert _send(client, "DELETE", ITEM, "a").status_code == 404  # once per session
    assert _send(client, "DELETE", ITEM, "b").status_code == 200


def test_a_sessions_list_after_deletes_is_byte_for_byte_the_stubs_after_the_same_deletes(client):
    for account_id in (PAGE_ACCOUNT_ID, TIKTOK_ID):
        assert _send(client, "DELETE", f"{LIST}/{account_id}", "s").status_code == 200
        assert _send(client, "DELETE", f"{LIST}/{account_id}").status_code == 200
        assert _send(client, "GET", LIST, "s").data == _send(client, "GET", LIST).data


def test_keys_and_workspaces_stay_apart_inside_a_session(client):
    assert _send(client, "DELETE", f"{LIST}/{OTHER_ACCOUNT_ID}", "s").status_code == 404
    assert _send(client, "DELETE", f"{LIST}/{OTHER_ACCOUNT_ID}", "s", key=OTHER_KEY
                 ).status_code == 200
    assert _ids(_send(client, "GET", LIST, "s", key=EMPTY_KEY)) == set()
    assert _send(client, "GET", LIST, "s", key="pn-unpaid-key").status_code == 402
    without_key = _send(client, "GET", LIST, "s", key=None)
    assert without_key.status_code == 401
    assert without_key.data == _send(client, "GET", LIST, key=None).data


def test_a_global_switch_or_reset_leaves_sessions_alone(client):
    _send(client, "DELETE", ITEM, "kept")
    client.post("/__admin/scenario", json={"name": "server-errors"})
    client.post("/__admin/reset")
    assert _send(client, "GET", LIST).status_code == 500
    assert _ids(_send(client, "GET", LIST, "kept")) == DEMO_IDS - {PAGE_ACCOUNT_ID}


# -- faults and overrides -----------------------------------------------------------------------
def test_a_sessions_scenario_brings_its_faults_and_only_into_that_session(client):
    assert _send(client, "GET", LIST, "down", "server-errors").status_code == 500
    assert _send(client, "DELETE", ITEM, "failing", "delete-fails").status_code == 400
    assert _send(client, "GET", ITEM, "failing").status_code == 200  # nothing was deleted
    assert _send(client, "GET", LIST).status_code == 200


def test_the_stubs_faults_do_not_reach_a_session_on_another_scenario(client):
    client.post("/__admin/scenario", json={"name": "server-errors"})
    assert _send(client, "GET", LIST).status_code == 500
    assert _ids(_send(client, "GET", LIST, "ok", "default")) == DEMO_IDS


def test_prefer_and_query_overrides_work_inside_a_session_and_change_nothing(client):
    assert _send(client, "GET", ITEM, "o", Prefer="code=404").status_code == 404
    assert _send(client, "DELETE", f"{ITEM}?__code=400", "o").status_code == 400
    assert _send(client, "GET", f"{LIST}?__code=402", "o", key=None).status_code == 402
    assert _send(client, "GET", ITEM, "o").status_code == 200
    refused = _send(client, "GET", f"{LIST}?__code=404", "o")
    assert refused.status_code == 422 and refused.headers["X-Mock-Fault"] == "override-refused"
    # In a session on server-errors, an override still beats the scenario's fault.
    assert _send(client, "GET", LIST, "down", "server-errors", Prefer="code=200").status_code == 200


def test_a_broken_body_fault_applies_inside_a_session(client):
    document = {"description": "reads cut short", "extends": "default",
                "faults": [{"operation": "getSocialAccount", "body": "truncated"}]}
    assert client.post("/__admin/scenario", json=document).status_code == 200
    # A session started now takes the posted (active) scenario, faults and all.
    broken = _send(client, "GET", ITEM, "p")
    assert broken.headers["X-Mock-Fault"] == "truncated"
    with pytest.raises(ValueError):
        json.loads(broken.data)


# -- the admin API ------------------------------------------------------------------------------
@pytest.fixture
def admin(client):
    """Call the admin API; every answer is checked against admin-openapi.yaml."""

    def call(method: str, path: str, template: str | None = None, **kwargs):
        return conforms(client.open(path, method=method, **kwargs), method, template or path)

    return call


ONE = "/__admin/sessions/{name}"
RESET = "/__admin/sessions/{name}/reset"


def test_the_list_shows_each_sessions_scenario_times_and_counts(admin, client):
    _send(client, "GET", LIST, "w1", "empty-workspace")
    _send(client, "DELETE", ITEM, "w2")
    _send(client, "GET", LIST, "w2")
    body = admin("GET", "/__admin/sessions").get_json()
    assert (body["limit"], body["count"], body["evicted"]) == (DEFAULT_LIMIT, 2, 0)
    w2, w1 = body["sessions"]  # most recently used first
    assert (w1["name"], w1["scenario"], w1["requests"], w1["deleted"]) == (
        "w1", "empty-workspace", 1, 0)
    assert (w2["name"], w2["scenario"], w2["requests"], w2["deleted"]) == ("w2", "default", 2, 1)
    assert w1["created"] == w1["lastUsed"] <= w2["created"] <= w2["lastUsed"]
    assert admin("GET", "/__admin/sessions/w2", ONE).get_json() == w2


def test_put_starts_a_session_before_its_first_request(admin, client):
    started = admin("PUT", "/__admin/sessions/qa-7", ONE, json={"scenario": "empty-workspace"})
    assert started.status_code == 201
    assert started.get_json() == {"success": True, "name": "qa-7", "scenario": "empty-workspace",
                                  "message": "session 'qa-7' started on scenario "
                                             "'empty-workspace'"}
    assert _ids(_send(client, "GET", LIST, "qa-7")) == set()
    assert admin("GET", "/__admin/sessions/qa-7", ONE).get_json()["requests"] == 1


def test_put_again_on_the_same_scenario_keeps_the_state_and_another_is_409(admin, client):
    admin("PUT", "/__admin/sessions/p", ONE, json={"scenario": "default"})
    _send(client, "DELETE", ITEM, "p")
    again = admin("PUT", "/__admin/sessions/p", ONE, json={"scenario": "default"})
    assert again.status_code == 200 and "already runs" in again.get_json()["message"]
    assert admin("PUT", "/__admin/sessions/p", ONE).status_code == 200  # no body: any scenario
    conflict = admin("PUT", "/__admin/sessions/p", ONE, json={"scenario": "slow"})
    assert conflict.status_code == 409
    assert _send(client, "GET", ITEM, "p").status_code == 404


def test_put_without_a_body_takes_the_active_scenario(admin, client):
    client.post("/__admin/scenario", json={"name": "expired-tokens"})
    assert admin("PUT", "/__admin/sessions/n", ONE).get_json()["scenario"] == "expired-tokens"


@pytest.mark.parametrize("body", ['{"scenario": 3}', '{"name": "default"}', "[]", "not json",
                                  '{"scenario": "default", "x": 1}'])
def test_put_with_a_body_it_does_not_understand_is_400(admin, app, body):
    refused = admin("PUT", "/__admin/sessions/n", ONE, data=body,
                    content_type="application/json")
    assert refused.status_code == 400
    assert refused.get_json()["message"] == 'the body must be empty or {"scenario": "NAME"}'
    assert _live(app) == []


def test_put_with_an_unknown_scenario_is_404(admin, app):
    refused = admin("PUT", "/__admin/sessions/n", ONE, json={"scenario": "nope"})
    assert refused.status_code == 404
    assert refused.get_json()["message"].startswith("no scenario named 'nope' (known: ")
    assert _live(app) == []


def test_reset_undoes_a_sessions_deletes_and_nothing_else(admin, client):
    _send(client, "DELETE", ITEM, "r")
    _send(client, "DELETE", ITEM, "other")
    _send(client, "DELETE", ITEM)
    reset = admin("POST", "/__admin/sessions/r/reset", RESET)
    assert reset.get_json()["message"] == "session 'r' is back to the seed of scenario 'default'"
    assert _send(client, "GET", ITEM, "r").status_code == 200
    assert _send(client, "GET", ITEM, "other").status_code == 404
    assert _send(client, "GET", ITEM).status_code == 404


def test_an_edited_scenario_file_reaches_new_sessions_and_a_reset_one(tmp_path):
    folder = tmp_path / "fixtures"
    shutil.copytree(resources.fixtures_dir(), folder)
    app = create_app({"TESTING": True, "FIXTURES_DIR": str(folder)})
    client = app.test_client()
    assert _ids(_send(client, "GET", LIST, "before", "empty-workspace")) == set()
    edited = folder / "empty-workspace.yaml"
    text = edited.read_text()
    # Give the empty workspace the default scenario's accounts by no longer overriding it.
    edited.write_text(text.replace("  pn-demo-key:", "  pn-unused-key:", 1) + "\n")
    assert _ids(_send(client, "GET", LIST, "after", "empty-workspace")) == DEMO_IDS
    assert _ids(_send(client, "GET", LIST, "before")) == set()  # a live session keeps its data
    assert client.post("/__admin/sessions/before/reset").status_code == 200
    assert _ids(_send(client, "GET", LIST, "before")) == DEMO_IDS
    edited.write_text("description: [not valid")
    assert client.post("/__admin/sessions/before/reset").status_code == 200  # kept as it was
    assert _ids(_send(client, "GET", LIST, "before")) == DEMO_IDS


def test_reset_with_a_scenario_is_the_explicit_restart(admin, client):
    _send(client, "DELETE", ITEM, "r", "default")
    restarted = admin("POST", "/__admin/sessions/r/reset", RESET,
                      json={"scenario": "server-errors"})
    assert restarted.get_json()["scenario"] == "server-errors"
    assert _send(client, "GET", LIST, "r", "server-errors").status_code == 500
    assert _refusal(_send(client, "GET", LIST, "r", "default"), 409)


def test_reset_or_end_of_a_session_that_is_not_there_is_404(admin):
    assert admin("POST", "/__admin/sessions/ghost/reset", RESET).status_code == 404
    assert admin("DELETE", "/__admin/sessions/ghost", ONE).status_code == 404
    assert admin("GET", "/__admin/sessions/ghost", ONE).status_code == 404


@pytest.mark.parametrize(("method", "path", "template"), [
    ("GET", "/__admin/sessions/a%20b", ONE), ("PUT", "/__admin/sessions/a%20b", ONE),
    ("DELETE", "/__admin/sessions/a%20b", ONE), ("POST", "/__admin/sessions/a%20b/reset", RESET),
    ("GET", f"/__admin/sessions/{'x' * 65}", ONE),
])
def test_a_bad_name_in_the_admin_api_is_400(admin, app, method, path, template):
    refused = admin(method, path, template)
    assert refused.status_code == 400
    assert refused.get_json()["message"].startswith("a session name must be 1-64 letters")
    assert _live(app) == []


def test_ending_a_session_forgets_its_state(admin, client):
    _send(client, "DELETE", ITEM, "e", "default")
    assert admin("DELETE", "/__admin/sessions/e", ONE).get_json()["message"] == "session 'e' ended"
    assert _send(client, "GET", ITEM, "e", "empty-workspace").status_code == 404  # a fresh start
    assert _ids(_send(client, "GET", LIST, "e")) == set()


def test_ending_every_session(admin, app, client):
    for name in ("x", "y", "z"):
        _send(client, "GET", LIST, name)
    assert admin("DELETE", "/__admin/sessions").get_json()["ended"] == 3
    assert _live(app) == []
    assert _send(client, "GET", LIST).status_code == 200


def test_the_journal_files_each_request_under_its_session_and_filters_by_it(admin, client):
    _send(client, "GET", LIST, "j1")
    _send(client, "DELETE", ITEM, "j2")
    _send(client, "GET", LIST)
    _send(client, "GET", LIST, "j1", "slow")  # refused (409): still the session's request
    everything = admin("GET", "/__admin/requests").get_json()["requests"]
    assert [e["session"] for e in everything] == ["j1", None, "j2", "j1"]
    mine = admin("GET", "/__admin/requests?session=j1", "/__admin/requests").get_json()
    assert mine["count"] == 2 and [e["status"] for e in mine["requests"]] == [409, 200]
    none = admin("GET", "/__admin/requests?session=nobody", "/__admin/requests").get_json()
    assert none["count"] == 0
    bad = admin("GET", "/__admin/requests?session=a%20b", "/__admin/requests")
    assert bad.status_code == 400


# -- bounded ------------------------------------------------------------------------------------
def test_past_the_limit_the_least_recently_used_session_is_ended():
    app = create_app({"TESTING": True, "MAX_SESSIONS": 3})
    client = app.test_client()
    for name in ("s1", "s2", "s3"):
        _send(client, "DELETE", ITEM, name)
    _send(client, "GET", LIST, "s1")  # s1 is now the most recently used; s2 the least
    _send(client, "GET", LIST, "s4")
    assert sorted(_live(app)) == ["s1", "s3", "s4"]
    listing = client.get("/__admin/sessions").get_json()
    assert (listing["count"], listing["limit"], listing["evicted"]) == (3, 3, 1)
    assert _send(client, "GET", ITEM, "s1").status_code == 404  # its state survived
    assert _send(client, "GET", ITEM, "s2").status_code == 200  # started afresh


def _traced_bytes() -> int:
    gc.collect()
    return tracemalloc.get_traced_memory()[0]


def test_2000_sessions_in_a_row_keep_the_count_at_the_limit():
    # Without the response self-check, which would make this test ten times slower.
    app = create_app({"TESTING": True, "VALIDATE_RESPONSES": False, "MAX_SESSIONS": 1000})
    client = app.test_client()
    for index in range(2000):
        assert _send(client, "GET", LIST, f"worker-{index}").status_code == 200
    listing = client.get("/__admin/sessions").get_json()
    assert (listing["count"], listing["evicted"]) == (1000, 1000)
    names = [s["name"] for s in listing["sessions"]]
    assert names == [f"worker-{index}" for index in range(1999, 999, -1)]


def test_2000_sessions_in_a_row_keep_memory_bounded():
    app = create_app({"TESTING": True, "MAX_SESSIONS": 1000})
    sessions: Sessions = app.extensions["mockserver"].sessions
    scenarios = ("default", "empty-workspace", "expired-tokens")

    def use(name: str, index: int) -> None:
        # What a request path does, without HTTP: enter, read, delete one account, list.
        state = sessions.enter(name, scenarios[index % 3])
        workspace = state.workspace(DEMO_KEY)
        state.read_body(workspace, PAGE_ACCOUNT_ID)
        state.delete(DEMO_KEY, PAGE_ACCOUNT_ID)
        state.list_body(workspace)

    for index in range(3):  # every scenario's seed is built once, before measuring
        use(f"warm-up-{index}", index)
    sessions.end_all()
    tracemalloc.start()
    try:
        before = _traced_bytes()
        for index in range(1000):
            use(f"worker-{index}", index)
        at_limit = _traced_bytes()
        for index in range(1000, 2000):
            use(f"worker-{index}", index)
        after = _traced_bytes()
    finally:
        tracemalloc.stop()
    assert len(sessions) == 1000 and sessions.evicted == 1000
    # 1,000 sessions, each with a delete, cost under 2 MiB (a copy of the data would not) ...
    assert at_limit - before < 2 * 1024 * 1024, at_limit - before
    # ... and the next 1,000 replace them instead of adding (within 10%).
    assert after - at_limit < (at_limit - before) / 10, (before, at_limit, after)


def test_sessions_share_their_scenarios_seed_instead_of_copying_it(app, client):
    for name in ("a", "b", "c"):
        _send(client, "DELETE", ITEM, name, "default")
    live = app.extensions["mockserver"].sessions
    seeds = {id(live.get(name).seed) for name in ("a", "b", "c")}
    assert len(seeds) == 1
    assert live.get("a").deleted == {DEMO_KEY: frozenset({PAGE_ACCOUNT_ID})}


# -- many threads at once -----------------------------------------------------------------------


def test_two_sessions_on_two_scenarios_hammered_from_many_threads_never_mix():
    app = create_app({"TESTING": True})
    seen: dict[str, Counter] = {"full": Counter(), "empty": Counter()}
    lock = threading.Lock()

    def full_worker(index: int):
        client = app.test_client()

        def work():
            target = sorted(DEMO_IDS)[index % 4]
            for _ in range(15):
                listed = _ids(_send(client, "GET", LIST, "full", "default"))
                assert listed <= DEMO_IDS
                status = _send(client, "DELETE", f"{LIST}/{target}", "full").status_code
                with lock:
                    seen["full"][status] += 1

        return work

    def empty_worker():
        client = app.test_client()

        def work():
            for account_id in sorted(DEMO_IDS) * 4:
                assert _ids(_send(client, "GET", LIST, "empty", "empty-workspace")) == set()
                status = _send(client, "GET", f"{LIST}/{account_id}", "empty").status_code
                deleted = _send(client, "DELETE", f"{LIST}/{account_id}", "empty").status_code
                with lock:
                    seen["empty"][(status, deleted)] += 1

        return work

    run_together([full_worker(i) for i in range(8)] + [empty_worker() for _ in range(8)])
    client = app.test_client()
    # Each of the four accounts was deleted exactly once in "full", whoever tried.
    assert seen["full"][200] == 4 and seen["full"][404] == 8 * 15 - 4
    assert _ids(_send(client, "GET", LIST, "full")) == set()
    # "empty" never saw one of them, before or after "full" deleted it.
    assert set(seen["empty"]) == {(404, 404)}
    # And the stub itself, without a session, was touched by neither.
    assert _ids(_send(client, "GET", LIST)) == DEMO_IDS


def test_32_parallel_deletes_of_one_id_in_one_session_have_exactly_one_winner():
    app = create_app({"TESTING": True})
    statuses: Counter = Counter()
    lock = threading.Lock()

    def deleter():
        status = _send(app.test_client(), "DELETE", ITEM, "race", "default").status_code
        with lock:
            statuses[status] += 1

    run_together([deleter for _ in range(32)])
    assert statuses == Counter({200: 1, 404: 31})
    client = app.test_client()
    assert _send(client, "GET", ITEM, "race").status_code == 404
    assert _send(client, "GET", ITEM).status_code == 200


def test_many_first_requests_to_one_new_session_start_it_once():
    app = create_app({"TESTING": True})
    statuses: Counter = Counter()
    lock = threading.Lock()

    def first(scenario: str):
        def work():
            status = _send(app.test_client(), "GET", LIST, "contended", scenario).status_code
            with lock:
                statuses[(scenario, status)] += 1

        return work

    run_together([first("default") for _ in range(12)] + [first("empty-workspace")
                                                          for _ in range(12)])
    # One scenario won the start; every request that asked for the other was told so.
    winner = app.extensions["mockserver"].sessions.get("contended").scenario.name
    loser = "empty-workspace" if winner == "default" else "default"
    assert statuses == Counter({(winner, 200): 12, (loser, 409): 12})


# -- the command line ---------------------------------------------------------------------------
def test_max_sessions_flag_sets_the_limit_and_its_help_states_the_default():
    assert serve_config(serve_parser().parse_args(["--max-sessions", "5"]))["MAX_SESSIONS"] == 5
    assert "MAX_SESSIONS" not in serve_config(serve_parser().parse_args([]))
    assert f"(default {DEFAULT_LIMIT})" in " ".join(serve_parser().format_help().split())


def test_the_banner_says_how_many_sessions_live_and_which_go():
    app = create_app({"TESTING": True, "MAX_SESSIONS": 7})
    banner = _describe(app, "http://127.0.0.1:4010")
    assert ("sessions: X-Mock-Session or ?__session= gives a test its own state; at most 7, "
            "the least recently used is ended beyond that (--max-sessions)") in banner.splitlines()
