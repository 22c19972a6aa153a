"""The shipped prevalidated table: up to date, a hit equals a full load, a miss is fully checked."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mockserver import FixtureError, SpecError, cli, create_app, fixtures, prevalidated, resources
from mockserver import spec as spec_module
from mockserver.fixtures import FixtureLoader
from mockserver.spec import Spec

SPEC = Spec.load(resources.spec_path())
SHIPPED = FixtureLoader(SPEC, resources.fixtures_dir()).names()


def _no_parsing_or_schema(monkeypatch) -> None:
    """From here on, parsing a scenario file or checking it against the schema fails the test."""

    def refuse(*_args, **_kwargs):
        raise AssertionError("a prevalidated file was parsed or schema-checked")

    monkeypatch.setattr(fixtures, "parse_document", refuse)
    monkeypatch.setattr(FixtureLoader, "validator", property(refuse))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A private copy of the shipped fixtures folder that a test may edit."""
    target = tmp_path / "fixtures"
    shutil.copytree(resources.fixtures_dir(), target)
    return target


def test_the_shipped_table_is_the_generated_one():
    built = prevalidated.build(resources.spec_path(), resources.fixtures_dir())
    assert prevalidated.TABLE.read_text(encoding="utf-8") == prevalidated.dumps(built), (
        "mockserver/prevalidated.json is out of date: regenerate it with `mockserver prevalidate`")
    assert sorted(name for name, _ in built.values()) == sorted(
        [resources.spec_path().name] + [f"{name}.yaml" for name in SHIPPED])


def test_a_lookup_reads_exactly_what_the_whole_table_holds():
    # lookup parses one entry's line; it must agree with reading the table as plain JSON.
    table = json.loads(prevalidated.TABLE.read_bytes())
    assert table["format"] == prevalidated.FORMAT and set(table["files"]) == set(table["entries"])
    for entry, document in table["entries"].items():
        assert repr(prevalidated.lookup(entry)) == repr(document)
    assert prevalidated.lookup("0" * 64) is None
    assert prevalidated.lookup(next(iter(table["entries"]))[:20]) is None


@pytest.mark.parametrize("name", SHIPPED)
def test_a_hit_gives_exactly_the_scenario_a_full_load_gives(monkeypatch, name):
    full = FixtureLoader(SPEC, resources.fixtures_dir(), prevalidated=False).load(name)
    loader = FixtureLoader(SPEC, resources.fixtures_dir())
    _no_parsing_or_schema(monkeypatch)
    hit = loader.load(name)
    # repr, not ==: it also tells 1 from 1.0 and True, and sees the order of keys.
    assert repr(hit) == repr(full)


def test_an_extends_chain_is_all_hits(monkeypatch):
    loader = FixtureLoader(SPEC, resources.fixtures_dir())
    _no_parsing_or_schema(monkeypatch)
    scenario = loader.load("delete-fails")
    assert [p.name for p in scenario.files] == ["delete-fails.yaml", "default.yaml"]
    assert "pn-demo-key" in scenario.workspaces and scenario.faults


def test_hits_are_fresh_copies():
    loader = FixtureLoader(SPEC, resources.fixtures_dir())
    first = loader.load("default")
    first.workspaces["pn-demo-key"]["organizationId"] = "changed"
    assert loader.load("default").workspaces["pn-demo-key"]["organizationId"] == "org_123"


def test_an_edited_file_misses_and_is_refused_when_invalid(folder):
    path = folder / "default.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("accountName: PostNitro\n",
                                                             "accountName: 42\n", 1))
    with pytest.raises(FixtureError, match=r"default\.yaml: .*accountName: 42 is not of type"):
        create_app({"TESTING": True, "FIXTURES_DIR": str(folder)})
    # A shipped child whose parent no longer validates is refused too.
    with pytest.raises(FixtureError, match=r"delete-fails\.yaml: extends: cannot extend 'default'"):
        create_app({"TESTING": True, "FIXTURES_DIR": str(folder), "SCENARIO": "delete-fails"})


def test_an_edited_valid_file_is_served_as_edited(folder):
    path = folder / "default.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "accountName: PostNitro\n", "accountName: Edited\n", 1), encoding="utf-8")
    client = create_app({"TESTING": True, "FIXTURES_DIR": str(folder)}).test_client()
    listed = client.get("/social-account", headers={"embed-api-key": "pn-demo-key"}).json
    names = [account["accountName"] for account in listed["data"]["socialAccounts"]["linkedin"]]
    assert "Edited" in names and "PostNitro" not in names


def test_the_key_covers_the_schema():
    # The same bytes under a stricter schema miss, so the stricter schema is applied.
    loader = FixtureLoader(SPEC, resources.fixtures_dir())
    loader.schema["properties"]["description"]["maxLength"] = 5
    with pytest.raises(FixtureError, match=r"description: .* is too long"):
        loader.load("default")


