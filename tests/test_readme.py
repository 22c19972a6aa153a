"""Every command the README shows is run here, and its output compared with what it shows."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import socket
import subprocess
from pathlib import Path

import pytest
import requests
from stub_process import running_stub

from mockserver import resources
from mockserver.spec import Spec

README = Path(__file__).resolve().parents[1] / "README.md"
TEXT = README.read_text()
STUB = "http://127.0.0.1:4010"


def _blocks(text: str) -> list[tuple[str, str]]:
    """The fenced code blocks of the README, in order, as (language, content)."""
    return [
        (lang, body.strip())
        for lang, body in re.findall(r"^```(\w*)\n(.*?)^```", text, re.M | re.S)
    ]


def _marked(marker: str) -> str:
    match = re.search(rf"<!-- {marker} -->\n```sh\n(.+)\n```", TEXT)
    assert match, f"README has no command after <!-- {marker} -->"
    return match.group(1)


def marked_block(marker: str) -> list[str]:
    """The lines of the sh block after `<!-- marker -->`."""
    match = re.search(rf"<!-- {marker} -->\n```sh\n(.+?)\n```", TEXT, re.S)
    assert match, f"README has no sh block after <!-- {marker} -->"
    return match.group(1).splitlines()


BLOCKS = _blocks(TEXT)
# tests/test_record_readme.py runs these, in order, against a service built another way.
RECORD_AND_DRIFT = [*marked_block("record-commands"), *marked_block("drift-commands")]
CURLS = [
    (command, output)
    for (lang, command), (out_lang, output) in zip(BLOCKS, BLOCKS[1:], strict=False)
    if lang == "sh" and command.startswith("curl ") and out_lang == "json"
]


def test_readme_shows_curl_for_every_page_answer():
    # Every documented example's message, and both list shapes, appear in a curl example's output.
    shown = "\n".join(output for _, output in CURLS)
    spec = Spec.load(resources.spec_path())
    messages = {value["message"] for op in spec.operations.values()
                for _status, value in op.examples.values() if "message" in value}
    assert len(messages) >= 12
    for message in messages:
        assert json.dumps(message) in shown, message
    assert '"socialAccounts":{"linkedin":[],"instagram":[],"tiktok":[],"threads":[]}' in shown
    assert '"accountHandle":"postnitroai-co"' in shown


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_every_curl_example_prints_what_the_readme_shows():
    assert len(CURLS) >= 10
    with running_stub() as url:
        for command, expected in CURLS:
            argv = [part.replace(STUB, url) for part in shlex.split(command)]
            result = subprocess.run(argv, capture_output=True, text=True, timeout=30)
            assert result.stdout.strip() == expected, command


def test_ci_runs_the_readmes_test_command():
    ci = (README.parent / ".ci" / "run").read_text()
    assert "<!-- test-command -->" in ci
    assert _marked("test-command") == "pip install -e '.[test]' && pytest"


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def test_run_command_serves_the_default_scenario_on_4010():
    command = _marked("run-command")
    assert command == "pip install -e . && mockserver"
    # The install half is what .ci/run does; run the second half exactly as written.
    program = shutil.which(command.split("&&")[1].strip())
    assert program, "the `mockserver` console script is not installed"
    if not _port_free(4010):
        if os.environ.get("CI"):
            pytest.fail("port 4010 is taken on the CI machine")
        pytest.skip("port 4010 is taken here (a stub is already running?)")
    with running_stub(command=[program]) as url:
        assert url == STUB
        answer = requests.get(
            f"{url}/social-account", headers={"embed-api-key": "pn-demo-key"}, timeout=10
        )
        assert answer.status_code == 200


def _shell_lines() -> list[str]:
    return [
        line for lang, body in BLOCKS if lang == "sh" for line in body.splitlines() if line.strip()
    ]


def test_every_shell_command_in_the_readme_is_run_by_a_test():
    run_elsewhere = {
        _marked("run-command"),
        _marked("test-command"),  # above and by .ci/run
        _marked("contract-command"),  # tests/test_contract_plugin.py
        *MOCKSERVER_COMMANDS,  # below
        *RECORD_AND_DRIFT,
    }
    curls = {command for command, _ in CURLS}
    untested = [
        line
        for line in _shell_lines()
        if line not in curls
        and line not in run_elsewhere
        and not line.startswith("python bench/run.py")
    ]  # tests/test_bench.py
    assert untested == []


MOCKSERVER_COMMANDS = [
    line
    for line in _shell_lines()
    if line.startswith("mockserver ") and line != "mockserver" and line not in RECORD_AND_DRIFT
]


@pytest.mark.parametrize("command", MOCKSERVER_COMMANDS)
def test_mockserver_commands_in_the_readme(command):
    argv = shlex.split(command)
    program = shutil.which(argv[0])
    assert program, "the `mockserver` console script is not installed"
    if argv[1] == "check":
        result = subprocess.run(
            [program, *argv[1:]], cwd=README.parent, capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "0 invalid" in result.stderr
        return
    # A serving command: run it on a free port from the repository's folder, and ask it.
    with running_stub(command=[program, *argv[1:], "--port", "0"], cwd=README.parent) as url:
        answer = requests.get(
            f"{url}/social-account", headers={"embed-api-key": "pn-demo-key"}, timeout=10
        )
        assert answer.status_code == 200
        scenario = requests.get(f"{url}/__admin/health", timeout=10).json()["scenario"]
        assert scenario == Path(argv[-1]).stem
