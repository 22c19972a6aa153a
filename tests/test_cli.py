"""The `mockserver` command: serves what it prints, and refuses bad input in one sentence."""

from __future__ import annotations

import gc
import importlib.metadata
import re
import shutil
import subprocess
import sys

import pytest
import requests
from stub_process import running_stub

from mockserver import cli, resources
from mockserver.cli import DISTRIBUTION, browse_url, main
from mockserver.scenarios import ScenarioLoader
from mockserver.spec import Spec
from mockserver.startup_cache import StartupCache


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mockserver", *args], capture_output=True, text=True, timeout=60
    )


def test_serves_the_default_scenario_and_prints_url_and_keys():
    with running_stub() as url:
        assert url.startswith("http://127.0.0.1:")
        response = requests.get(
            f"{url}/social-account", headers={"embed-api-key": "pn-empty-key"}, timeout=10
        )
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "application/json; charset=utf-8"
        assert response.json()["data"]["socialAccounts"]["linkedin"] == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "abc"], "--port must be a number, not 'abc'"),
        (["--port", "70000"], "--port must be between 0 and 65535"),
        (["--bogus"], "unrecognized arguments: --bogus"),
        (["--threads", "0"], "--threads must be at least 1"),
        (["--fixtures", "/nowhere"], "--fixtures /nowhere: the fixtures folder does not exist"),
        (["--scenario", "nope"], "'nope': no such scenario"),
        (["--scenario", "/nowhere/x.yaml"], "/nowhere/x.yaml: cannot read the file"),
    ],
)
def test_bad_input_is_one_sentence_and_exit_2(args, message):
    result = _run(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("mockserver: error: ") and message in lines[0]
    assert "Traceback" not in result.stderr


def test_invalid_fixture_file_is_one_sentence(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "description: bad\nworkspaces:\n  k: {organizationId: o, workspaceId: w, plan: x}\n"
    )
    result = _run("--scenario", str(bad))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"mockserver: error: {bad}: workspaces.k: Additional properties are not allowed "
        "('plan' was unexpected)"
    )


def test_version_prints_the_installed_version():
    result = _run("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"mockserver {importlib.metadata.version(DISTRIBUTION)}\n"
    assert re.fullmatch(r"mockserver \d+\.\d+\.\d+\S*\n", result.stdout)


@pytest.mark.parametrize(
    ("word", "answer"),
    [
        ("chek", "`chek` is not a command; did you mean `check`?"),
        ("shema", "`shema` is not a command; did you mean `schema`?"),
        ("serve", "`serve` is not a command (the commands are check, schema, record, drift; "
                  "serving takes only flags, see `mockserver --help`)"),
    ],
)
def test_a_mistyped_command_is_one_sentence_with_the_closest_command(capsys, word, answer):
    assert main([word, "fixtures/"]) == 2
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", f"mockserver: error: {answer}\n")


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("127.0.0.1", "http://127.0.0.1:4010"),
        ("0.0.0.0", "http://127.0.0.1:4010"),
        ("::", "http://[::1]:4010"),
        ("::1", "http://[::1]:4010"),
        ("fe80::1%eth0", "http://[fe80::1%eth0]:4010"),
        ("localhost", "http://localhost:4010"),
        ("192.168.1.20", "http://192.168.1.20:4010"),
    ],
)
def test_the_banner_shows_a_url_a_browser_can_open(host, url):
    assert browse_url(host, 4010) == url


def test_broken_scenario_files_besides_the_active_one_are_warned_about_and_marked(tmp_path):
    folder = tmp_path / "fixtures"
    shutil.copytree(resources.fixtures_dir(), folder)
    (folder / "typo.yaml").write_text(
        "description: typo\nworkspaces:\n  k: {organizationId: o, workspaceId: w, plan: x}\n"
    )
    (folder / "unclosed.yaml").write_text("description: [unclosed\n")
    (folder / "slow.yaml").write_text("description: edited\nextends: nowhere\n")
    stub = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "--port", "0", "--fixtures", str(folder),
         "--no-reload"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        banner = [stub.stdout.readline()]
        while banner[-1] and not banner[-1].startswith("scenarios:"):
            banner.append(stub.stdout.readline())
        url = re.search(r" at (http://\S+)$", banner[0]).group(1)
        answer = requests.get(f"{url}/social-account", headers={"embed-api-key": "pn-demo-key"},
                              timeout=10)
    finally:
        stub.terminate()
        _, errors = stub.communicate(timeout=30)
    assert answer.status_code == 200  # the active scenario is served all the same
    assert errors.splitlines() == [
        f"mockserver: warning: {folder / 'slow.yaml'}: extends: cannot extend 'nowhere': "
        f"'nowhere': no such scenario in {folder} (known: default, delete-fails, "
        "empty-workspace, expired-tokens, many-accounts, server-errors, slow, typo, unclosed)",
        f"mockserver: warning: {folder / 'typo.yaml'}: workspaces.k: Additional properties are "
        "not allowed ('plan' was unexpected)",
        f"mockserver: warning: {folder / 'unclosed.yaml'}: line 2: not valid YAML (did not find "
        "expected ',' or ']')",
    ]
    assert banner[-1].startswith(
        "scenarios: default, delete-fails, empty-workspace, expired-tokens, many-accounts, "
        "server-errors, slow (broken, see above), typo (broken, see above), "
        "unclosed (broken, see above) (switch: POST "
    )


def test_a_shipped_file_known_to_load_is_not_read_again(tmp_path):
    # What the start-up check costs: the shipped files are vouched for by the start-up cache.
    spec = Spec.load(resources.spec_path())
    vouched: list[bytes] = []

    def vouches(schema, raw):
        vouched.append(raw)
        return StartupCache().vouches(schema, raw)

    loader = ScenarioLoader(spec, resources.fixtures_dir(), vouched=vouches)
    assert loader.broken(besides=resources.fixtures_dir() / "default.yaml") == []
    assert len(vouched) == len(loader.names()) - 1
    assert all(StartupCache().vouches(loader.schema, raw) for raw in vouched)
    edited = tmp_path / "default.yaml"
    edited.write_bytes((resources.fixtures_dir() / "default.yaml").read_bytes() + b"faults: 1\n")
    problems = ScenarioLoader(spec, tmp_path, vouched=StartupCache().vouches).broken()
    assert [str(p) for p in problems] == [f"{edited}: faults: 1 is not of type 'array'"]


def test_garbage_collection_is_paused_for_start_up_only(monkeypatch, capsys):
    seen = {}

    class Server:
        name, port = "fake engine", 4010

        def run(self):
            seen["collecting while serving"] = gc.isenabled()

    def fake_listen(*_args):
        seen["collecting during start-up"] = gc.isenabled()
        return Server()

    monkeypatch.setattr(cli, "listen", fake_listen)
    assert cli.main(["--no-reload"]) == 0
    assert seen == {"collecting during start-up": False, "collecting while serving": True}
    assert gc.isenabled()
    assert cli.main(["--scenario", "no-such-scenario"]) == 2  # a failed start-up, too
    assert gc.isenabled()
    assert "no-such-scenario" in capsys.readouterr().err
