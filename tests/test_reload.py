"""Hot reload: an edit that validates is served; one that doesn't keeps the old data, says why."""

from __future__ import annotations

import logging
import os
import shutil
import time
from pathlib import Path

import pytest
import requests
import yaml
from conftest import DEMO_KEY, PAGE_ACCOUNT_ID
from stub_process import running_stub

from mockserver import create_app, resources
from mockserver.cli import serve_config, serve_parser

HEADERS = {"embed-api-key": DEMO_KEY}


@pytest.fixture
def fixtures(tmp_path: Path) -> Path:
    """A private copy of the shipped fixtures that a test may edit."""
    target = tmp_path / "fixtures"
    shutil.copytree(resources.fixtures_dir(), target)
    return target


def _write(path: Path, text: str) -> None:
    """Write, then move the mtime on a whole second: file clocks can be coarser than a test."""
    before = path.stat().st_mtime_ns if path.exists() else time.time_ns()
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before + 1_000_000_000, before + 1_000_000_000))


def _rename_first_account(path: Path, name: str) -> None:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    document["workspaces"]["pn-demo-key"]["socialAccounts"]["linkedin"][0]["accountName"] = name
    _write(path, yaml.safe_dump(document, sort_keys=False))


def _first_name(client) -> str:
    body = client.get("/social-account", headers=HEADERS).get_json()
    return body["data"]["socialAccounts"]["linkedin"][0]["accountName"]


def _stub(fixtures: Path, scenario: str = "default", **config):
    app = create_app({"TESTING": True, "FIXTURES_DIR": str(fixtures), "SCENARIO": scenario,
                      **config})
    return app.extensions["mockserver.reloader"], app.test_client()


def test_nothing_changed_nothing_reloaded(fixtures):
    reloader, client = _stub(fixtures)
    store = reloader.store
    before = store.snapshot
    assert reloader.reload_if_changed() is False
    assert store.snapshot is before


def test_a_valid_edit_is_served_from_its_seed(fixtures):
    reloader, client = _stub(fixtures)
    assert client.delete(f"/social-account/{PAGE_ACCOUNT_ID}", headers=HEADERS).status_code == 200
    _rename_first_account(fixtures / "default.yaml", "Renamed on disk")
    assert reloader.reload_if_changed() is True
    assert _first_name(client) == "Renamed on disk"
    assert reloader.reload_if_changed() is False  # once per edit


def test_an_invalid_edit_keeps_the_old_data_and_logs_why_once(fixtures, caplog):
    reloader, client = _stub(fixtures)
    path = fixtures / "default.yaml"
    good = path.read_text(encoding="utf-8")
    _write(path, good.replace("accountName: PostNitro\n", "accountName: 42\n", 1))
    before = reloader.store.snapshot
    with caplog.at_level(logging.WARNING, logger="mockserver"):
        assert reloader.reload_if_changed() is False
        assert reloader.reload_if_changed() is False
    assert reloader.store.snapshot is before
    assert _first_name(client) == "PostNitro"
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1, warnings
    assert "kept scenario 'default' as it was" in warnings[0]
    assert (f"{path}: workspaces.pn-demo-key.socialAccounts.linkedin[0].accountName: "
            "42 is not of type 'string'") in warnings[0]
    # Fixed again, it reloads.
    _write(path, good.replace("accountName: PostNitro\n", "accountName: Fixed\n", 1))
    assert reloader.reload_if_changed() is True
    assert _first_name(client) == "Fixed"


@pytest.mark.parametrize(("breakage", "reason"), [
    (lambda path: _write(path, "description: [\n"), "not valid YAML"),
    (lambda path: path.unlink(), "cannot read the file"),
], ids=["not YAML", "deleted"])
def test_a_broken_or_vanished_file_keeps_the_old_data(fixtures, caplog, breakage, reason):
    reloader, client = _stub(fixtures)
    breakage(fixtures / "default.yaml")
    with caplog.at_level(logging.WARNING, logger="mockserver"):
        assert reloader.reload_if_changed() is False
    assert reason in caplog.text
    assert _first_name(client) == "PostNitro"


def test_editing_the_scenario_a_file_extends_reloads_it(fixtures):
    reloader, client = _stub(fixtures, "delete-fails")
    _rename_first_account(fixtures / "default.yaml", "From the parent")
    assert reloader.reload_if_changed() is True
    assert _first_name(client) == "From the parent"
    assert client.delete(f"/social-account/{PAGE_ACCOUNT_ID}", headers=HEADERS).status_code == 400


def test_a_posted_scenario_reloads_when_what_it_extends_changes(fixtures):
    reloader, client = _stub(fixtures)
    client.post("/__admin/scenario", data="description: posted\nextends: default\n",
                content_type="application/yaml")
    _rename_first_account(fixtures / "default.yaml", "Under a posted one")
    assert reloader.reload_if_changed() is True
    assert reloader.store.scenario.name == "posted"
    assert _first_name(client) == "Under a posted one"


def test_a_reload_never_undoes_a_switch_made_meanwhile(fixtures):
    reloader, client = _stub(fixtures)
    store, loader = reloader.store, reloader.scenarios
    stale = store.scenario
    store.load(loader.load("empty-workspace"))
    assert store.replace(stale, loader.reload(stale)) is False
    assert store.scenario.name == "empty-workspace"


def test_the_polling_thread_reloads_by_itself(fixtures):
    reloader, client = _stub(fixtures, RELOAD=True, RELOAD_INTERVAL=0.02)
    try:
        assert reloader.running
        assert client.get("/__admin/health").get_json()["hotReload"] is True
        _rename_first_account(fixtures / "default.yaml", "Seen by the thread")
        deadline = time.monotonic() + 10  # generous: only a broken poller takes this long
        while _first_name(client) != "Seen by the thread" and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _first_name(client) == "Seen by the thread"
    finally:
        reloader.stop()
    assert not reloader.running


@pytest.mark.parametrize(("args", "reload"), [([], True), (["--no-reload"], False)])
def test_cli_reload_flag(args, reload):
    assert serve_config(serve_parser().parse_args(args))["RELOAD"] is reload


def test_the_cli_reloads_by_default(tmp_path):
    scenario = tmp_path / "mine.yaml"
    _write(scenario, "description: before\n")
    with running_stub(["--scenario", str(scenario)]) as url:
        assert requests.get(f"{url}/__admin/health", timeout=10).json()["hotReload"] is True
        _write(scenario, "description: after\n")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            active = requests.get(f"{url}/__admin/scenarios", timeout=10).json()["active"]
            if active["description"] == "after":
                break
            time.sleep(0.05)
    assert active["description"] == "after"
