"""Undocumented fields: walk a body against its schema and name every field no schema declares."""

from __future__ import annotations

import re
from typing import Any

from .document import Document

_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def member(path: str, name: str) -> str:
    """A JSON path one field deeper: `$.data` + `usage` -> `$.data.usage` (or `$['a b']`)."""
    return f"{path}.{name}" if _PLAIN.match(name) else f"{path}[{name!r}]"


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _applicable(doc: Document, pointer: str, instance: Any) -> list[tuple[dict, str]]:
    """The schemas that describe an instance: this one, its $ref target and allOf parts, and the
    oneOf/anyOf branches the instance matches (a branch it fails says nothing about it)."""
    node = doc.lookup(pointer)
    if not isinstance(node, dict):
        return []
    found = [(node, pointer)]
    if isinstance(node.get("$ref"), str):
        _, target = doc.follow({"$ref": node["$ref"]}, pointer)
        found += _applicable(doc, target, instance)
    for index, _ in enumerate(node.get("allOf") or ()):
        found += _applicable(doc, f"{pointer}/allOf/{index}", instance)
    for keyword in ("oneOf", "anyOf"):
        for index, _ in enumerate(node.get(keyword) or ()):
            branch = f"{pointer}/{keyword}/{index}"
            if doc.validator(branch).is_valid(instance):
                found += _applicable(doc, branch, instance)
    return found


def _walk(doc: Document, pointer: str, instance: Any, path: str, found: dict[str, None]) -> None:
    schemas = _applicable(doc, pointer, instance)
    if isinstance(instance, dict):
        declared: dict[str, list[str]] = {}
        described = open_ended = False
        for node, where in schemas:
            if isinstance(node.get("properties"), dict):
                described = True
                for name in node["properties"]:
                    declared.setdefault(name, []).append(f"{where}/properties/{_escape(name)}")
            # A schema that explicitly allows other fields documents them as allowed.
            for keyword in ("additionalProperties", "unevaluatedProperties", "patternProperties"):
                if keyword in node and node[keyword] is not False:
                    open_ended = True
        for name, value in instance.items():
            if name in declared:
                for where in declared[name]:
                    _walk(doc, where, value, member(path, name), found)
            elif described and not open_ended:
                found[member(path, name)] = None
    elif isinstance(instance, list):
        for node, where in schemas:
            if isinstance(node.get("items"), dict):
                for index, item in enumerate(instance):
                    _walk(doc, f"{where}/items", item, f"{path}[{index}]", found)


def undocumented_fields(doc: Document, pointer: str, body: Any) -> list[str]:
    """JSON paths (`$.data.socialAccount.note`) of fields that no applicable schema declares."""
    found: dict[str, None] = {}
    _walk(doc, pointer, body, "$", found)
    return list(found)
