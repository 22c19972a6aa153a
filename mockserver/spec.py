"""openapi.yaml, loaded once: its operations, examples and compiled response validators."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from .errors import SpecError

SPEC_URI = "urn:postnitro:openapi.yaml"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
FORMAT_CHECKER = Draft202012Validator.FORMAT_CHECKER

if "date-time" not in FORMAT_CHECKER.checkers:  # pragma: no cover - guarded by the dependency
    raise SpecError("rfc3339-validator is not installed, so `format: date-time` would go unchecked")


@dataclass(frozen=True)
class Operation:
    """One operation of the document, with what the stub needs to serve and check it."""

    operation_id: str
    method: str
    path: str
    statuses: frozenset[int]
    examples: dict[str, tuple[int, Any]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """A readable name such as `GET /social-account/{id}`."""
        return f"{self.method.upper()} {self.path}"


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


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


class Spec:
    """The parsed document, its schema registry and one compiled validator per response."""

    def __init__(self, document: dict, source: str = "openapi.yaml"):
        self.document = document
        self.source = source
        if not isinstance(document, dict) or not str(document.get("openapi", "")).startswith("3.1"):
            raise SpecError("not an OpenAPI 3.1 document (missing `openapi: 3.1.x`)", source=source)
        self.registry = Registry().with_resource(SPEC_URI, DRAFT202012.create_resource(document))
        self._resolver = self.registry.resolver()
        self.operations: dict[str, Operation] = {}
        self._validators: dict[tuple[str, int], Draft202012Validator] = {}
        for path, item in (document.get("paths") or {}).items():
            for method in HTTP_METHODS:
                if method in item:
                    self._add_operation(path, method, item[method])
        schemas = document.get("components", {}).get("schemas", {})
        self.platforms: tuple[str, ...] = tuple(schemas.get("Platform", {}).get("enum", ()))
        if not self.platforms:
            raise SpecError("components.schemas.Platform has no enum of platforms", source=source)

    @classmethod
    def load(cls, path: str | Path) -> Spec:
        """Read and parse a document from disk."""
        path = Path(path)
        try:
            # The C loader when libyaml is there: several times faster, same safe constructors.
            loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
            document = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
        except OSError as exc:
            raise SpecError(f"cannot read the document ({exc.strerror})", source=str(path)) from None
        except yaml.YAMLError as exc:
            raise SpecError(f"not valid YAML ({exc})", source=str(path)) from None
        return cls(document, source=str(path))

    def resolve(self, node: Any, pointer: str) -> tuple[Any, str]:
        """Follow local `$ref`s from a node, returning the target and its JSON pointer."""
        seen = set()
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if not ref.startswith("#/") or ref in seen:
                raise SpecError(f"unsupported or circular $ref {ref!r}", source=self.source, path=pointer)
            seen.add(ref)
            pointer = ref[1:]
            node = self._resolver.lookup(SPEC_URI + ref).contents
        return node, pointer

    def _add_operation(self, path: str, method: str, operation: dict) -> None:
        where = f"paths.{path}.{method}"
        operation_id = operation.get("operationId")
        if not operation_id:
            raise SpecError("operation has no operationId", source=self.source, path=where)
        statuses, examples = set(), {}
        base = f"/paths/{_escape(path)}/{method}/responses"
        for code, response in (operation.get("responses") or {}).items():
            if not str(code).isdigit():
                raise SpecError(f"response {code!r} is not a status code", source=self.source, path=where)
            status = int(code)
            statuses.add(status)
            response, pointer = self.resolve(response, f"{base}/{code}")
            media = (response.get("content") or {}).get("application/json")
            if media is None or "schema" not in media:
                raise SpecError("response has no application/json schema", source=self.source,
                                path=f"{where}.responses.{code}")
            schema_uri = f"{SPEC_URI}#{pointer}/content/application~1json/schema"
            self._validators[(operation_id, status)] = Draft202012Validator(
                {"$ref": schema_uri}, registry=self.registry, format_checker=FORMAT_CHECKER
            )
            for name, example in (media.get("examples") or {}).items():
                example, _ = self.resolve(example, pointer)
                examples[name] = (status, example.get("value"))
        self.operations[operation_id] = Operation(
            operation_id, method, path, frozenset(statuses), examples
        )

    def response_validator(self, operation_id: str, status: int) -> Draft202012Validator | None:
        """The compiled validator for one documented response, or None if undocumented."""
        return self._validators.get((operation_id, status))

    def component_schemas(self) -> dict[str, Any]:
        """A deep copy of components.schemas, for building derived schemas."""
        return copy.deepcopy(self.document.get("components", {}).get("schemas", {}))
