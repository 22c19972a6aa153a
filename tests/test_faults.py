"""Scenario faults: a documented status instead, added latency, malformed/truncated/empty bodies."""

from __future__ import annotations

import json
import time

import pytest
from conftest import DEMO_KEY, PAGE_ACCOUNT_ID

from mockserver import ScenarioError, create_app
from mockserver import routing as routing_module
from mockserver.faults import FAULT_HEADER, Fault, break_body, plan

HEADERS = {"embed-api-key": DEMO_KEY}
OPERATION_IDS = ("listSocialAccounts", "getSocialAccount", "deleteSocialAccount")


def _client(tmp_path, faults: str, extends: str = "default"):
    scenario = tmp_path / "faulty.yaml"
    scenario.write_text(f"description: faults under test\nextends: {extends}\nfaults:\n{faults}")
    return create_app({"TESTING": True, "SCENARIO": str(scenario)}).test_client()


def test_plan_merges_field_by_field_and_a_named_entry_beats_the_wildcard():
    faults = [
        {"operation": "deleteSocialAccount", "status": 400},
        {"operation": "*", "latencyMs": 20, "status": 500},
        {"operation": "getSocialAccount", "body": "empty"},
    ]
    assert plan(faults, OPERATION_IDS) == {
        "listSocialAccounts": Fault(status=500, latency_s=0.02),
        "getSocialAccount": Fault(status=500, latency_s=0.02, body="empty"),
        "deleteSocialAccount": Fault(status=400, latency_s=0.02),
    }
    assert plan([], OPERATION_IDS) == {}


@pytest.mark.parametrize("body", [b'{"success":true,"data":{"socialAccounts":{}}}', b"{}", b"x"])
@pytest.mark.parametrize("how", ["malformed", "truncated"])
def test_broken_bodies_never_parse(body, how):
    broken = break_body(body, how)
    assert broken != body
    with pytest.raises(ValueError):
        json.loads(broken)


def test_truncated_is_a_prefix_and_empty_is_nothing():
    body = b'{"success":false,"message":"Social account not found"}'
    assert body.startswith(break_body(body, "truncated"))
    assert 0 < len(break_body(body, "truncated")) < len(body)
    assert break_body(body, "empty") == b""


def test_status_fault_answers_the_documented_body_for_that_status(tmp_path):
    client = _client(tmp_path, "  - {operation: getSocialAccount, status: 404}\n")
    response = client.get(f"/social-account/{PAGE_ACCOUNT_ID}", headers=HEADERS)
    assert response.status_code == 404
    assert response.get_json() == {"success": False, "message": "Social account not found"}
    # A documented answer: not marked, so the TESTING self-check validated it.
    assert FAULT_HEADER not in response.headers
    assert client.get("/social-account", headers=HEADERS).status_code == 200  # others untouched


@pytest.mark.parametrize("how", ["malformed", "truncated", "empty"])
def test_body_faults_break_the_normal_answer_and_say_so(tmp_path, how):
    client = _client(tmp_path, f"  - {{operation: listSocialAccounts, body: {how}}}\n")
    normal = create_app({"TESTING": True}).test_client().get("/social-account", headers=HEADERS)
    response = client.get("/social-account", headers=HEADERS)
    assert response.status_code == 200
    assert response.headers[FAULT_HEADER] == how
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.data == break_body(normal.data, how)
    assert int(response.headers["Content-Length"]) == len(response.data)


def test_status_and_body_combine(tmp_path):
    client = _client(tmp_path, "  - {operation: '*', status: 500, body: truncated}\n")
    response = client.delete(f"/social-account/{PAGE_ACCOUNT_ID}", headers=HEADERS)
    assert response.status_code == 500
    assert b'{"success":false,"message":"Error deleting Social Account"'.startswith(response.data)


def test_a_body_fault_alone_still_runs_the_handler(tmp_path):
    client = _client(tmp_path, "  - {operation: deleteSocialAccount, body: empty}\n")
    assert client.delete(f"/social-account/{PAGE_ACCOUNT_ID}", headers=HEADERS).data == b""
    # The delete happened; only its answer was lost, as when a connection drops.
    assert client.get(f"/social-account/{PAGE_ACCOUNT_ID}", headers=HEADERS).status_code == 404


def test_faults_apply_after_auth(tmp_path):
    client = _client(tmp_path, "  - {operation: '*', status: 500}\n")
    assert client.get("/social-account").status_code == 401
    unpaid = {"embed-api-key": "pn-unpaid-key"}
    assert client.get("/social-account", headers=unpaid).status_code == 402
    assert client.get("/social-account", headers=HEADERS).status_code == 500


def test_latency_is_added_to_every_answer_including_refusals(tmp_path, monkeypatch):
    slept: list[float] = []
    monkeypatch.setattr(routing_module.time, "sleep", slept.append)
    client = _client(tmp_path, "  - {operation: '*', latencyMs: 1500}\n"
                               "  - {operation: listSocialAccounts, latencyMs: 250}\n")
    assert client.get("/social-account", headers=HEADERS).status_code == 200
    assert client.get("/social-account/x").status_code == 401
    assert client.get("/social-account/x?__code=500", headers=HEADERS).status_code == 500
    assert slept == [0.25, 1.5, 1.5]


def test_latency_really_waits(tmp_path):
    client = _client(tmp_path, "  - {operation: listSocialAccounts, latencyMs: 60}\n")
    started = time.perf_counter()
    assert client.get("/social-account", headers=HEADERS).status_code == 200
    assert time.perf_counter() - started >= 0.06


@pytest.mark.parametrize(("fault", "path", "reason"), [
    ("{operation: deleteSocialAccount, status: 503}", "faults[0].status",
     "DELETE /social-account/{id} does not document status 503"),
    ("{operation: '*', status: 400}", "faults[0].status",
     "GET /social-account does not document status 400"),
    ("{operation: renameSocialAccount, status: 500}", "faults[0].operation", "is not one of"),
    ("{operation: '*', latencyMs: -1}", "faults[0].latencyMs", "less than the minimum of 0"),
    ("{operation: '*', body: garbled}", "faults[0].body", "'garbled' is not one of"),
    ("{operation: '*'}", "faults[0]", "is not valid under any of the given schemas"),
])
def test_a_scenario_can_never_ask_for_what_the_document_does_not_list(tmp_path, fault, path,
                                                                     reason):
    with pytest.raises(ScenarioError) as caught:
        _client(tmp_path, f"  - {fault}\n")
    assert f"faulty.yaml: {path}: " in str(caught.value)
    assert reason in str(caught.value)
