"""openapi.yaml: find it, load it once, and compile one validator per documented response."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from .errors import SuiteError

SPEC_URI = "urn:contract-tests:openapi.yaml"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
FORMAT_CHECKER = Draft202012Validator.FORMAT_CHECKER
_HERE = Path(__file__).resolve().parent


class DocumentError(SuiteError):
    """openapi.yaml is missing, unreadable, or lacks something the suite needs."""


def require_format_checkers() -> None:
    """Refuse to run if `format: date-time` would silently go unchecked."""
    if "date-time" not in FORMAT_CHECKER.checkers:
        raise DocumentError("rfc3339-validator is not installed, so jsonschema would not check "
                            "`format: date-time`; install it (it is a dependency of this package)")


def default_path() -> Path:
    """The shipped document: the wheel's copy (next to the stub's package), else the checkout's."""
    # Looked up by path rather than through `mockserver`, so a bug in the stub can't hide here.
    candidates = (_HERE.parent / "mockserver" / "openapi.yaml", _HERE.parent / "openapi.yaml")
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    return candidates[-1]


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


@dataclass(frozen=True)
class Operation:
    """One documented operation: its statuses, where each response schema lives, its examples."""

    operation_id: str
    method: str
    path: str
    schemas: dict[int, str]  # status -> JSON pointer of the application/json schema
    examples: dict[str, tuple[int, Any]] = field(default_factory=dict)
    default: str | None = None  # the `default` response's schema: any other failure status

    def schema_for(self, status: int) -> str | None:
        """Where the schema of an answer with this status lives (None: not documented). The
        `default` response describes failures, so it covers other 4xx and 5xx, never a 2xx."""
        if status in self.schemas:
            return self.schemas[status]
        return self.default if status >= 400 else None

    def response_name(self, status: int) -> str:
        """`200`, or `default` for a status only the default response covers."""
        return str(status) if status in self.schemas else "default"

    @property
    def documented(self) -> str:
        """The documented statuses, for failure text: `200, 401, 402 or any other 4xx/5xx`."""
        listed = ", ".join(map(str, self.statuses))
        return f"{listed} or any other 4xx/5xx (the `default` response)" if self.default else listed

    @property
    def label(self) -> str:
        """A readable name such as `GET /social-account/{id}`."""
        return f"{self.method.upper()} {self.path}"

    @property
    def statuses(self) -> tuple[int, ...]:
        """The documented status codes, in order."""
        return tuple(sorted(self.schemas))


class Document:
    """The parsed document, its schema registry and a compiled validator per schema location."""

    def __init__(self, raw: Any, source: str):
        if not isinstance(raw, dict) or not str(raw.get("openapi", "")).startswith("3.1"):
            raise DocumentError(f"{source}: not an OpenAPI 3.1 document (no `openapi: 3.1.x`)")
        self.raw = raw
        self.source = source
        self.registry = Registry().with_resource(SPEC_URI, DRAFT202012.create_resource(raw))
        self._resolver = self.registry.resolver()
        self._validators: dict[str, Draft202012Validator] = {}
        self._nodes: dict[str, Any] = {}
        self.operations: dict[str, Operation] = {}
        for path, item in (raw.get("paths") or {}).items():
            for method in HTTP_METHODS:
                if isinstance(item, dict) and method in item:
                    self._add(path, method, item[method])
        platform = (raw.get("components") or {}).get("schemas", {}).get("Platform", {})
        self.platforms: tuple[str, ...] = tuple(platform.get("enum") or ())
        if not self.platforms:
            raise DocumentError(f"{source}: components.schemas.Platform has no enum of platforms")

    def lookup(self, pointer: str) -> Any:
        """The node at a JSON pointer (`/components/schemas/Error`) of the document."""
        node = self._nodes.get(pointer, self)
        if node is self:  # not looked up yet (None is a valid node)
            node = self._nodes[pointer] = self._resolver.lookup(f"{SPEC_URI}#{pointer}").contents
        return node

    def follow(self, node: Any, pointer: str) -> tuple[Any, str]:
        """Follow local `$ref`s from a node, returning the target and its JSON pointer."""
        seen: set[str] = set()
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if not isinstance(ref, str) or not ref.startswith("#") or ref in seen:
                raise DocumentError(f"{self.source}: {pointer}: only local, non-circular $refs are "
                                    f"supported, not {ref!r}")
            seen.add(ref)
            pointer = ref[1:]
            node = self.lookup(pointer)
        return node, pointer

    def _add(self, path: str, method: str, operation: dict) -> None:
        operation_id = operation.get("operationId") or f"{method} {path}"
        schemas: dict[int, str] = {}
        examples: dict[str, tuple[int, Any]] = {}
        base = f"/paths/{_escape(path)}/{method}/responses"
        default = None
        for code, response in (operation.get("responses") or {}).items():
            if not str(code).isdigit() and code != "default":
                continue  # `4XX`-style ranges are not used by this API
            response, pointer = self.follow(response, f"{base}/{code}")
            media = (response.get("content") or {}).get("application/json")
            if not isinstance(media, dict) or "schema" not in media:
                raise DocumentError(f"{self.source}: {method.upper()} {path} {code}: "
                                    "no application/json schema")
            schema = f"{pointer}/content/application~1json/schema"
            if code == "default":
                default = schema
                continue
            schemas[int(code)] = schema
            for name, example in (media.get("examples") or {}).items():
                example, _ = self.follow(example, pointer)
                examples[name] = (int(code), example.get("value"))
        self.operations[operation_id] = Operation(operation_id, method, path, schemas, examples,
                                                  default)

    def operation(self, method: str, path: str) -> Operation:
        """The operation for a method and path template, e.g. ("GET", "/social-account")."""
        for op in self.operations.values():
            if op.method == method.lower() and op.path == path:
                return op
        raise DocumentError(f"{self.source} has no operation {method.upper()} {path}")

    def validator(self, pointer: str) -> Draft202012Validator:
        """A compiled validator for the schema at a JSON pointer, with formats checked."""
        validator = self._validators.get(pointer)
        if validator is None:
            validator = Draft202012Validator({"$ref": f"{SPEC_URI}#{pointer}"},
                                             registry=self.registry, format_checker=FORMAT_CHECKER)
            self._validators[pointer] = validator
        return validator


@functools.lru_cache(maxsize=4)
def _load(path: str, _mtime_ns: int) -> Document:
    try:
        raw = yaml.load(Path(path).read_text(encoding="utf-8"),
                        Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except OSError as exc:
        raise DocumentError(f"cannot read the OpenAPI document {path} ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise DocumentError(f"{path} is not valid YAML ({exc})") from None
    return Document(raw, path)


def load(path: str | Path) -> Document:
    """Load a document (cached while the file is unchanged, so repeated sessions are cheap)."""
    require_format_checkers()
    path = Path(path)
    try:
        mtime = path.stat().st_mtime_ns
    except OSError as exc:
        raise DocumentError(f"cannot read the OpenAPI document {path} ({exc.strerror})") from None
    return _load(str(path), mtime)
