"""jsonschema-rs's quick yes to a scenario is never a yes that jsonschema would refuse."""

from __future__ import annotations

import collections
import copy
import datetime
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from mockserver import ScenarioError, resources
from mockserver.fast_schema import compile_accepts
from mockserver.scenarios import ScenarioLoader
from mockserver.spec import Spec, format_checker

SPEC = Spec.load(resources.spec_path())
DEFAULT = yaml.safe_load((resources.fixtures_dir() / "default.yaml").read_text(encoding="utf-8"))
KEY = "pn-demo-key"
ACCOUNT = ("workspaces", KEY, "socialAccounts", "linkedin", 0)
DELETE = object()


@pytest.fixture(scope="module")
def loader() -> ScenarioLoader:
    return ScenarioLoader(SPEC, resources.fixtures_dir())


def base() -> dict[str, Any]:
    document = copy.deepcopy(DEFAULT)
    document["faults"] = [{"operation": "*", "latencyMs": 10}]
    return document


def at(path: tuple[Any, ...], value: Any) -> Callable[[dict], None]:
    """A mutation: set (or with DELETE, remove) the value at `path`."""

    def change(document: dict) -> None:
        *parents, last = path
        node = document
        for part in parents:
            node = node[part]
        if value is DELETE:
            del node[last]
        else:
            node[last] = value

    return change


def rename_workspace(key: Any) -> Callable[[dict], None]:
    def change(document: dict) -> None:
        document["workspaces"] = {key: document["workspaces"].pop(KEY), **document["workspaces"]}

    return change


def account(field: str, value: Any) -> Callable[[dict], None]:
    return at((*ACCOUNT, field), value)


def usage_count(value: Any) -> Callable[[dict], None]:
    return at((*ACCOUNT, "usage", 0, "_count"), value)


def fault(field: str, value: Any) -> Callable[[dict], None]:
    return at(("faults", 0, field), value)


