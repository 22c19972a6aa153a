"""The `mockserver` command: serves what it prints, and refuses bad input in one sentence."""

from __future__ import annotations

import subprocess
import sys

import pytest
import requests
from stub_process import running_stub

from mockserver.cli import main


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


def test_port_in_use_is_one_sentence():
    with running_stub() as url:
        port = url.rsplit(":", 1)[1]
        result = _run("--port", port)
    assert result.returncode == 2
    assert result.stderr.startswith(f"mockserver: error: cannot listen on 127.0.0.1:{port}")


def test_main_returns_2_on_bad_flag(capsys):
    assert main(["--port", "x"]) == 2
    assert "--port must be a number" in capsys.readouterr().err
