"""The shipped scenarios: each loads by name, CLI flag and admin API, and does what it says."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from conftest import DEMO_KEY, OTHER_ACCOUNT_ID, PAGE_ACCOUNT_ID
from stub_process import running_stub

from mockserver import create_app, resources
from mockserver import routing as routing_module
from mockserver.cli import serve_config, serve_parser

FIXTURES = resources.fixtures_dir()
SCENARIOS = ("default", "empty-workspace", "expired-tokens", "many-accounts", "delete-fails",
             "server-errors", "slow")
SCHEMA_HEADER = "# yaml-language-server: $schema=scenario.schema.json\n"
REFUSED_KEYS = ("pn-unpaid-key", "pn-noworkspace-key", "pn-noorg-key", "pn-unknown-key", None)


def _client(scenario: str):
    return create_app({"TESTING": True, "SCENARIO": scenario}).test_client()


def _get(client, path: str, key: str | None = DEMO_KEY, method: str = "GET"):
    return client.open(path, method=method, headers={"embed-api-key": key} if key else {})


def _paid_keys(client) -> list[str]:
    store = client.application.extensions["mockserver"].store
    return [k for k, ws in store.snapshot.workspaces.items() if ws.access == "paid"]


def _accounts(client, key: str) -> list[dict]:
    grouped = _get(client, "/social-account", key).get_json()["data"]["socialAccounts"]
    return [account for accounts in grouped.values() for account in accounts]


def _refusals(client) -> list[tuple[int, bytes]]:
    answers = (_get(client, "/social-account", key) for key in REFUSED_KEYS)
    return [(r.status_code, r.data) for r in answers]


def test_the_shipped_scenarios_are_all_there():
    names = sorted(p.stem for p in FIXTURES.glob("*.yaml"))
    assert names == sorted(SCENARIOS)


@pytest.mark.parametrize("name", SCENARIOS)
def test_each_scenario_file_names_the_schema_for_editors(name):
    text = (FIXTURES / f"{name}.yaml").read_text(encoding="utf-8")
    assert text.startswith(SCHEMA_HEADER)


def test_the_committed_schema_is_the_generated_one():
    generated = subprocess.run([sys.executable, "-m", "mockserver", "schema"], capture_output=True,
                               text=True, check=True).stdout
    assert (FIXTURES / "scenario.schema.json").read_text(encoding="utf-8") == generated
    assert json.loads(generated)["properties"]["faults"]["items"] == {"$ref": "#/$defs/Fault"}


def test_many_accounts_yaml_is_what_its_script_writes():
    spec = importlib.util.spec_from_file_location("make_many_accounts",
                                                  FIXTURES / "make_many_accounts.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (FIXTURES / "many-accounts.yaml").read_text(encoding="utf-8") == module.text()


@pytest.mark.parametrize("name", SCENARIOS)
def test_each_scenario_loads_by_name_and_by_admin_api_alike(client, name):
    direct = create_app({"TESTING": True, "SCENARIO": name})
    scenario = direct.extensions["mockserver"].store.scenario
    assert scenario.name == name
    assert scenario.description and "\n" not in scenario.description
    switched = client.post("/__admin/scenario", json={"name": name})
    assert switched.status_code == 200
    assert switched.get_json()["active"]["description"] == scenario.description
    assert client.get("/__admin/health").get_json()["scenario"] == name
    if name != "slow":  # the same data either way (slow is compared below, without waiting)
        assert _get(client, "/social-account", "pn-empty-key").data == \
            _get(direct.test_client(), "/social-account", "pn-empty-key").data


def test_a_scenario_loads_by_cli_flag():
    with running_stub(["--scenario", "empty-workspace", "--no-reload"]) as url:
        response = requests.get(f"{url}/social-account", headers={"embed-api-key": DEMO_KEY},
                                timeout=10)
        health = requests.get(f"{url}/__admin/health", timeout=10).json()
    assert response.json()["data"]["socialAccounts"]["linkedin"] == []
    assert health == {"status": "ok", "scenario": "empty-workspace", "hotReload": False}


@pytest.mark.parametrize("value", ["slow", str(FIXTURES / "slow.yaml")])
def test_the_cli_flag_takes_a_name_or_a_file(value):
    config = serve_config(serve_parser().parse_args(["--scenario", value]))
    assert create_app({**config, "TESTING": True, "RELOAD": False}).extensions[
        "mockserver"].store.scenario.name == "slow"


def test_empty_workspace_empties_every_workspace_and_keeps_the_refusals():
    client, default = _client("empty-workspace"), _client("default")
    assert _paid_keys(client) == _paid_keys(default)
    for key in _paid_keys(client):
        body = _get(client, "/social-account", key).get_json()
        assert body == {"success": True, "data": {"socialAccounts": {
            "linkedin": [], "instagram": [], "tiktok": [], "threads": []}}}
    assert _get(client, f"/social-account/{PAGE_ACCOUNT_ID}").status_code == 404
    assert _refusals(client) == _refusals(default)


def test_expired_tokens_has_the_same_accounts_all_expired():
    client, default = _client("expired-tokens"), _client("default")
    for key in _paid_keys(default):
        accounts, seed = _accounts(client, key), _accounts(default, key)
        assert [a["id"] for a in accounts] == [a["id"] for a in seed]
        for account in accounts:
            assert account["accessTokenStatus"] == "expired"
            full = _get(client, f"/social-account/{account['id']}", key).get_json()
            social = full["data"]["socialAccount"]
            assert social["tokenExpiresAt"] <= social["updatedAt"]  # expired when last touched
    assert sum(len(_accounts(client, k)) for k in _paid_keys(client)) >= 5
    assert _refusals(client) == _refusals(default)


def test_many_accounts_fills_every_platform_with_hundreds():
    client = _client("many-accounts")
    grouped = _get(client, "/social-account").get_json()["data"]["socialAccounts"]
    assert sum(len(accounts) for accounts in grouped.values()) >= 300
    assert all(len(accounts) >= 25 for accounts in grouped.values())
    ids = [a["id"] for accounts in grouped.values() for a in accounts]
    assert len(set(ids)) == len(ids)
    statuses = {a["accessTokenStatus"] for accounts in grouped.values() for a in accounts}
    assert statuses == {"active", "expired"}
    for account_id in ids[::50]:
        assert _get(client, f"/social-account/{account_id}").status_code == 200
    # The other keys are default's.
    assert _get(client, f"/social-account/{OTHER_ACCOUNT_ID}", "pn-other-key").status_code == 200


def test_delete_fails_answers_the_documented_400_and_deletes_nothing():
    client = _client("delete-fails")
    response = _get(client, f"/social-account/{PAGE_ACCOUNT_ID}", method="DELETE")
    assert response.status_code == 400
    assert response.get_json() == {"success": False, "message": "Failed to delete social account"}
    assert _get(client, f"/social-account/{PAGE_ACCOUNT_ID}").status_code == 200
    assert _get(client, "/social-account").get_json() == \
        _get(_client("default"), "/social-account").get_json()


@pytest.mark.parametrize(("method", "path", "message"), [
    ("GET", "/social-account", "Error fetching Social Accounts"),
    ("GET", f"/social-account/{PAGE_ACCOUNT_ID}", "Error fetching Social Account"),
    ("DELETE", f"/social-account/{PAGE_ACCOUNT_ID}", "Error deleting Social Account"),
])
def test_server_errors_answers_each_operations_documented_500(method, path, message):
    client = _client("server-errors")
    response = _get(client, path, method=method)
    assert response.status_code == 500
    assert response.get_json() == {"success": False, "message": message,
                                   "error": "Database connection lost"}
    assert _get(client, path, key=None, method=method).status_code == 401  # auth still first


def test_slow_adds_latency_to_every_operation_and_changes_nothing_else(monkeypatch):
    slept: list[float] = []
    monkeypatch.setattr(routing_module.time, "sleep", slept.append)
    client, default = _client("slow"), _client("default")
    for method, path in (("GET", "/social-account"), ("GET", f"/social-account/{PAGE_ACCOUNT_ID}"),
                         ("DELETE", f"/social-account/{PAGE_ACCOUNT_ID}")):
        slow, normal = _get(client, path, method=method), _get(default, path, method=method)
        assert (slow.status_code, slow.data) == (normal.status_code, normal.data)
    assert len(slept) == 3 and all(seconds >= 0.3 for seconds in slept)


def test_extends_resolves_next_to_the_file_before_the_fixtures_folder(tmp_path: Path):
    (tmp_path / "base.yaml").write_text(
        "description: base\nworkspaces:\n  k: {organizationId: o, workspaceId: w}\n")
    (tmp_path / "child.yaml").write_text("description: child\nextends: base\n")
    (tmp_path / "grandchild.yaml").write_text("description: child of a shipped one\n"
                                              "extends: delete-fails\n")
    assert list(_client(str(tmp_path / "child.yaml")).application.extensions[
        "mockserver"].store.scenario.workspaces) == ["k"]
    client = _client(str(tmp_path / "grandchild.yaml"))
    assert _get(client, f"/social-account/{PAGE_ACCOUNT_ID}", method="DELETE").status_code == 400
