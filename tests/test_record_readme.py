"""The README's record and drift commands and its CI job, against a service built another way."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
from collections import Counter

import requests
import yaml
from contract_servers.app import API_KEY, EMPTY_KEY, UNPAID_KEY
from contract_servers.serve import serving
from contract_servers.suite import ENVIRONMENT, clean_environment, run_suite
from record_servers import WorkspaceServer
from stub_process import running_stub
from test_readme import RECORD_AND_DRIFT, TEXT

pytest_plugins = ["pytester"]
REAL = "https://embed-api.postnitro.ai"
SECRETS = {"EMBED_API_KEY": API_KEY, "EMBED_EMPTY_API_KEY": EMPTY_KEY,
           "EMBED_UNQUALIFIED_API_KEY": UNPAID_KEY}


def _environment(**extra: str) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items()
                   if k not in ENVIRONMENT and k != "CONTRACT_RATE"}
    return {**environment, "COLUMNS": "120", **extra}


def test_the_readmes_record_and_drift_commands(tmp_path):
    program = shutil.which("mockserver")
    assert program, "the `mockserver` console script is not installed"
    assert [line.split()[1] for line in RECORD_AND_DRIFT] == [
        "record", "check", "--scenario", "drift", "drift"]
    with serving(WorkspaceServer(12)) as server:
        environment = _environment(EMBED_API_KEY=API_KEY)
        printed = ""
        for line in RECORD_AND_DRIFT:
            argv = [part.replace(REAL, server.url) for part in shlex.split(line)]
            if argv[1] == "--scenario":  # serve the recording, and ask it with its printed key
                key = re.search(r"--api-key +(\S+)", printed).group(1)
                with running_stub(command=[program, *argv[1:], "--port", "0"],
                                  cwd=tmp_path) as url:
                    listed = requests.get(f"{url}/social-account", headers={"embed-api-key": key},
                                          timeout=10).json()["data"]["socialAccounts"]
                assert {p: len(a) for p, a in listed.items()} == dict(
                    Counter(a["platformType"] for a in server.accounts))
                continue
            result = subprocess.run([program, *argv[1:]], cwd=tmp_path, env=environment,
                                    capture_output=True, text=True, timeout=120)
            assert result.returncode == 0, line + "\n" + result.stdout + result.stderr
            printed += result.stdout
            assert API_KEY not in result.stdout + result.stderr
        assert Counter(method for method, _ in server.requests) == {"GET": len(server.requests)}
    assert "recorded 12 accounts" in printed and "0 of 6 situations differ" in printed
    assert json.loads((tmp_path / "drift.json").read_text())["same"] is True
    assert '<testsuite name="mockserver drift" tests="6" failures="0"' in (
        tmp_path / "drift.xml").read_text()


def _ci_job() -> dict:
    match = re.search(r"<!-- drift-ci -->\n```yaml\n(.+?)\n```", TEXT, re.S)
    assert match, "README has no yaml block after <!-- drift-ci -->"
    return yaml.safe_load(match.group(1))["jobs"]["contract"]


def _job_environment(job: dict, url: str) -> dict[str, str]:
    out = {}
    for name, value in job["env"].items():
        value = str(value).replace(REAL, url)
        secret = re.fullmatch(r"\$\{\{ secrets\.(\w+) \}\}", value)
        out[name] = SECRETS[secret.group(1)] if secret else value
    return out


def test_the_ci_job_runs_drift_beside_the_contract_suite(tmp_path, pytester, monkeypatch):
    job = _ci_job()
    steps = [step for step in job["steps"] if "run" in step]
    assert [step["run"] for step in steps] == [
        "pip install -e '.[contract]'",  # what .ci/run's install does, with the suite's extra
        "pytest contract_tests --junitxml=contract.xml",
        "mockserver drift --json drift.json --junitxml drift.xml",
    ]
    assert steps[2]["if"] == "always()"
    clean_environment(monkeypatch)
    with serving(WorkspaceServer(8)) as server:
        environment = _job_environment(job, server.url)
        assert environment["CONTRACT_RATE"] == "5"
        drift = shlex.split(steps[2]["run"])
        result = subprocess.run([shutil.which(drift[0]), *drift[1:]], cwd=tmp_path,
                                env=_environment(**environment), capture_output=True, text=True,
                                timeout=120)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "0 of 8 situations differ" in result.stdout
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        suite = shlex.split(steps[1]["run"])
        assert suite[:2] == ["pytest", "contract_tests"]
        outcome = run_suite(pytester, *suite[2:])
    assert outcome.ret == 0, outcome.output
    assert outcome.failures == {} and outcome.passed >= 18
    # The job gives no --delete-account-id: only the delete checks are skipped.
    assert all("needs --delete-account-id" in reason for reason in outcome.skipped.values())
    assert (pytester.path / "contract.xml").is_file()
    report = json.loads((tmp_path / "drift.json").read_text())
    assert report["same"] is True and len(report["situations"]) == 8
    assert (tmp_path / "drift.xml").is_file()
