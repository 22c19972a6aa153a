"""Replayed answers: byte-identical, journalled, never across keys, origins or a change of state."""

from __future__ import annotations

import threading

import pytest
import requests
from conftest import DEMO_KEY, OTHER_ACCOUNT_ID, OTHER_KEY, PAGE_ACCOUNT_ID
from stub_process import running_stub

from mockserver import create_app, handlers

LIST, READ = "/social-account", f"/social-account/{PAGE_ACCOUNT_ID}"


@pytest.fixture
def app():
    return create_app({"TESTING": True})


@pytest.fixture
def computed(monkeypatch):
    """How many times each handler ran, in apps created after it (a replay runs none)."""
    counts = {"listSocialAccounts": 0, "getSocialAccount": 0}
    for operation_id in counts:
        handler = handlers.HANDLERS[operation_id]

        def counting(*args, _original=handler.answer, _id=operation_id, **kwargs):
            counts[_id] += 1
            return _original(*args, **kwargs)

        monkeypatch.setitem(handlers.HANDLERS, operation_id,
                            handlers.Handler(operation_id, counting, handler.statuses,
                                             handler.examples))
    return counts


def _answer(response) -> tuple:
    return response.status_code, sorted(response.headers.items()), response.get_data()


def test_the_same_request_is_answered_once_and_replayed_byte_for_byte(computed):
    app = create_app({"TESTING": True})
    client = app.test_client()
    first = [_answer(client.get(path, headers={"embed-api-key": DEMO_KEY}))
             for path in (LIST, READ)]
    again = [_answer(client.get(path, headers={"embed-api-key": DEMO_KEY}))
             for path in (LIST, READ) for _ in range(3)]
    assert again == [first[0]] * 3 + [first[1]] * 3
    assert computed == {"listSocialAccounts": 1, "getSocialAccount": 1}
    assert len(app.extensions["mockserver.replays"]) == 2


def test_a_replay_is_journalled_like_the_first_answer(app):
    client = app.test_client()
    for _ in range(3):
        client.get(READ, headers={"embed-api-key": DEMO_KEY})
    entries = client.get("/__admin/requests").get_json()["requests"]
    assert len(entries) == 3
    fields = [{k: v for k, v in e.items() if k not in ("time", "durationMs")} for e in entries]
    assert fields == [fields[0]] * 3
    assert fields[0]["status"] == 200 and fields[0]["key"] == "pn-d…"
    assert all(e["durationMs"] >= 0 for e in entries)
    assert entries[0]["time"] >= entries[-1]["time"]


@pytest.mark.parametrize("headers", [
    {"embed-api-key": OTHER_KEY},
    {"embed-api-key": "pn-unknown-key"},
    {"authorization": f"Bearer {OTHER_KEY}"},
    {},
])
def test_another_key_never_gets_the_answer_kept_for_one_key(app, headers):
    client = app.test_client()
    mine = client.get(LIST, headers={"embed-api-key": DEMO_KEY}).get_data()
    fresh = create_app({"TESTING": True, "REPLAY_LIMIT": 0}).test_client()
    theirs = client.get(LIST, headers=headers)
    assert theirs.get_data() != mine
    assert _answer(theirs) == _answer(fresh.get(LIST, headers=headers))


def test_the_cors_headers_follow_each_requests_origin(app):
    client = app.test_client()
    plain = client.get(LIST, headers={"embed-api-key": DEMO_KEY})
    a = client.get(LIST, headers={"embed-api-key": DEMO_KEY, "Origin": "http://a.test"})
    b = client.get(LIST, headers={"embed-api-key": DEMO_KEY, "Origin": "http://b.test"})
    assert "Access-Control-Allow-Origin" not in plain.headers
    assert a.headers["Access-Control-Allow-Origin"] == "http://a.test"
    assert b.headers["Access-Control-Allow-Origin"] == "http://b.test"


def test_a_delete_is_seen_by_the_next_read_and_the_next_list(app):
    client = app.test_client()
    key = {"embed-api-key": DEMO_KEY}
    assert client.get(READ, headers=key).status_code == 200
    assert PAGE_ACCOUNT_ID.encode() in client.get(LIST, headers=key).get_data()
    assert client.delete(READ, headers=key).status_code == 200
    assert client.get(READ, headers=key).status_code == 404
    assert PAGE_ACCOUNT_ID.encode() not in client.get(LIST, headers=key).get_data()
    assert client.post("/__admin/reset").status_code == 200
    assert client.get(READ, headers=key).status_code == 200


def test_a_scenario_switch_is_seen_at_once(app):
    client = app.test_client()
    key = {"embed-api-key": DEMO_KEY}
    assert client.get(READ, headers=key).status_code == 200
    switched = client.post("/__admin/scenario", json={"name": "server-errors"})
    assert switched.status_code == 200, switched.get_data()
    assert client.get(READ, headers=key).status_code == 500
    assert len(app.extensions["mockserver.replays"]) == 0