def test_the_python_checks_still_run_on_a_hit(monkeypatch):
    # A fault's status is checked against the operations, which the table's key does not cover.
    loader = FixtureLoader(SPEC, resources.fixtures_dir())
    operation = SPEC.operations["deleteSocialAccount"]
    monkeypatch.setitem(SPEC.operations, "deleteSocialAccount", type(operation)(
        operation.operation_id, operation.method, operation.path, frozenset({200}),
        operation.examples))
    with pytest.raises(FixtureError, match=r"faults\[0\]\.status: .* does not document status 400"):
        loader.load("delete-fails")


@pytest.mark.parametrize("content", [None, b"", b"{not json", b'{"format": 0, "entries": {}}',
                                     b'{"format": 1, "entries": []}'],
                         ids=["missing", "empty", "broken", "old format", "wrong shape"])
def test_without_a_usable_table_every_file_is_fully_checked(monkeypatch, tmp_path, content):
    table = tmp_path / "prevalidated.json"
    if content is not None:
        table.write_bytes(content)
    monkeypatch.setattr(prevalidated, "TABLE", table)
    full = FixtureLoader(SPEC, resources.fixtures_dir()).load("delete-fails")
    assert repr(full) == repr(FixtureLoader(SPEC, resources.fixtures_dir(),
                                            prevalidated=False).load("delete-fails"))


@pytest.mark.parametrize(("text", "expected"), [
    ("a: [1, 2.5, true, null, x]", True),
    ("a: 2026-01-01", False),
    ("1: one", False),
    ("a: 1.0", True),
])
def test_only_documents_that_json_gives_back_exactly_are_stored(text, expected):
    assert prevalidated.round_trips(yaml.safe_load(text)) is expected


def test_keys_separate_their_parts():
    assert prevalidated.key("scenario", b"ab", b"c") != prevalidated.key("scenario", b"a", b"bc")
    assert prevalidated.key("scenario", b"x") != prevalidated.key("openapi", b"x")


def test_prevalidate_check_says_when_the_table_is_stale(monkeypatch, tmp_path, capsys):
    stale = tmp_path / "prevalidated.json"
    stale.write_text('{"format": 1, "files": {}, "entries": {}}\n', encoding="utf-8")
    monkeypatch.setattr(prevalidated, "TABLE", stale)
    assert cli.main(["prevalidate", "--check"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and "is out of date: regenerate it with `mockserver prevalidate`" in err
    monkeypatch.setattr(prevalidated, "TABLE", resources.fixtures_dir().parent / "nowhere.json")
    assert cli.main(["prevalidate", "--check"]) == 1


def test_prevalidate_prints_the_table_and_refuses_an_invalid_shipped_file(monkeypatch, folder,
                                                                         capsys):
    assert cli.main(["prevalidate"]) == 0
    printed = capsys.readouterr().out
    assert printed == prevalidated.TABLE.read_text(encoding="utf-8")
    assert json.loads(printed)["format"] == prevalidated.FORMAT
    (folder / "slow.yaml").write_text("description: slow\nfaults: [{operation: '*'}]\n")
    monkeypatch.setattr(resources, "fixtures_dir", lambda: folder)
    assert cli.main(["prevalidate"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "slow.yaml: faults[0]" in err


def test_openapi_yaml_from_the_table_is_the_parsed_document(monkeypatch):
    parsed = Spec.load(resources.spec_path(), prevalidated=False)

    def refuse(*_args):
        raise AssertionError("openapi.yaml was parsed although the table holds it")

    monkeypatch.setattr(spec_module, "_parse_yaml", refuse)
    hit = Spec.load(resources.spec_path())
    assert repr(hit.document) == repr(parsed.document)
    assert hit.operations == parsed.operations and hit.platforms == parsed.platforms


def test_an_edited_openapi_yaml_is_parsed_and_checked(tmp_path):
    edited = tmp_path / "openapi.yaml"
    text = resources.spec_path().read_text(encoding="utf-8")
    edited.write_text(text.replace("operationId: listSocialAccounts",
                                   "operationId: listAccounts", 1), encoding="utf-8")
    assert "listAccounts" in Spec.load(edited).operations
    edited.write_text(text.replace("openapi: 3.1.0", "openapi: 3.0.3", 1), encoding="utf-8")
    with pytest.raises(SpecError, match="not an OpenAPI 3.1 document"):
        Spec.load(edited)


def test_a_shipped_start_imports_no_validator_and_no_yaml():
    code = ("import sys; from mockserver import create_app; create_app(); "
            "print(sorted(m for m in ('jsonschema', 'referencing', 'yaml') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
