"""openapi.yaml, loaded once: its operations, examples and compiled response validators."""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import pointers
from .errors import SpecError
from .parsing import parse_document

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator, FormatChecker
    from referencing import Registry

SPEC_URI = "urn:postnitro:openapi.yaml"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


# jsonschema and referencing cost about a third of the stub's start-up to import, and serving
# needs neither: they are imported when something is first validated, never before.
@functools.cache
def format_checker() -> FormatChecker:
    """jsonschema's 2020-12 format checker, which must be able to check `date-time`."""
    from jsonschema import Draft202012Validator

    checker = Draft202012Validator.FORMAT_CHECKER
    if "date-time" not in checker.checkers:  # pragma: no cover - guarded by the dependency
        raise SpecError(
            "rfc3339-validator is not installed, so `format: date-time` would go unchecked"
        )
    return checker


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


class Spec:
    """The parsed document, its schema registry and one validator per response (built on use)."""

    def __init__(self, document: dict, source: str = "openapi.yaml"):
        self.document = document
        self.source = source
        if not isinstance(document, dict) or not str(document.get("openapi", "")).startswith("3.1"):
            raise SpecError("not an OpenAPI 3.1 document (missing `openapi: 3.1.x`)", source=source)
        self.operations: dict[str, Operation] = {}
        self._schema_uris: dict[tuple[str, int], str] = {}
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
    def load(cls, path: str | Path, known: Callable[[bytes], Any] | None = None) -> Spec:
        """Read and parse a document from disk; `known` may give these bytes already parsed."""
        path = Path(path)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise SpecError(
                f"cannot read the document ({exc.strerror})", source=str(path)
            ) from None
        # A known document only saves the parse (and importing PyYAML): every check still runs.
        document = known(raw) if known is not None else None
        if document is None:
            document = parse_document(raw, str(path), error=SpecError)
        return cls(document, source=str(path))

    @functools.cached_property
    def registry(self) -> Registry:
        """The document as an immutable `referencing.Registry`, for validators."""
        from referencing import Registry
        from referencing.jsonschema import DRAFT202012

        return Registry().with_resource(SPEC_URI, DRAFT202012.create_resource(self.document))

    def resolve(self, node: Any, pointer: str) -> tuple[Any, str]:
        """Follow local `$ref`s from a node, returning the target and its JSON pointer."""
        seen = set()
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if not isinstance(ref, str) or not ref.startswith("#/") or ref in seen:
                raise SpecError(
                    f"unsupported or circular $ref {ref!r}", source=self.source, path=pointer
                )
            seen.add(ref)
            pointer = ref[1:]
            try:
                node = pointers.follow(self.document, ref)
            except LookupError:
                raise SpecError(
                    f"$ref {ref!r} points at nothing", source=self.source, path=pointer
                ) from None
        return node, pointer

    def _add_operation(self, path: str, method: str, operation: dict) -> None:
        where = f"paths.{path}.{method}"
        operation_id = operation.get("operationId")
        if not operation_id:
            raise SpecError("operation has no operationId", source=self.source, path=where)
        statuses, examples = set(), {}
        base = f"/paths/{pointers.escape(path)}/{method}/responses"
        for code, response in (operation.get("responses") or {}).items():
            if not str(code).isdigit():
                raise SpecError(
                    f"response {code!r} is not a status code", source=self.source, path=where
                )
            status = int(code)
            statuses.add(status)
            response, pointer = self.resolve(response, f"{base}/{code}")
            media = (response.get("content") or {}).get("application/json")
            if media is None or "schema" not in media:
                raise SpecError(
                    "response has no application/json schema",
                    source=self.source,
                    path=f"{where}.responses.{code}",
                )
            self._schema_uris[(operation_id, status)] = (
                f"{SPEC_URI}#{pointer}/content/application~1json/schema"
            )
            for name, example in (media.get("examples") or {}).items():
                example, _ = self.resolve(example, pointer)
                examples[name] = (status, example.get("value"))
        self.operations[operation_id] = Operation(
            operation_id, method, path, frozenset(statuses), examples
        )

    def response_validator(self, operation_id: str, status: int) -> Draft202012Validator | None:
        """The compiled validator for one documented response, or None if undocumented."""
        key = (operation_id, status)
        validator = self._validators.get(key)
        if validator is None and key in self._schema_uris:
            from jsonschema import Draft202012Validator

            # Two threads may both build it; either result is the same, so no lock.
            validator = self._validators[key] = Draft202012Validator(
                {"$ref": self._schema_uris[key]},
                registry=self.registry,
                format_checker=format_checker(),
            )
        return validator

    def required_fields(self, schema_name: str) -> tuple[str, ...]:
        """The `required` list of a component schema the stub builds bodies from, else SpecError."""
        schema = self.document.get("components", {}).get("schemas", {}).get(schema_name)
        required = schema.get("required") if isinstance(schema, dict) else None
        if not isinstance(required, list):
            raise SpecError(
                f"the stub builds bodies from components.schemas.{schema_name}.required, "
                "which the document lacks",
                source=self.source,
            )
        return tuple(required)

    def component_schemas(self) -> dict[str, Any]:
        """A deep copy of components.schemas, for building derived schemas."""
        return copy.deepcopy(self.document.get("components", {}).get("schemas", {}))