def test_a_reload_of_the_scenario_file_is_seen_at_once(tmp_path):
    source = create_app({"TESTING": True}).extensions["mockserver"].scenarios.path_of("default")
    scenario = tmp_path / "mine.yaml"
    scenario.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    app = create_app({"TESTING": True, "SCENARIO": str(scenario)})
    client = app.test_client()
    key = {"embed-api-key": DEMO_KEY}
    assert client.get(READ, headers=key).status_code == 200
    scenario.write_text(source.read_text(encoding="utf-8").replace(PAGE_ACCOUNT_ID, "cmzzzz"),
                        encoding="utf-8")
    assert app.extensions["mockserver.reloader"].reload_if_changed()
    assert client.get(READ, headers=key).status_code == 404


# An override answers with an example, without the handler; a session's read runs it each time.
@pytest.mark.parametrize(("variant", "handled"), [
    ({"headers": {"Prefer": "code=404"}}, 0),
    ({"query_string": {"__code": "404"}}, 0),
    ({"headers": {"X-Mock-Session": "s1"}}, 2),
    ({"query_string": {"__session": "s1"}}, 2),
])
def test_sessions_and_overrides_are_never_replayed(computed, variant, handled):
    app = create_app({"TESTING": True})
    client = app.test_client()
    headers = {"embed-api-key": DEMO_KEY, **variant.get("headers", {})}
    answers = [client.get(READ, headers=headers, query_string=variant.get("query_string"))
               for _ in range(2)]
    assert [r.status_code for r in answers] == [404 if not handled else 200] * 2
    assert computed["getSocialAccount"] == handled
    assert len(app.extensions["mockserver.replays"]) == 0


def test_a_scenario_fault_is_never_replayed(computed):
    app = create_app({"TESTING": True})
    client = app.test_client()
    default = app.extensions["mockserver"].store.scenario
    posted = {"description": "reads answer a truncated body",
              "workspaces": {k: dict(v) for k, v in default.workspaces.items()},
              "faults": [{"operation": "getSocialAccount", "body": "truncated"}]}
    assert client.post("/__admin/scenario", json=posted).status_code == 200
    answers = [client.get(READ, headers={"embed-api-key": DEMO_KEY}) for _ in range(2)]
    assert [r.headers.get("X-Mock-Fault") for r in answers] == ["truncated"] * 2
    assert computed["getSocialAccount"] == 2
    assert len(app.extensions["mockserver.replays"]) == 0


@pytest.mark.parametrize("method", ["HEAD", "OPTIONS", "DELETE"])
def test_only_a_get_is_replayed(app, method):
    client = app.test_client()
    client.open(LIST, method=method, headers={"embed-api-key": DEMO_KEY,
                                               "Origin": "http://a.test"})
    assert len(app.extensions["mockserver.replays"]) == 0


def test_a_get_is_answered_the_same_with_or_without_a_body(app):
    client = app.test_client()
    plain = _answer(client.get(LIST, headers={"embed-api-key": DEMO_KEY}))
    assert _answer(client.get(LIST, headers={"embed-api-key": DEMO_KEY}, data=b"{}")) == plain


def test_the_table_keeps_at_most_its_limit_and_answers_stay_right():
    app = create_app({"TESTING": True, "REPLAY_LIMIT": 2})
    client = app.test_client()
    key = {"embed-api-key": DEMO_KEY}
    paths = [LIST, READ, f"/social-account/{OTHER_ACCOUNT_ID}", "/social-account/nope"]
    expected = [_answer(client.get(p, headers=key)) for p in paths]
    assert len(app.extensions["mockserver.replays"]) == 2
    assert [_answer(client.get(p, headers=key)) for p in paths * 2] == expected * 2


def test_no_table_when_replays_are_off():
    app = create_app({"TESTING": True, "REPLAY_LIMIT": 0})
    assert "mockserver.replays" not in app.extensions


def test_reads_racing_a_delete_never_see_it_undone():
    """Once a DELETE has answered, no read that starts after it gets the account back."""
    app = create_app({"TESTING": True})
    client_headers = {"embed-api-key": DEMO_KEY}
    deleted = threading.Event()
    stale: list[int] = []

    def reader():
        client = app.test_client()
        for _ in range(300):
            after = deleted.is_set()
            status = client.get(READ, headers=client_headers).status_code
            if after and status == 200:
                stale.append(status)

    threads = [threading.Thread(target=reader) for _ in range(6)]
    for thread in threads:
        thread.start()
    assert app.test_client().delete(READ, headers=client_headers).status_code == 200
    deleted.set()
    for thread in threads:
        thread.join(timeout=60)
    assert stale == []
    assert app.test_client().get(READ, headers=client_headers).status_code == 404


