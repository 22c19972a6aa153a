"""openapi.yaml, loaded once: its operations, examples and compiled response validators."""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from . import prevalidated as table
from .errors import SpecError

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


def _parse_yaml(raw: bytes, source: str) -> Any:
    import yaml  # about 11 ms to import: only a document the table does not hold pays for it

    try:
        # The C loader when libyaml is there: several times faster, same safe constructors.
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        return yaml.load(raw.decode("utf-8"), Loader=loader)
    except UnicodeDecodeError as exc:
        raise SpecError(f"not UTF-8 (byte {exc.start})", source=source) from None
    except yaml.YAMLError as exc:
        raise SpecError(f"not valid YAML ({exc})", source=source) from None


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
    def load(cls, path: str | Path, prevalidated: bool = True) -> Spec:
        """Read and parse a document from disk; the shipped table's copy if it holds these bytes."""
        path = Path(path)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise SpecError(
                f"cannot read the document ({exc.strerror})", source=str(path)
            ) from None
        # A hit only saves the parse (and importing PyYAML): every check below runs either way.
        document = table.lookup(table.key("openapi", raw)) if prevalidated else None
        if document is None:
            document = _parse_yaml(raw, str(path))
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
            node = self._lookup(ref, where=pointer)
        return node, pointer

    def _lookup(self, ref: str, where: str) -> Any:
        # A local JSON pointer (RFC 6901, percent-decoded as a URI fragment) into the document.
        node: Any = self.document
        for token in unquote(ref[2:]).split("/"):
            token = token.replace("~1", "/").replace("~0", "~")
            try:
                node = node[int(token)] if isinstance(node, list) else node[token]
            except (KeyError, IndexError, ValueError, TypeError):
                raise SpecError(
                    f"$ref {ref!r} points at nothing", source=self.source, path=where
                ) from None
        return node

    def _add_operation(self, path: str, method: str, operation: dict) -> None:
        where = f"paths.{path}.{method}"
        operation_id = operation.get("operationId")
        if not operation_id:
            raise SpecError("operation has no operationId", source=self.source, path=where)
        statuses, examples = set(), {}
        base = f"/paths/{_escape(path)}/{method}/responses"
        for code, response in (operation.get("responses") or {}).items():
            if code == "default":
                continue  # upstream failures the stub never sends: no status to serve or ask for
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

    def component_schemas(self) -> dict[str, Any]:
        """A deep copy of components.schemas, for building derived schemas."""
        return copy.deepcopy(self.document.get("components", {}).get("schemas", {}))
