"""Per-request overrides, Prism's way: `Prefer: code=404, example=NAME` or `?__code=&__example=`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .errors import OverrideError
from .responses import Examples
from .spec import Operation

QUERY_CODE, QUERY_EXAMPLE = "__code", "__example"


@dataclass(frozen=True)
class Override:
    """What one request asked for: a status, a named example, or both."""

    code: int | None = None
    example: str | None = None
    asked: str = ""  # how it was asked, quoted back in messages


def _unquote(value: str) -> str:
    value = value.strip()
    return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value


def _preferences(header: str) -> dict[str, str]:
    """`code` and `example` from a Prefer header (RFC 7240); other preferences are ignored."""
    found: dict[str, str] = {}
    for item in header.replace(";", ",").split(","):
        name, sep, value = item.partition("=")
        name = name.strip().lower()
        if name in ("code", "example") and name not in found:
            found[name] = _unquote(value) if sep else ""
    return found


def _code(text: str, where: str) -> int:
    if not (text.isascii() and text.isdigit() and len(text) == 3):
        raise OverrideError(f"{where} must be a three-digit status code such as 404, not {text!r}")
    return int(text)


def requested(prefer: str | None, args: Mapping[str, str]) -> Override | None:
    """The override a request asks for (query parameters win over Prefer), or None."""
    found = _preferences(prefer) if prefer else {}
    code_text, example = found.get("code"), found.get("example")
    code_where, example_where = "Prefer code", "Prefer example"
    if QUERY_CODE in args:
        code_text, code_where = args[QUERY_CODE], f"?{QUERY_CODE}"
    if QUERY_EXAMPLE in args:
        example, example_where = args[QUERY_EXAMPLE], f"?{QUERY_EXAMPLE}"
    if code_text is None and example is None:
        return None
    code = None if code_text is None else _code(code_text.strip(), code_where)
    if example is not None and not example.strip():
        raise OverrideError(f"{example_where} must name an example, not be empty")
    asked = []
    if code_text is not None:
        asked.append(f"{code_where}={code_text.strip()}")
    if example is not None:
        asked.append(f"{example_where}={example.strip()}")
    return Override(code, None if example is None else example.strip(), ", ".join(asked))


def resolve(override: Override, op: Operation, examples: Examples) -> str:
    """The name of the documented example that answers the override, else OverrideError."""
    if override.code is not None and override.code not in op.statuses:
        documented = ", ".join(map(str, sorted(op.statuses)))
        raise OverrideError(f"{override.asked}: {op.label} does not document status "
                            f"{override.code} (it documents {documented})")
    if override.example is None:
        name = examples.name_for(op.operation_id, override.code)
        if name is None:
            raise OverrideError(f"{override.asked}: {op.label} has no example for {override.code}")
        return name
    found = examples.get(op.operation_id, override.example)
    if found is None:
        known = ", ".join(examples.names(op.operation_id))
        raise OverrideError(f"{override.asked}: {op.label} has no example named "
                            f"{override.example!r} (it has {known})")
    if override.code is not None and found[0] != override.code:
        raise OverrideError(f"{override.asked}: example {override.example!r} of {op.label} is "
                            f"documented for status {found[0]}, not {override.code}")
    return override.example
