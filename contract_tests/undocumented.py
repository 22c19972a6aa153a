"""What a body holds beyond the document: fields no schema declares, and values of free-text
fields that are not among the document's examples."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from .document import Document

_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def member(path: str, name: str) -> str:
    """A JSON path one field deeper: `$.data` + `usage` -> `$.data.usage` (or `$['a b']`)."""
    return f"{path}.{name}" if _PLAIN.match(name) else f"{path}[{name!r}]"


@dataclass(frozen=True)
class Unlisted:
    """A value the document accepts (any string) but does not show among its examples."""

    path: str
    value: str
    examples: tuple[str, ...]

    def describe(self) -> str:
        """`$.data.usage[0].status = "pending" (the document's examples: PENDING, ...)`."""
        near = [e for e in self.examples if e.casefold() == self.value.casefold()]
        hint = f"; another spelling of {json.dumps(near[0])}?" if near else ""
        return (f"{self.path} = {json.dumps(self.value, ensure_ascii=False)} (the document's "
                f"examples: {', '.join(self.examples)}{hint})")


@dataclass
class Findings:
    """Undocumented fields (JSON paths) and unlisted values found in one body."""

    fields: dict[str, None] = field(default_factory=dict)
    values: list[Unlisted] = field(default_factory=list)


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


def _unlisted(schemas: list[tuple[dict, str]], instance: str, path: str) -> Unlisted | None:
    # An enum or const fixes the spelling, and the schema check already holds the value to it.
    if any("enum" in node or "const" in node for node, _ in schemas):
        return None
    examples = [e for node, _ in schemas for e in node.get("examples") or ()
                if isinstance(node.get("examples"), list) and isinstance(e, str)]
    if examples and instance not in examples:
        return Unlisted(path, instance, tuple(dict.fromkeys(examples)))
    return None


def _walk(doc: Document, pointer: str, instance: Any, path: str, found: Findings) -> None:
    schemas = _applicable(doc, pointer, instance)
    if isinstance(instance, str):
        unlisted = _unlisted(schemas, instance, path)
        if unlisted is not None:
            found.values.append(unlisted)
    elif isinstance(instance, dict):
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
                found.fields[member(path, name)] = None
    elif isinstance(instance, list):
        for node, where in schemas:
            if isinstance(node.get("items"), dict):
                for index, item in enumerate(instance):
                    _walk(doc, f"{where}/items", item, f"{path}[{index}]", found)


def findings(doc: Document, pointer: str, body: Any) -> Findings:
    """Fields no applicable schema declares, and free-text values outside the examples."""
    found = Findings()
    _walk(doc, pointer, body, "$", found)
    return found


def undocumented_fields(doc: Document, pointer: str, body: Any) -> list[str]:
    """JSON paths (`$.data.socialAccount.note`) of fields that no applicable schema declares."""
    return list(findings(doc, pointer, body).fields)
