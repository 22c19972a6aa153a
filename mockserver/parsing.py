"""Safe parsing of YAML and JSON documents: size limits, alias bombs, one-line errors."""

from __future__ import annotations

import json
from typing import Any

from .errors import MockServerError, ScenarioError

MAX_DOCUMENT_BYTES = 8 * 1024 * 1024
# A YAML alias repeats a whole subtree; this bounds the expanded size of a document so that
# an alias "billion laughs" is refused instead of expanded.
MAX_EXPANDED_NODES = 2_000_000
# From this size on, a YAML document built by PyYAML's loader (one with anchors, tags ...) is
# repacked so that it holds less memory.
REPACK_BYTES = 256 * 1024


def _expanded_size(node: Any, memo: dict[int, int]) -> int:
    key = id(node)
    if key in memo:
        return memo[key]
    memo[key] = 1  # guards against recursive aliases
    if isinstance(node, dict):
        size = 1 + sum(_expanded_size(k, memo) + _expanded_size(v, memo) for k, v in node.items())
    elif isinstance(node, list):
        size = 1 + sum(_expanded_size(item, memo) for item in node)
    else:
        size = 1
    memo[key] = size
    return size


def _json_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _parse_json(text: str | bytes, source: str, error: type[MockServerError]) -> Any:
    try:
        return json.loads(text, parse_constant=_json_constant)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}"
        raise error(f"not valid JSON ({exc.msg})", source=source, path=where) from None
    except UnicodeDecodeError as exc:
        raise error(f"not UTF-8 (byte {exc.start})", source=source) from None
    except ValueError as exc:  # NaN or Infinity, which JSON does not have
        raise error(f"not valid JSON ({exc})", source=source) from None


def _parse_yaml(text: str | bytes, source: str, error: type[MockServerError]) -> Any:
    import yaml  # about 11 ms to import: paid only by a document that is parsed as YAML

    from . import fast_yaml

    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise error(f"not UTF-8 (byte {exc.start})", source=source) from None
    # Built from libyaml's events, a plain document has no aliases to bound, and takes no more
    # memory than its values (no nodes were made): it needs neither step below.
    try:
        return fast_yaml.load(text)
    except Exception:  # an anchor, a tag, a parse error ...: PyYAML decides, and words errors
        pass
    # The C loader when libyaml is there: several times faster, same safe constructors.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        document = yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise error(f"not valid YAML ({problem})", source=source, path=where) from None
    except (ValueError, OverflowError) as exc:  # a plain scalar such as 2026-13-01: no such date
        raise error(f"not valid YAML ({exc})", source=source) from None
    # An alias needs an anchor (`&name`), so without a `&` nothing can expand: skip the walk.
    if "&" in text and (
        _expanded_size(document, {}) > MAX_EXPANDED_NODES
    ):
        raise error("refused: YAML aliases expand it beyond the size limit", source=source)
    if len(text) < REPACK_BYTES:
        return document
    # The parser leaves a large document's objects scattered among its freed nodes, and that
    # memory stays resident (about 100 MiB for 10,000 accounts). Rebuilt from JSON text once
    # the parsed objects are gone, the same values take a tenth of it; ~5% of the parse time.
    try:
        packed, shape = json.dumps(document), repr(document)
    except (TypeError, ValueError):  # a date, a set, bytes: not JSON, so kept as parsed
        return document
    del document
    document = json.loads(packed)
    # json.dumps writes an int or bool key as a string: such a document is parsed again.
    return document if repr(document) == shape else yaml.load(text, Loader=loader)


def parse_document(
    text: str | bytes,
    source: str,
    as_json: bool = False,
    error: type[MockServerError] = ScenarioError,
) -> Any:
    """Parse YAML (or, with `as_json`, JSON) safely; any problem is one `error` naming `source`."""
    if len(text) > MAX_DOCUMENT_BYTES:
        raise error(f"larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MiB", source=source)
    try:
        return _parse_json(text, source, error) if as_json else _parse_yaml(text, source, error)
    except RecursionError:
        raise error("nested too deeply", source=source) from None
