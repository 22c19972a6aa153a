"""The start-up cache: up to date, a hit equals a full load, a miss is fully checked."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mockserver import ScenarioError, SpecError, build_cache, create_app, resources, scenarios
from mockserver import spec as spec_module
from mockserver.scenarios import ScenarioLoader
from mockserver.spec import Spec
from mockserver.startup_cache import FOLDER, StartupCache

SPEC = Spec.load(resources.spec_path())
SHIPPED = ScenarioLoader(SPEC, resources.fixtures_dir()).names()


def _cached(folder: Path = FOLDER) -> ScenarioLoader:
    return ScenarioLoader(SPEC, resources.fixtures_dir(), known=StartupCache(folder).validated)


def _no_parsing_or_schema(monkeypatch) -> None:
    """From here on, parsing a scenario file or checking it against the schema fails the test."""

    def refuse(*_args, **_kwargs):
        raise AssertionError("a cached file was parsed or schema-checked")

    monkeypatch.setattr(scenarios, "parse_document", refuse)
    monkeypatch.setattr(ScenarioLoader, "validator", property(refuse))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A private copy of the shipped fixtures folder that a test may edit."""
    target = tmp_path / "fixtures"
    shutil.copytree(resources.fixtures_dir(), target)
    return target


def test_the_shipped_cache_is_the_built_one():
    built = build_cache.entries(resources.spec_path(), resources.fixtures_dir())
    shipped = {path.name: path.read_text(encoding="utf-8") for path in FOLDER.glob("*.json")}
    assert shipped == built, (
        "mockserver/startup_cache/ is out of date: rebuild it with "
        "`python -m mockserver.build_cache`")
    assert len(built) == 1 + len(SHIPPED)  # the document and each shipped scenario


@pytest.mark.parametrize("name", SHIPPED)
def test_a_hit_gives_exactly_the_scenario_a_full_load_gives(monkeypatch, name):
    full = ScenarioLoader(SPEC, resources.fixtures_dir()).load(name)
    loader = _cached()
    _no_parsing_or_schema(monkeypatch)
    hit = loader.load(name)
    # repr, not ==: it also tells 1 from 1.0 and True, and sees the order of keys.
    assert repr(hit) == repr(full)


def test_hits_are_fresh_copies():
    loader = _cached()
    loader.load("default").workspaces["pn-demo-key"]["organizationId"] = "changed"
    assert loader.load("default").workspaces["pn-demo-key"]["organizationId"] == "org_123"


def test_an_edited_file_misses_and_is_refused_when_invalid(folder):
    path = folder / "default.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("accountName: PostNitro\n",
                                                             "accountName: 42\n", 1))
    with pytest.raises(ScenarioError, match=r"default\.yaml: .*accountName: 42 is not of type"):
        create_app({"TESTING": True, "FIXTURES_DIR": str(folder)})
    # A shipped child whose parent no longer validates is refused too.
    with pytest.raises(ScenarioError, match=r"delete-fails\.yaml: extends: cannot extend"):
        create_app({"TESTING": True, "FIXTURES_DIR": str(folder), "SCENARIO": "delete-fails"})


def test_the_key_covers_the_schema():
    # The same bytes under a stricter schema miss, so the stricter schema is applied.
    loader = _cached()
    loader.schema["properties"]["description"]["maxLength"] = 5
    with pytest.raises(ScenarioError, match=r"description: .* is too long"):
        loader.load("default")


def test_the_python_checks_still_run_on_a_hit(monkeypatch):
    # A fault's status is checked against the operations, which the cache's key does not cover.
    loader = _cached()
    operation = SPEC.operations["deleteSocialAccount"]
    monkeypatch.setitem(SPEC.operations, "deleteSocialAccount", type(operation)(
        operation.operation_id, operation.method, operation.path, frozenset({200}),
        operation.examples))
    with pytest.raises(ScenarioError, match=r"faults\[0\]\.status: .* not document status 400"):
        loader.load("delete-fails")


@pytest.mark.parametrize("content", [None, b"", b"{not json"], ids=["missing", "empty", "broken"])
def test_an_unusable_entry_is_a_miss(tmp_path, content):
    copy = tmp_path / "cache"
    shutil.copytree(FOLDER, copy)
    for entry in copy.glob("*.json"):
        if content is None:
            entry.unlink()
        else:
            entry.write_bytes(content)
    full = ScenarioLoader(SPEC, resources.fixtures_dir()).load("delete-fails")
    assert repr(_cached(copy).load("delete-fails")) == repr(full)


def test_openapi_yaml_from_the_cache_is_the_parsed_document(monkeypatch):
    parsed = Spec.load(resources.spec_path())

    def refuse(*_args, **_kwargs):
        raise AssertionError("openapi.yaml was parsed although the cache holds it")

    monkeypatch.setattr(spec_module, "parse_document", refuse)
    hit = Spec.load(resources.spec_path(), known=StartupCache().parsed)
    assert repr(hit.document) == repr(parsed.document)
    assert hit.operations == parsed.operations and hit.platforms == parsed.platforms


def test_an_edited_openapi_yaml_is_parsed_and_checked(tmp_path):
    edited = tmp_path / "openapi.yaml"
    text = resources.spec_path().read_text(encoding="utf-8")
    edited.write_text(text.replace("openapi: 3.1.0", "openapi: 3.0.3", 1), encoding="utf-8")
    with pytest.raises(SpecError, match="not an OpenAPI 3.1 document"):
        Spec.load(edited, known=StartupCache().parsed)


@pytest.mark.parametrize(("text", "expected"), [
    ("a: [1, 2.5, true, null, x]", True),
    ("a: 2026-01-01", False),
    ("1: one", False),
])
def test_only_documents_that_json_gives_back_exactly_are_cached(text, expected):
    assert build_cache._round_trips(yaml.safe_load(text)) is expected


def test_the_build_step_refuses_an_invalid_shipped_file(monkeypatch, folder, tmp_path, capsys):
    (folder / "slow.yaml").write_text("description: slow\nfaults: [{operation: '*'}]\n")
    monkeypatch.setattr(resources, "fixtures_dir", lambda: folder)
    monkeypatch.setattr(build_cache, "FOLDER", tmp_path / "cache")
    assert build_cache.main() == 2
    assert "slow.yaml: faults[0]" in capsys.readouterr().err
    assert not (tmp_path / "cache").exists()  # nothing written


def test_a_shipped_start_imports_no_validator_and_no_yaml():
    code = ("import sys; from mockserver import create_app; create_app(); "
            "print(sorted(m for m in ('jsonschema', 'referencing', 'yaml') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
