"""scenario_schema.inline_refs: the same verdicts as the published schema, without `$ref`s."""

from __future__ import annotations

import copy
import json

import pytest
import yaml
from jsonschema import Draft202012Validator

from mockserver import resources
from mockserver.scenario_schema import build_scenario_schema, inline_refs
from mockserver.spec import Spec, format_checker

SCHEMA = build_scenario_schema(Spec.load(resources.spec_path()))
DEFAULT = yaml.safe_load((resources.fixtures_dir() / "default.yaml").read_text(encoding="utf-8"))


def first_account(document: dict) -> dict:
    return document["workspaces"]["pn-demo-key"]["socialAccounts"]["linkedin"][0]


BREAKAGES = {
    "unknown platform": lambda d: first_account(d).update(platformType="myspace"),
    "missing field": lambda d: first_account(d).pop("accountName"),
    "undocumented field": lambda d: first_account(d).update(followers=3),
    "bad date-time": lambda d: first_account(d).update(createdAt="yesterday"),
    "negative usage count": lambda d: first_account(d)["usage"].append(
        {"status": "X", "_count": -1}),
    "unknown access": lambda d: d["workspaces"]["pn-empty-key"].update(access="gold"),
    "unknown operation in a fault": lambda d: d.update(
        faults=[{"operation": "nope", "status": 500}]),
    "several at once": lambda d: (first_account(d).pop("id"), d.update(extra=True)),
}


def errors(schema: dict, document: dict) -> list[tuple[str, str, str]]:
    validator = Draft202012Validator(schema, format_checker=format_checker())
    return sorted((json.dumps(list(e.absolute_path)), e.validator, e.message)
                  for e in validator.iter_errors(document))


@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
def test_inlined_schema_finds_the_same_errors(breakage):
    document = copy.deepcopy(DEFAULT)
    BREAKAGES[breakage](document)
    found = errors(SCHEMA, document)
    assert found, "the breakage must be one the published schema refuses"
    assert errors(inline_refs(SCHEMA), document) == found


def test_inlined_schema_accepts_the_default_scenario_and_has_no_plain_refs():
    inlined = inline_refs(SCHEMA)
    assert errors(inlined, DEFAULT) == []
    account = inlined["properties"]["workspaces"]["additionalProperties"]["properties"]
    assert "$ref" not in json.dumps(account)


def test_a_recursive_ref_is_left_in_place():
    node = {"type": "object", "properties": {"next": {"$ref": "#/$defs/node"}}}
    schema = {"$defs": {"node": node}, "type": "object",
              "properties": {"head": {"$ref": "#/$defs/node"}}}
    inlined = inline_refs(schema)
    assert inlined["properties"]["head"]["properties"]["next"] == {"$ref": "#/$defs/node"}
    valid, broken = {"head": {"next": {"next": {}}}}, {"head": {"next": {"next": 3}}}
    assert errors(inlined, valid) == [] and errors(inlined, broken) == errors(schema, broken) != []


def test_the_published_schema_is_not_changed():
    before = json.dumps(SCHEMA)
    inline_refs(SCHEMA)
    assert json.dumps(SCHEMA) == before
