"""The shape of a JSON answer: its paths and types, and the fields no schema of the document has."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def member(path: str, name: str) -> str:
    """A JSON path one field deeper: `$.data` + `usage` -> `$.data.usage` (or `$['a b']`)."""
    return f"{path}.{name}" if _PLAIN.match(name) else f"{path}[{name!r}]"


def json_type(value: Any) -> str:
    """The JSON type of a parsed value: object, array, string, integer, number, boolean, null."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


@dataclass
class Shape:
    """Every JSON path of a body (array items as `[]`) with the types seen there."""

    types: dict[str, set[str]] = field(default_factory=dict)
    parents: dict[str, str] = field(default_factory=dict)  # path -> the path it sits in
    empty: set[str] = field(default_factory=set)  # arrays with no item: nothing seen below


def shape(body: Any) -> Shape:
    """The shape of a parsed JSON body."""
    found = Shape()

    def walk(value: Any, path: str, parent: str) -> None:
        found.types.setdefault(path, set()).add(json_type(value))
        found.parents.setdefault(path, parent)
        if isinstance(value, dict):
            for name, item in value.items():
                walk(item, member(path, str(name)), path)
        elif isinstance(value, list):
            if not value:
                found.empty.add(path)
            for item in value:
                walk(item, f"{path}[]", path)

    walk(body, "$", "")
    return found


def messages(body: Any) -> list[str]:
    """Every `message` string in a body, in order (the texts a client may show)."""
    out: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for name, item in value.items():
                if name == "message" and isinstance(item, str):
                    out.append(item)
                else:
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(body)
    return out


def envelope(body: Any) -> str:
    """The top-level flag of a body, e.g. `success: true` or `status: false`."""
    if not isinstance(body, dict):
        return f"not an object ({json_type(body)})"
    flags = [f"{name}: {str(body[name]).lower()}" for name in ("success", "status")
             if isinstance(body.get(name), bool)]
    return ", ".join(flags) or "no success/status flag"


# -- fields the document does not declare ------------------------------------------------------
def response_schema(document: Mapping[str, Any], operation_id: str, status: int) -> Any:
    """The JSON schema of one documented response, or None."""
    for item in (document.get("paths") or {}).values():
        for operation in item.values():
            if isinstance(operation, dict) and operation.get("operationId") == operation_id:
                response = _follow(document, (operation.get("responses") or {}).get(str(status)))
                media = ((response or {}).get("content") or {}).get("application/json") or {}
                return media.get("schema")
    return None


def _follow(document: Mapping[str, Any], node: Any) -> Any:
    seen: set[str] = set()
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        if not ref.startswith("#/") or ref in seen:
            return {}
        seen.add(ref)
        node = document
        for token in ref[2:].split("/"):
            node = node.get(token.replace("~1", "/").replace("~0", "~"), {})
    return node


def _parts(document: Mapping[str, Any], schema: Any) -> list[dict[str, Any]]:
    """A schema and every schema it is made of ($ref, allOf, oneOf, anyOf), followed."""
    schema = _follow(document, schema)
    if not isinstance(schema, dict):
        return []
    out = [schema]
    for keyword in ("allOf", "oneOf", "anyOf"):
        for part in schema.get(keyword) or ():
            out += _parts(document, part)
    return out


def undocumented(document: Mapping[str, Any], schema: Any, body: Any, path: str = "$") -> set[str]:
    """JSON paths (array items as `[]`) of fields in `body` that no part of `schema` declares."""
    parts = _parts(document, schema)
    found: set[str] = set()
    if isinstance(body, dict):
        declared: dict[str, list[Any]] = {}
        for part in parts:
            for name, sub in (part.get("properties") or {}).items():
                declared.setdefault(name, []).append(sub)
        described = any("properties" in part for part in parts)
        open_ended = any(part.get(k, False) is not False for part in parts
                         for k in ("additionalProperties", "unevaluatedProperties"))
        for name, value in body.items():
            if name in declared:
                for sub in declared[name]:
                    found |= undocumented(document, sub, value, member(path, name))
            elif described and not open_ended:
                found.add(member(path, name))
    elif isinstance(body, list):
        for part in parts:
            if isinstance(part.get("items"), dict):
                for item in body:
                    found |= undocumented(document, part["items"], item, f"{path}[]")
    return found