MUTATIONS: dict[str, Callable[[dict], None]] = {
    "unchanged": lambda d: None,
    # Workspace keys: `^\S+$`. Python's \s has \x1c-\x1f, and its $ matches before a final \n.
    "key a\\x1cb": rename_workspace("a\x1cb"),
    "key a\\x1f": rename_workspace("a\x1f"),
    "key a\\n": rename_workspace("a\n"),
    "key a\\nb": rename_workspace("a\nb"),
    "key a b": rename_workspace("a b"),
    "key space": rename_workspace(" "),
    "key empty": rename_workspace(""),
    "key nbsp": rename_workspace("a\u00a0b"),
    "key line separator": rename_workspace("a\u2028b"),
    "key next line": rename_workspace("\x85"),
    "key zero width space": rename_workspace("a\u200bb"),
    "key int": rename_workspace(1),
    "key bool": rename_workspace(True),
    "key null": rename_workspace(None),
    # The description: `^[^\n]+$`.
    "description a\\n": at(("description",), "a\n"),
    "description a\\nb": at(("description",), "a\nb"),
    "description \\n": at(("description",), "\n"),
    "description a\\r": at(("description",), "a\r"),
    "description empty": at(("description",), ""),
    "description int": at(("description",), 5),
    "description a date": at(("description",), datetime.date(2026, 1, 1)),
    "description missing": at(("description",), DELETE),
    # Ids have no pattern, but must be strings.
    "id a\\x1cb": account("id", "a\x1cb"),
    "id a b": account("id", "a b"),
    "id space": account("id", " "),
    "id int": account("id", 5),
    "id null": account("id", None),
    "id missing": account("id", DELETE),
    # `format: date-time`, by jsonschema's own checker on both sides.
    "date-time lower z": account("tokenExpiresAt", "2026-01-01T00:00:00z"),
    "date-time lower t": account("tokenExpiresAt", "2026-01-01t00:00:00Z"),
    "date-time space": account("tokenExpiresAt", "2026-01-01 00:00:00Z"),
    "date-time month 13": account("tokenExpiresAt", "2026-13-01T00:00:00Z"),
    "date-time leap second": account("tokenExpiresAt", "2026-06-30T23:59:60Z"),
    "date-time no zone": account("tokenExpiresAt", "2026-01-01T00:00:00"),
    "date-time a date only": account("tokenExpiresAt", "2026-01-01"),
    "date-time offset": account("tokenExpiresAt", "2026-01-01T00:00:00+01:00"),
    "date-time fraction": account("tokenExpiresAt", "2026-01-01T00:00:00.5Z"),
    "date-time garbage": account("tokenExpiresAt", "soon"),
    "date-time object": account(
        "tokenExpiresAt", datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)),
    "date object": account("createdAt", datetime.date(2026, 1, 1)),
    # Numbers: 1.0 is an integer, True is not, and a huge int is still one.
    "count 1.0": usage_count(1.0),
    "count 1.5": usage_count(1.5),
    "count true": usage_count(True),
    "count -1": usage_count(-1),
    "count huge": usage_count(2**70),
    "count huge negative": usage_count(-(2**70)),
    "count string": usage_count("1"),
    "count null": usage_count(None),
    "count nan": usage_count(float("nan")),
    "count inf": usage_count(float("inf")),
    "latency huge": fault("latencyMs", 2**70),
    "latency max": fault("latencyMs", 60000),
    "latency over max": fault("latencyMs", 60001),
    "latency 1.0": fault("latencyMs", 1.0),
    "latency true": fault("latencyMs", True),
    "fault status string": fault("status", "500"),
    "fault status float": fault("status", 500.0),
    "fault bad operation": fault("operation", "nope"),
    "fault nothing to do": fault("latencyMs", DELETE),
    "fault bad body": fault("body", "broken"),
    "faults not a list": at(("faults",), {"operation": "*"}),
    # Wrong types, missing and extra fields.
    "extra top field": at(("extra",), 1),
    "extra workspace field": at(("workspaces", KEY, "extra"), 1),
    "extra account field": account("extra", 1),
    "extra account int key": account(1, "x"),
    "extra usage field": at((*ACCOUNT, "usage", 0, "extra"), 1),
    "unknown platform": at(("workspaces", KEY, "socialAccounts", "myspace"), []),
    "workspaces a list": at(("workspaces",), []),
    "socialAccounts a list": at(("workspaces", KEY, "socialAccounts"), []),
    "usage a mapping": account("usage", {}),
    "usage a tuple": account("usage", ({"status": "DRAFT", "_count": 1},)),
    "accounts a tuple": at(("workspaces", KEY, "socialAccounts", "linkedin"), ()),
    "a tuple in an ordered dict": at(("workspaces", KEY, "socialAccounts"),
                                     collections.OrderedDict(linkedin=())),
    "account a string": at(ACCOUNT, "x"),
    "missing organizationId": at(("workspaces", KEY, "organizationId"), DELETE),
    "empty workspaceId": at(("workspaces", KEY, "workspaceId"), ""),
    "access paid": at(("workspaces", KEY, "access"), "paid"),
    "access upper": at(("workspaces", KEY, "access"), "PAID"),
    "access null": at(("workspaces", KEY, "access"), None),
    "platformType unknown": account("platformType", "myspace"),
    "accountName bytes": account("accountName", b"x"),
    "accountName a set": account("accountName", {"x"}),
    "accountName surrogate": account("accountName", "\ud800"),
    "accountName long unicode": account("accountName", "Zoë ✓ \U0001f600" * 50),
    "extends empty": at(("extends",), ""),
    "extends a name": at(("extends",), "default"),
    "not a mapping": lambda d: d.clear(),
}


def mutated(name: str) -> dict[str, Any]:
    document = base()
    MUTATIONS[name](document)
    return document


def jsonschema_accepts(loader: ScenarioLoader, document: Any) -> bool:
    return next(iter(loader.validator.iter_errors(document)), None) is None


def json_shaped(value: Any) -> bool:
    """Only what JSON can say: str keys, and no tuple, date, bytes or set."""
    if isinstance(value, dict):
        return all(isinstance(k, str) and json_shaped(v) for k, v in value.items())
    if isinstance(value, list):
        return all(json_shaped(v) for v in value)
    return value is None or isinstance(value, str | int | float)


@pytest.mark.parametrize("name", MUTATIONS)
def test_the_quick_yes_agrees_with_jsonschema(loader, name):
    document = mutated(name)
    quick, python = loader.schema_accepts(document), jsonschema_accepts(loader, document)
    assert not (quick and not python), "jsonschema-rs accepted what jsonschema refuses"
    if json_shaped(document) and "surrogate" not in name:
        assert quick == python


@pytest.mark.parametrize("name", MUTATIONS)
def test_the_problems_are_those_jsonschema_alone_finds(loader, name, monkeypatch):
    document = mutated(name)
    found = _problems(loader, document)
    monkeypatch.setattr(loader, "schema_accepts", lambda document: False)
    assert found == _problems(loader, document)


def _problems(loader: ScenarioLoader, document: Any) -> Any:
    try:
        return loader.problems(document)
    except Exception as exc:  # noqa: BLE001 - compared like any other outcome
        return f"{type(exc).__name__}: {exc}"