@pytest.mark.parametrize("engine", ["granian", "waitress"])
def test_over_the_wire_a_replay_is_the_same_answer(engine):
    with running_stub(["--engine", engine]) as url:
        with requests.Session() as http:
            http.headers["embed-api-key"] = DEMO_KEY
            answers = [http.get(url + READ) for _ in range(4)]
            shapes = {(r.status_code, r.content,
                       tuple(sorted((k, v) for k, v in r.headers.items() if k.lower() != "date")))
                      for r in answers}
            assert len(shapes) == 1 and answers[0].status_code == 200
            assert http.delete(url + READ).status_code == 200
            assert http.get(url + READ).status_code == 404
            journal = http.get(url + "/__admin/requests").json()
            assert [e["status"] for e in journal["requests"]] == [404, 200] + [200] * 4


def test_no_replay_flag_turns_the_table_off():
    from mockserver import cli

    assert cli.serve_config(cli.serve_parser().parse_args(["--no-replay"]))["REPLAY_LIMIT"] == 0
    assert "REPLAY_LIMIT" not in cli.serve_config(cli.serve_parser().parse_args([]))


def test_tracing_headers_that_change_per_request_do_not_stop_replays(computed):
    app = create_app({"TESTING": True})
    client = app.test_client()
    answers = [client.get(READ, headers={"embed-api-key": DEMO_KEY,
                                         "traceparent": f"00-{n:032x}-{n:016x}-01",
                                         "X-Request-ID": str(n)}) for n in range(1, 4)]
    assert [_answer(r) for r in answers] == [_answer(answers[0])] * 3
    assert computed["getSocialAccount"] == 1
    other = client.get(READ, headers={"embed-api-key": DEMO_KEY, "X-Custom": "1"})
    assert _answer(other) == _answer(answers[0])
    assert computed["getSocialAccount"] == 2  # an unknown header is part of the key


def test_nothing_in_the_stub_reads_a_header_left_out_of_the_key():
    from pathlib import Path

    from mockserver import answer_cache

    package = Path(answer_cache.__file__).parent
    headers = {n[5:].lower().replace("_", "-") for n in answer_cache.UNREAD}
    spellings = ({n.lower() for n in answer_cache.UNREAD}
                 | {f"{q}{h}{q}" for h in headers for q in "\"'"})
    readers = [f"{path.name}: {name}" for path in sorted(package.rglob("*.py"))
               if path.name != "answer_cache.py"
               for name in sorted(spellings) if name in path.read_text(encoding="utf-8").lower()]
    assert readers == []


def test_a_head_near_the_431_limit_is_never_replayed():
    from mockserver.fallbacks import HEAD_LIMIT

    app = create_app({"TESTING": True})
    client = app.test_client()
    small = client.get(READ, headers={"embed-api-key": DEMO_KEY, "X-Request-ID": "1"})
    big = client.get(READ, headers={"embed-api-key": DEMO_KEY,
                                    "X-Request-ID": "x" * (HEAD_LIMIT + 1)})
    assert (small.status_code, big.status_code) == (200, 431)


@pytest.mark.parametrize("request_kwargs", [
    {"query_string": {"q": "x" * 9000}},
    {"headers": {f"X-{'n' * 1000}-{i}": "" for i in range(9)}},
    {"path": f"/social-account/{'x' * 9000}"},
])
def test_a_request_with_a_large_head_is_answered_but_not_kept(request_kwargs):
    app = create_app({"TESTING": True})
    client = app.test_client()
    path = request_kwargs.pop("path", LIST)
    headers = {"embed-api-key": DEMO_KEY, **request_kwargs.pop("headers", {})}
    first = client.get(path, headers=headers, **request_kwargs)
    assert first.status_code in (200, 404)
    assert len(app.extensions["mockserver.replays"]) == 0


@pytest.mark.parametrize(("query", "status"), [
    ("__code=404", 404), ("%5F%5Fcode=404", 404), ("_%5fcode=404", 404),
])
def test_an_override_in_an_encoded_query_is_honoured_not_replayed(app, query, status):
    client = app.test_client()
    plain = client.get(READ, headers={"embed-api-key": DEMO_KEY})
    assert plain.status_code == 200
    asked = client.get(f"{READ}?{query}", headers={"embed-api-key": DEMO_KEY})
    assert asked.status_code == status
    assert len(app.extensions["mockserver.replays"]) == 1  # only the plain read


def test_an_encoded_session_parameter_keeps_its_own_state(app):
    client = app.test_client()
    key = {"embed-api-key": DEMO_KEY}
    assert client.delete(f"{READ}?%5F%5Fsession=s9", headers=key).status_code == 200
    assert client.get(f"{READ}?__session=s9", headers=key).status_code == 404
    assert client.get(READ, headers=key).status_code == 200
