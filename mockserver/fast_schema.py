"""A quick yes to documents that jsonschema would accept, from jsonschema-rs, never a wrong yes.

jsonschema takes seconds on a scenario of 10,000 accounts; jsonschema-rs (Rust) a few hundredths.
Its answer is used only when it is "valid": any other answer, and any value it cannot take in
(a date from YAML, a non-string key, bytes), sends the document to jsonschema, whose messages the
user reads. Where the two could disagree on a yes, Python decides: every `pattern` becomes a
format checked with Python's `re.search` (Python's `\\s` and `$` differ from Rust's), and every
`format` is checked by jsonschema's own FormatChecker.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jsonschema import FormatChecker

Accepts = Callable[[Any], bool]
# Keywords whose values are data, not schemas: a "pattern" inside them is no pattern.
DATA = frozenset({"const", "enum", "default", "examples"})
# Keywords whose values map names (which may be "pattern" or "enum") to schemas.
BY_NAME = frozenset({"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"})


def _date_time(value: str) -> bool:
    # jsonschema's own date-time check, word for word (a test compares the two on many values):
    # taken from rfc3339_validator directly, a load need not import jsonschema (~80 ms) for it.
    from rfc3339_validator import validate_rfc3339

    return validate_rfc3339(value.upper())


# Formats checked here as jsonschema checks them; any other asks jsonschema's FormatChecker.
OWN_FORMATS: dict[str, Callable[[str], bool]] = {"date-time": _date_time}


class _Untranslatable(Exception):
    """The schema holds a regex that cannot be handed to Python: jsonschema alone checks it."""


def _python_checks(schema: Any,
                   checker: Callable[[], FormatChecker]) -> tuple[Any, dict[str, Callable]]:
    """The schema with each `pattern` turned into a format, and a Python check for each format.

    `checker` gives jsonschema's FormatChecker, asked for only if a format is not in OWN_FORMATS.
    """
    formats: dict[str, Callable[[str], bool]] = {}

    def child(key: str, value: Any) -> Any:
        if key in DATA:
            return value
        if key in BY_NAME and isinstance(value, dict):
            return {name: walk(schema) for name, schema in value.items()}
        return walk(value)

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(item) for item in node]
        if not isinstance(node, dict):
            return node
        if node.get("patternProperties"):
            # Its regexes choose which schema a name gets, inside Rust: no Python check can stand
            # in for them, and Rust's `\s` is not Python's.
            raise _Untranslatable("patternProperties")
        out = {key: child(key, value) for key, value in node.items()}
        if isinstance(out.get("format"), str):
            name = out["format"]
            if name not in formats:
                formats[name] = OWN_FORMATS.get(name) or functools.partial(
                    checker().conforms, format=name)
        if isinstance(out.get("pattern"), str):
            pattern = out.pop("pattern")
            name = f"python-pattern-{len(formats)}"
            formats[name] = lambda value, pattern=pattern: re.search(pattern, value) is not None
            out["allOf"] = [*out.get("allOf", []), {"format": name}]
        return out

    # A check is a pure function of the string, and a scenario repeats its dates: rs calls back
    # into Python for each string, and a cached answer costs a fifth of a fresh one.
    return walk(schema), {name: functools.lru_cache(4096)(check) for name, check in formats.items()}


# The values JSON and YAML give most: not containers, so passed over by one set lookup.
SCALARS = frozenset({str, int, float, bool, type(None)})


def _not_plain(document: Any) -> bool:
    """Whether anything but a dict, list, str, int, float, bool or None is in the document.

    jsonschema-rs takes a tuple as an array and a Decimal as a number, jsonschema does not
    (a YAML `!!omap` makes tuples): such a document is left to jsonschema.
    """
    found = [document]
    for value in found:  # grows while it is read: every value once, no recursion
        kind = type(value)
        if kind is dict:
            found.extend(value.values())
        elif kind is list:
            found.extend(value)
        elif kind not in SCALARS:
            return True
    return False


def compile_accepts(schema: dict[str, Any],
                    checker: Callable[[], FormatChecker]) -> Accepts | None:
    """A check that says True only of documents `schema` accepts; None without jsonschema-rs.

    `checker` gives jsonschema's FormatChecker for a format this module does not check itself.
    """
    try:
        import jsonschema_rs
    except ImportError:
        return None
    try:
        rust_schema, formats = _python_checks(schema, checker)
    except _Untranslatable:
        return None
    try:
        validator = jsonschema_rs.Draft202012Validator(
            rust_schema, formats=formats, validate_formats=True
        )
    except Exception:  # a schema it cannot compile: jsonschema alone then
        return None

    def accepts(document: Any) -> bool:
        if _not_plain(document):
            return False
        try:
            return validator.is_valid(document)
        except Exception:  # a value it cannot take in (a date, bytes, a non-string key)
            return False
        except BaseException as exc:  # a panic in Rust comes as pyo3's PanicException
            if type(exc).__name__ != "PanicException":
                raise
            return False

    return accepts