def test_the_verdicts_are_not_all_alike(loader):
    # Else the tests above could pass with a check that always says no.
    verdicts = {name: loader.schema_accepts(mutated(name)) for name in MUTATIONS}
    assert verdicts["unchanged"] and verdicts["key a\\n"] and verdicts["date-time lower z"]
    assert not verdicts["key a\\x1cb"] and not verdicts["date-time month 13"]


def test_a_valid_scenario_file_loads_without_jsonschema(monkeypatch, tmp_path):
    path = tmp_path / "copy.yaml"
    path.write_text(yaml.safe_dump(base()), encoding="utf-8")

    def refuse(self):
        raise AssertionError("jsonschema was asked about a scenario jsonschema-rs accepts")

    monkeypatch.setattr(ScenarioLoader, "validator", property(refuse))
    scenario = ScenarioLoader(SPEC, resources.fixtures_dir()).load(path)
    assert KEY in scenario.workspaces


def test_an_invalid_file_still_gets_jsonschemas_words(tmp_path):
    document = mutated("key a\\x1cb")
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        ScenarioLoader(SPEC, resources.fixtures_dir()).load(path)
    assert "'a\\x1cb' does not match '^\\\\S+$'" in str(caught.value)


def test_without_jsonschema_rs_jsonschema_decides_alone(monkeypatch):
    monkeypatch.setitem(sys.modules, "jsonschema_rs", None)  # import fails
    assert compile_accepts({"type": "object"}, format_checker) is None
    fresh = ScenarioLoader(SPEC, resources.fixtures_dir())
    assert fresh.schema_accepts(base()) is False
    assert fresh.problems(base()) == []
    assert fresh.problems(mutated("key a b"))


def test_patterns_in_data_and_names_are_left_alone():
    schema = {
        "properties": {"pattern": {"type": "string", "pattern": "^a$"},
                       "enum": {"enum": [{"pattern": "x"}]}},
    }
    accepts = compile_accepts(schema, format_checker)
    assert accepts({"pattern": "a", "enum": {"pattern": "x"}})
    assert not accepts({"pattern": "b"})
    assert not accepts({"enum": {"pattern": "y"}})


@pytest.mark.parametrize(("pattern", "name"), [("^\\s$", "\ufeff"), ("^\\S$", "\x1c")])
def test_a_schema_with_pattern_properties_is_left_to_jsonschema(pattern, name):
    from jsonschema import Draft202012Validator

    schema = {"patternProperties": {pattern: {}}, "additionalProperties": False}
    assert not Draft202012Validator(schema).is_valid({name: 1})  # Rust's regex would say yes
    assert compile_accepts(schema, format_checker) is None
    assert compile_accepts({"properties": {"a": {"patternProperties": {}}}},
                           format_checker) is not None


def test_a_value_of_a_type_json_does_not_have_is_left_to_jsonschema():
    import decimal

    accepts = compile_accepts({"properties": {"a": {"type": "integer"}}}, format_checker)
    assert accepts({"a": 1})
    assert not accepts({"a": decimal.Decimal(1)})
    assert not accepts({"a": [collections.UserString("x")]})


DATE_TIMES = [
    "2026-01-01T00:00:00Z", "2026-01-01t00:00:00z", "2026-01-01T00:00:00.123456Z",
    "2026-01-01T00:00:00+05:30", "2026-01-01T00:00:00-00:00", "2026-01-01 00:00:00Z",
    "2026-01-01T00:00:00", "2026-01-01", "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z",
    "2024-02-29T00:00:00Z", "2026-01-01T23:59:60Z", "2026-01-01T24:00:00Z",
    "2026-01-01T00:00:00+24:00", "2026-01-01T00:00Z", "20260101T000000Z", "", " ",
    "2026-01-01T00:00:00Z ", "2026-01-01T00:00:00.Z", "２０２６-01-01T00:00:00Z", "garbage",
]


@pytest.mark.parametrize("value", DATE_TIMES)
def test_the_own_date_time_check_is_jsonschemas(value):
    from mockserver import fast_schema

    assert fast_schema.OWN_FORMATS["date-time"](value) == \
        format_checker().conforms(value, "date-time")


def test_loading_a_scenario_not_in_the_cache_does_not_import_jsonschema(tmp_path):
    edited = tmp_path / "edited.yaml"
    text = (resources.fixtures_dir() / "default.yaml").read_text(encoding="utf-8")
    edited.write_text(text + "\n# edited, so not in the start-up cache\n", encoding="utf-8")
    code = (f"import sys; from mockserver import create_app; create_app({{'SCENARIO': "
            f"{str(edited)!r}, 'RELOAD': False}}); print('jsonschema' in sys.modules, "
            "'jsonschema_rs' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=True)
    assert done.stdout.split() == ["False", "True"]
