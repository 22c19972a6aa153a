"""openapi.yaml, loaded once: its operations, examples and compiled response validators."""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Iterator
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


def _not_json(node: Any, where: str = "") -> tuple[str, Any] | None:
    """The first value (or key) JSON cannot hold, such as a YAML date, with where it is."""
    if isinstance(node, dict):
        for key, value in node.items():
            if not isinstance(key, str):
                return where, key
            found = _not_json(value, f"{where}.{key}" if where else key)
            if found is not None:
                return found
        return None
    if isinstance(node, list):
        for index, value in enumerate(node):
            found = _not_json(value, f"{where}[{index}]")
            if found is not None:
                return found
        return None
    if node is None or isinstance(node, (str, bool, int)):
        return None
    if isinstance(node, float) and node == node and node not in (float("inf"), float("-inf")):
        return None
    return where, node


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


def _kind(node: Any) -> str:
    kinds = {list: "a list", str: "a string", bool: "a boolean", int: "a number",
             float: "a number", type(None): "empty"}
    return kinds.get(type(node), type(node).__name__)


def _mapping(node: Any, source: str, where: str) -> dict:
    """`node` when it is a mapping, else the SpecError that names where it is."""
    if isinstance(node, dict):
        return node
    raise SpecError(f"must be a mapping, not {_kind(node)}", source=source, path=where)


def _refs(node: Any, where: str, data: bool = False) -> Iterator[tuple[Any, str]]:
    """Every `$ref` value of the document with its dotted path; examples' data is not walked."""
    if isinstance(node, list):
        if not data:
            for index, item in enumerate(node):
                yield from _refs(item, f"{where}[{index}]")
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        path = f"{where}.{key}" if where else str(key)
        if key == "$ref":
            yield value, path
        elif key == "example" or (data and key == "value"):
            continue  # instance data, where a `$ref` key is only a value
        elif key == "examples":
            if isinstance(value, dict):  # Example objects: their `value` is data
                for name, example in value.items():
                    yield from _refs(example, f"{path}.{name}", data=True)
        else:
            yield from _refs(value, path)


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
        for ref, where in _refs(document, ""):
            if not isinstance(ref, str) or not ref.startswith("#/"):
                raise SpecError(f"unsupported $ref {ref!r}: only local ones (#/...) are read",
                                source=source, path=where)
            try:
                pointers.follow(document, ref)
            except LookupError:
                raise SpecError(f"$ref {ref!r} points at nothing", source=source,
                                path=where) from None
        for path, item in _mapping(document.get("paths", {}), source, "paths").items():
            item = _mapping(item, source, f"paths.{path}")
            for method in HTTP_METHODS:
                if method in item:
                    operation = _mapping(item[method], source, f"paths.{path}.{method}")
                    self._add_operation(path, method, operation)
        components = _mapping(document.get("components", {}), source, "components")
        schemas = _mapping(components.get("schemas", {}), source, "components.schemas")
        platform = _mapping(schemas.get("Platform") or {}, source, "components.schemas.Platform")
        enum = platform.get("enum") or ()
        if not isinstance(enum, list) or not all(isinstance(name, str) for name in enum):
            raise SpecError("must be a list of platform names",
                            source=source, path="components.schemas.Platform.enum")
        self.platforms: tuple[str, ...] = tuple(enum)
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
        # A known document saves the parse (and importing PyYAML) and the schema check, which
        # the build step ran on it (it loads with no `known`); every other check still runs.
        document = known(raw) if known is not None else None
        if document is not None:
            return cls(document, source=str(path))
        document = parse_document(raw, str(path), error=SpecError)
        found = _not_json(document)
        if found is not None:  # /openapi.json could not be served, nor the document compared
            where, value = found
            raise SpecError(f"{value!r} is not a JSON value (OpenAPI documents are JSON): quote "
                            "it in the YAML", source=str(path), path=where or None)
        spec = cls(document, source=str(path))
        spec.check_schemas()
        return spec

    def check_schemas(self) -> None:
        """SpecError unless every schema is valid JSON Schema 2020-12 and every example fits."""
        from jsonschema import Draft202012Validator
        from jsonschema.exceptions import SchemaError, best_match

        schemas = self.document.get("components", {}).get("schemas", {})
        found = [(schema, f"components.schemas.{name}") for name, schema in schemas.items()]
        for uri in self._schema_uris.values():
            ref = "#" + uri.partition("#")[2]
            where = ".".join(token.replace("~1", "/").replace("~0", "~")
                             for token in ref.split("/")[1:])
            found.append((pointers.follow(self.document, ref), where))
        for schema, where in found:
            try:
                Draft202012Validator.check_schema(schema)
            except SchemaError as exc:
                raise SpecError(f"not a valid JSON Schema: {exc.message}", source=self.source,
                                path=".".join([where, *map(str, exc.path)])) from None
        for operation in self.operations.values():
            for name, (status, value) in operation.examples.items():
                validator = self.response_validator(operation.operation_id, status)
                error = best_match(validator.iter_errors(value))
                if error is not None:
                    raise SpecError(
                        f"does not fit its schema at {error.json_path}: {error.message}",
                        source=self.source, path=f"paths.{operation.path}.{operation.method}."
                        f"responses.{status}.content.application/json.examples.{name}")

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
        where, source = f"paths.{path}.{method}", self.source
        operation_id = operation.get("operationId")
        if not operation_id or not isinstance(operation_id, str):
            raise SpecError("operation has no operationId (a string)", source=source, path=where)
        if operation_id in self.operations:
            raise SpecError(f"operationId {operation_id!r} is also "
                            f"{self.operations[operation_id].label}", source=source, path=where)
        if not operation.get("responses"):
            raise SpecError("operation documents no responses", source=source, path=where)
        statuses, examples = set(), {}
        base = f"/paths/{pointers.escape(path)}/{method}/responses"
        responses = _mapping(operation["responses"], source, f"{where}.responses")
        for code, response in responses.items():
            if code == "default":
                continue  # upstream failures the stub never sends: no status to serve or ask for
            if not str(code).isdigit():
                raise SpecError(f"response {code!r} is not a status code", source=source,
                                path=where)
            status, at = int(code), f"{where}.responses.{code}"
            statuses.add(status)
            response, pointer = self.resolve(response, f"{base}/{code}")
            content = _mapping(_mapping(response, source, at).get("content", {}), source,
                               f"{at}.content")
            media = content.get("application/json")
            if not isinstance(media, dict) or "schema" not in media:
                raise SpecError("response has no application/json schema", source=source,
                                path=at)
            self._schema_uris[(operation_id, status)] = (
                f"{SPEC_URI}#{pointer}/content/application~1json/schema"
            )
            at = f"{at}.content.application/json.examples"
            for name, example in _mapping(media.get("examples", {}), source, at).items():
                example, _ = self.resolve(example, pointer)
                if "value" not in _mapping(example, source, f"{at}.{name}"):
                    raise SpecError("example has no `value` (the stub serves it)",
                                    source=source, path=f"{at}.{name}")
                examples[name] = (status, example["value"])
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
