"""Scenario files are parsed by their kind: `.json` as JSON, the rest as YAML, both safely."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mockserver import ScenarioError, create_app, parsing, resources
from mockserver.parsing import parse_document
from mockserver.scenarios import ScenarioLoader
from mockserver.spec import Spec

SPEC = Spec.load(resources.spec_path())
DEFAULT_YAML = resources.fixtures_dir() / "default.yaml"


@pytest.fixture
def loader(tmp_path: Path) -> ScenarioLoader:
    """A loader over an empty folder (files name `extends` parents by path-free names)."""
    return ScenarioLoader(SPEC, tmp_path)


def test_a_json_scenario_loads_like_the_same_yaml(loader, tmp_path):
    document = yaml.safe_load(DEFAULT_YAML.read_text(encoding="utf-8"))
    as_json = tmp_path / "copy.json"
    as_json.write_text(json.dumps(document, indent=1), encoding="utf-8")
    from_json, from_yaml = loader.load(as_json), loader.load(DEFAULT_YAML)
    assert from_json.workspaces == from_yaml.workspaces
    assert from_json.description == from_yaml.description
    assert from_json.name == "copy"


@pytest.mark.parametrize(("text", "line", "reason"), [
    ('{"description": "x",\n "workspaces": {}\n "faults": []}', 3, "Expecting ',' delimiter"),
    ('{"description": "x"}\n{}', 2, "Extra data"),
    ("", 1, "Expecting value"),
], ids=["missing comma", "two documents", "empty"])
def test_a_json_syntax_error_names_the_file_and_line(loader, tmp_path, text, line, reason):
    path = tmp_path / "broken.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        loader.load(path)
    assert str(caught.value) == f"{path}: line {line}: not valid JSON ({reason})"


@pytest.mark.parametrize(("raw", "expected"), [
    (b'{"description": "x", "faults": [{"operation": "*", "latencyMs": NaN}]}',
     "not valid JSON (NaN is not a JSON number)"),
    (b'{"description": "caf\xe9"}', "not UTF-8 (byte 20)"),
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
], ids=["NaN", "latin-1", "deep"])
def test_json_that_is_not_plain_json_is_one_sentence(loader, tmp_path, raw, expected):
    path = tmp_path / "odd.json"
    path.write_bytes(raw)
    with pytest.raises(ScenarioError) as caught:
        loader.load(path)
    assert str(caught.value) == f"{path}: {expected}"


def test_yaml_anchors_that_expand_little_are_accepted(loader, tmp_path):
    # Anchors are allowed; only an expansion beyond the limit is refused (see the alias bomb).
    text = DEFAULT_YAML.read_text(encoding="utf-8")
    shared = text.replace("          usage:\n            - {status: PENDING, _count: 3}",
                          "          usage: &shared\n            - {status: PENDING, _count: 3}", 1)
    shared = shared.replace("          usage: []", "          usage: *shared", 1)
    assert shared.count("&shared") == 1 and shared.count("*shared") == 1
    path = tmp_path / "anchored.yaml"
    path.write_text(shared, encoding="utf-8")
    tiktok = loader.load(path).workspaces["pn-demo-key"]["socialAccounts"]["tiktok"][0]
    assert tiktok["usage"] == [{"status": "PENDING", "_count": 3},
                               {"status": "PUBLISHED", "_count": 12}]


def test_an_alias_bomb_without_a_suffix_hint_is_still_measured():
    bomb = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    bomb += [f"a{i}: &a{i} [{', '.join(f'*a{i - 1}' for _ in range(10))}]" for i in range(1, 8)]
    with pytest.raises(ScenarioError, match="aliases expand it beyond the size limit"):
        parse_document("\n".join(bomb).encode(), "<posted scenario>")


def test_serving_imports_neither_jsonschema_nor_referencing():
    # The self-check and scenario validation import them when first used, not at import.
    code = ("import sys, mockserver.app, mockserver.validation, mockserver.scenarios; "
            "print(sorted(m for m in ('jsonschema', 'referencing') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_self_check_still_refuses_a_bad_response():
    app = create_app({"TESTING": True})
    from mockserver.validation import response_problem

    spec = app.extensions["mockserver"].spec
    problem = response_problem(spec, "listSocialAccounts", 200, b'{"success": "yes"}')
    assert problem is not None and "breaks the schema" in problem


@pytest.fixture
def repack_small(monkeypatch):
    """Repack every YAML document of 1 KiB or more, so that small files take that path.

    Returns the list of the texts repacked (the JSON texts parsed back).
    """
    monkeypatch.setattr(parsing, "REPACK_BYTES", 1024)
    repacked: list[str] = []
    loads = json.loads

    def spy(text, *args, **kwargs):
        if isinstance(text, str):  # json.dumps' output; files are read as bytes
            repacked.append(text)
        return loads(text, *args, **kwargs)

    monkeypatch.setattr(parsing.json, "loads", spy)
    return repacked


def anchored(text: bytes) -> bytes:
    """The same document with an anchor: only PyYAML's own loader builds it, then repacks it."""
    return text.replace(b"\ndescription: ", b"\ndescription: &d ", 1)


@pytest.mark.parametrize("extra", ["", "notes: {1: one, true: yes}\n", "when: 2026-01-01\n"],
                         ids=["plain", "int and bool keys", "a date"])
def test_a_large_yaml_document_is_repacked_to_exactly_the_parsed_values(repack_small, extra):
    text = anchored(DEFAULT_YAML.read_bytes() + extra.encode())
    expected = yaml.load(text, Loader=yaml.CSafeLoader)
    # repr, not ==: it also tells 1 from "1" and True, and a date from a string.
    assert repr(parse_document(text, "big.yaml")) == repr(expected)
    assert len(repack_small) == (0 if "2026" in extra else 1)  # a date is not JSON


def test_a_document_without_anchors_or_tags_is_not_repacked(repack_small):
    # Built from libyaml's events, it holds no freed nodes: repacking would only cost time.
    assert parse_document(DEFAULT_YAML.read_bytes(), "big.yaml")["workspaces"]
    assert repack_small == []


def test_a_repacked_scenario_loads_and_serves(repack_small, tmp_path):
    path = tmp_path / "copy.yaml"
    path.write_bytes(anchored(DEFAULT_YAML.read_bytes()))
    client = create_app({"TESTING": True, "SCENARIO": str(path)}).test_client()
    listed = client.get("/social-account", headers={"embed-api-key": "pn-demo-key"}).json
    assert [a["accountName"] for a in listed["data"]["socialAccounts"]["linkedin"]] == [
        "PostNitro", "Ada Lovelace"]
    assert len(repack_small) == 1


@pytest.mark.parametrize(("text", "reason"), [
    ("description: x\nextends: 2026-13-01\n", "month must be in 1..12"),
    ("description: 2026-02-30\n", "day is out of range for month"),
    ("description: x\nworkspaces: {k: {organizationId: 2026-01-01T25:00:00Z}}\n",
     "hour must be in 0..23"),
])
def test_a_date_that_does_not_exist_is_one_sentence(tmp_path, text, reason):
    path = tmp_path / "bad-date.yaml"
    path.write_text(text, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "mockserver", "check", str(path)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1
    assert "Traceback" not in done.stdout + done.stderr
    assert done.stdout == f"{path}: not valid YAML ({reason})\n"
