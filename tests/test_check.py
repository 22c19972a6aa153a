"""`mockserver check [PATH ...]`: lints scenario files, a `file: path: reason` line per problem."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mockserver import resources
from mockserver.cli import main

SHIPPED = sorted(p for p in resources.fixtures_dir().glob("*.yaml"))


def _check(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mockserver", "check", *args], capture_output=True,
                          text=True, timeout=60)


def test_the_shipped_fixtures_pass():
    result = _check()
    assert result.returncode == 0, result.stdout
    assert result.stdout == ""
    assert result.stderr == f"{len(SHIPPED)} scenario file(s) checked, 0 invalid\n"


def test_each_problem_is_one_line_and_the_exit_status_is_1(tmp_path: Path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("description: bad\n"
                   "workspaces:\n  k: {organizationId: 1, workspaceId: w, plan: x}\n"
                   "faults:\n  - {operation: deleteSocialAccount, status: 204}\n")
    also_bad = tmp_path / "also-bad.yaml"
    also_bad.write_text("description: [\n")
    good = tmp_path / "good.yaml"
    good.write_text("description: fine\nextends: default\n")
    assert main(["check", str(bad), str(good), str(also_bad)]) == 1
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[:2] == [
        f"{bad}: workspaces.k: Additional properties are not allowed ('plan' was unexpected)",
        f"{bad}: workspaces.k.organizationId: 1 is not of type 'string'",
    ]  # the schema's problems first; the document's (the 204) once the schema passes
    assert len(lines) == 3 and lines[2].startswith(f"{also_bad}: line 2: not valid YAML (")
    assert err == "3 scenario file(s) checked, 2 invalid\n"


def test_document_checks_follow_once_the_schema_passes(tmp_path: Path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("description: bad\nfaults:\n  - {operation: deleteSocialAccount, status: 204}\n"
                   "  - {operation: '*', status: 400}\n")
    assert main(["check", str(bad)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{bad}: faults[0].status: DELETE /social-account/{{id}} does not document status 204 "
        "(it documents 200, 400, 401, 402, 404, 422, 500)",
        f"{bad}: faults[1].status: GET /social-account does not document status 400 "
        "(it documents 200, 401, 402, 422, 500)",
        f"{bad}: faults[1].status: GET /social-account/{{id}} does not document status 400 "
        "(it documents 200, 401, 402, 404, 422, 500)",
    ]


def test_a_folder_is_every_scenario_file_in_it(tmp_path: Path, capsys):
    (tmp_path / "a.yaml").write_text("description: a\n")
    (tmp_path / "b.json").write_text('{"description": "b", "extends": "a"}')
    (tmp_path / "c.yml").write_text("description: c\nextends: b\nworkspaces: []\n")
    (tmp_path / "notes.txt").write_text("not a scenario")
    (tmp_path / "scenario.schema.json").write_text("{}")
    assert main(["check", str(tmp_path)]) == 1
    out, err = capsys.readouterr()
    assert out == f"{tmp_path / 'c.yml'}: workspaces: [] is not of type 'object'\n"
    assert err == "3 scenario file(s) checked, 1 invalid\n"


def test_extends_resolves_beside_the_file_then_in_the_fixtures(tmp_path: Path, capsys):
    (tmp_path / "mine.yaml").write_text("description: mine\nextends: server-errors\n")
    (tmp_path / "orphan.yaml").write_text("description: orphan\nextends: nowhere\n")
    assert main(["check", str(tmp_path / "mine.yaml")]) == 0
    assert main(["check", str(tmp_path / "orphan.yaml")]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"{tmp_path / 'orphan.yaml'}: extends: cannot extend 'nowhere': ")


def test_a_missing_path_is_exit_2(tmp_path: Path, capsys):
    assert main(["check", str(tmp_path / "nope.yaml")]) == 2
    assert capsys.readouterr().err == f"{tmp_path / 'nope.yaml'}: no such file or folder\n"


@pytest.mark.parametrize("name", [p.name for p in SHIPPED])
def test_each_shipped_file_passes_on_its_own(name, capsys):
    assert main(["check", str(resources.fixtures_dir() / name)]) == 0
