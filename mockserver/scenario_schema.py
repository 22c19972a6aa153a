"""The JSON Schema of a scenario file, derived from the document's component schemas."""

from __future__ import annotations

import json
from typing import Any

from . import pointers
from .spec import Spec

SCHEMA_ID = "https://github.com/postnitro-mock/scenario.schema.json"
# The document's account schemas (the list's, the read's) a scenario account combines.
ACCOUNT_SCHEMAS = ("SocialAccountSummary", "SocialAccount")
# Fields that a scenario gives once per workspace instead of once per account.
WORKSPACE_FIELDS = ("organizationId", "workspaceId")
ACCESS_LEVELS = ("paid", "unpaid", "no-workspace", "no-organization")
BODY_FAULTS = ("malformed", "truncated", "empty")


def close_object_schemas(node: Any) -> Any:
    """A copy in which every `type: object` schema with properties refuses undocumented fields."""
    if isinstance(node, list):
        return [close_object_schemas(item) for item in node]
    if not isinstance(node, dict):
        return node
    closed = {key: close_object_schemas(value) for key, value in node.items()}
    if (
        closed.get("type") == "object"
        and "properties" in closed
        and "additionalProperties" not in closed
        and "unevaluatedProperties" not in closed
    ):
        closed["unevaluatedProperties"] = False
    return closed


def _rewrite_refs(node: Any) -> Any:
    if isinstance(node, list):
        return [_rewrite_refs(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _rewrite_refs(value) for key, value in node.items()}
    if isinstance(out.get("$ref"), str):
        out["$ref"] = out["$ref"].replace("#/components/schemas/", "#/$defs/")
    return out


def _scenario_account(spec: Spec, schemas: dict[str, Any]) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    required: list[str] = []
    for name in ACCOUNT_SCHEMAS:
        for prop in schemas[name].get("properties", {}):
            if prop not in WORKSPACE_FIELDS and prop not in properties:
                properties[prop] = {"$ref": f"#/$defs/{name}/properties/{prop}"}
        required += [
            r for r in spec.required_fields(name) if r not in WORKSPACE_FIELDS + tuple(required)
        ]
    properties["usage"] = {
        "type": "array",
        "description": "Scheduled-post links per publish status (the read's `usage`).",
        "items": {"$ref": "#/$defs/UsageRow"},
    }
    return {
        "type": "object",
        "description": (
            "One connected account: every field the list and the read show, and its "
            "usage."
        ),
        "required": required,
        "properties": properties,
        "additionalProperties": False,
    }


def build_scenario_schema(spec: Spec) -> dict[str, Any]:
    """The scenario-file schema: self-contained, so editors can use it without the document."""
    schemas = spec.component_schemas()
    defs = _rewrite_refs(close_object_schemas(schemas))
    operation_ids = sorted(spec.operations)
    defs["ScenarioAccount"] = _scenario_account(spec, schemas)
    defs["Workspace"] = {
        "type": "object",
        "description": "The workspace that one API key resolves to.",
        "required": ["organizationId", "workspaceId"],
        "additionalProperties": False,
        "properties": {
            "organizationId": {"type": "string", "minLength": 1},
            "workspaceId": {"type": "string", "minLength": 1},
            "access": {
                "enum": list(ACCESS_LEVELS),
                "default": "paid",
                "description": (
                    "paid: served; unpaid: 402; no-workspace / no-organization: the "
                    "401s."
                ),
            },
            "socialAccounts": {
                "type": "object",
                "description": "Accounts grouped by platform, as the list shows them.",
                "additionalProperties": False,
                "properties": {
                    p: {"type": "array", "items": {"$ref": "#/$defs/ScenarioAccount"}}
                    for p in spec.platforms
                },
            },
        },
    }
    defs["Fault"] = {
        "type": "object",
        "description": "What one operation (or `*`, all) does instead of its normal answer.",
        "required": ["operation"],
        "additionalProperties": False,
        "properties": {
            "operation": {"enum": ["*", *operation_ids]},
            "status": {
                "type": "integer",
                "description": (
                    "A status the document lists for the operation; answered with "
                    "its documented body."
                ),
            },
            "latencyMs": {"type": "integer", "minimum": 0, "maximum": 60000},
            "body": {
                "enum": list(BODY_FAULTS),
                "description": "Send a broken body instead: not JSON, cut short, or nothing.",
            },
        },
        "anyOf": [{"required": ["status"]}, {"required": ["latencyMs"]}, {"required": ["body"]}],
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "mockserver scenario",
        "description": (
            "One named situation the stub serves: workspaces by API key, and "
            "optional faults."
        ),
        "type": "object",
        "required": ["description"],
        "additionalProperties": False,
        "properties": {
            "description": {"type": "string", "minLength": 1, "pattern": "^[^\\n]+$"},
            "extends": {
                "type": "string",
                "minLength": 1,
                "description": "A scenario to start from.",
            },
            "workspaces": {
                "type": "object",
                "description": (
                    "Workspaces by API key; a key given here replaces the same key "
                    "of `extends`."
                ),
                "propertyNames": {"minLength": 1, "pattern": "^\\S+$"},
                "additionalProperties": {"$ref": "#/$defs/Workspace"},
            },
            "faults": {"type": "array", "items": {"$ref": "#/$defs/Fault"}},
        },
        "$defs": defs,
    }


def inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """The same schema with each plain local `$ref` replaced by its target, to validate faster.

    jsonschema resolves a `$ref` on every visit, ten or more per scenario account, and that is
    most of the cost of checking a large scenario. The published schema keeps its `$ref`s for
    editors; a `$ref` that would recurse, or that has sibling keywords, is left as it is.
    """

    def walk(node: Any, seen: frozenset[str]) -> Any:
        if isinstance(node, list):
            return [walk(item, seen) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if len(node) == 1 and isinstance(ref, str) and ref.startswith("#/") and ref not in seen:
            return walk(pointers.follow(schema, ref), seen | {ref})
        return {key: walk(value, seen) for key, value in node.items()}

    return walk(schema, frozenset())


def dumps(schema: dict[str, Any]) -> str:
    """The schema as the repo ships it (stable, pretty JSON)."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
