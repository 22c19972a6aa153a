"""Plain YAML documents built straight from libyaml's events, as PyYAML's safe loader builds them.

`yaml.load(text, Loader=yaml.CSafeLoader)` composes a node (with two marks) for every scalar,
calls the Python resolver for each, and only then constructs values: about four fifths of the
time it takes on a large scenario. `load` reads the C parser's events and builds the dicts,
lists and scalars directly, resolving plain scalars with PyYAML's own implicit resolver table and
constructing non-strings with PyYAML's own SafeConstructor methods, so YAML 1.1 meanings stay
(`yes`, `0777`, `1:20`, dates ...). Whatever it does not build exactly as PyYAML would (anchors,
aliases, tags, merge keys, a mapping as a key, more than one document) raises `Unusual`, and the
caller lets PyYAML load the text, which also words every error.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.events import (
    DocumentEndEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
    StreamStartEvent,
)
from yaml.nodes import ScalarNode
from yaml.resolver import BaseResolver

LOADER = getattr(yaml, "CSafeLoader", None)
STR_TAG = BaseResolver.DEFAULT_SCALAR_TAG
# The scalar tags built here, each with the constructor PyYAML's safe loader uses for it.
SCALAR_CONSTRUCTORS = {
    f"tag:yaml.org,2002:{name}": getattr(SafeConstructor, f"construct_yaml_{name}")
    for name in ("null", "bool", "int", "float", "timestamp")
}
_NO_KEY = object()  # a mapping's next scalar is a key


class Unusual(Exception):
    """The text needs PyYAML's full loader: it holds what this builder does not build."""


def available() -> bool:
    """Whether libyaml is there and the safe loader is PyYAML's own, unchanged."""
    if LOADER is None or LOADER.yaml_path_resolvers or LOADER.resolve is not BaseResolver.resolve:
        return False
    constructors = LOADER.yaml_constructors
    return constructors.get(STR_TAG) is SafeConstructor.construct_yaml_str and all(
        constructors.get(tag) is method for tag, method in SCALAR_CONSTRUCTORS.items()
    ) and all(
        constructors.get(f"tag:yaml.org,2002:{kind}") is getattr(
            SafeConstructor, f"construct_yaml_{kind}"
        )
        for kind in ("map", "seq")
    )


def _plain_scalar(loader: Any, value: str) -> Any:
    """A plain scalar's value, resolved and constructed as the safe loader does it."""
    table = loader.yaml_implicit_resolvers
    tag = STR_TAG
    for candidate, regexp in table.get(value[0] if value else "", []) + table.get(None, []):
        if regexp.match(value):
            tag = candidate
            break
    if tag == STR_TAG:
        return value
    construct = SCALAR_CONSTRUCTORS.get(tag)
    if construct is None:  # `<<`, `=`: a merge key, a value key
        raise Unusual(tag)
    return construct(loader, ScalarNode(tag, value))


def load(text: str) -> Any:
    """What `yaml.load(text, Loader=yaml.CSafeLoader)` returns, or `Unusual` (or a YAMLError)."""
    if not available():
        raise Unusual("no libyaml, or a changed safe loader")
    loader = LOADER(text)
    try:
        return _build(loader)
    finally:
        loader.dispose()


def _build(loader: Any) -> Any:
    get = loader.get_event
    if type(get()) is not StreamStartEvent:
        raise Unusual("no stream start")
    event = get()
    if type(event) is StreamEndEvent:
        return None
    if type(event) is not DocumentStartEvent:
        raise Unusual("no document start")
    # Plain scalars repeat (keys, enums): each distinct text is resolved once and its value,
    # immutable, shared; that also keeps one copy of each key in memory.
    memo: dict[str, Any] = {}
    root: list[Any] = []
    stack: list[tuple[Any, bool]] = []
    container: Any = root
    is_map = False
    key: Any = _NO_KEY
    while True:
        event = get()
        kind = type(event)
        if kind is ScalarEvent:
            if event.anchor is not None or event.tag is not None:
                raise Unusual("an anchor or a tag")
            value = event.value
            if event.implicit[0]:
                try:
                    value = memo[value]
                except KeyError:
                    memo[value] = value = _plain_scalar(loader, value)
            if not is_map:
                container.append(value)
            elif key is _NO_KEY:
                key = value
            else:
                container[key] = value
                key = _NO_KEY
        elif kind is MappingStartEvent or kind is SequenceStartEvent:
            if event.anchor is not None or event.tag is not None:
                raise Unusual("an anchor or a tag")
            new: Any = {} if kind is MappingStartEvent else []
            if not is_map:
                container.append(new)
            elif key is _NO_KEY:
                raise Unusual("a collection as a mapping key")
            else:
                container[key] = new
            stack.append((container, is_map))
            container, is_map, key = new, kind is MappingStartEvent, _NO_KEY
        elif kind is MappingEndEvent or kind is SequenceEndEvent:
            container, is_map = stack.pop()
            key = _NO_KEY
        elif kind is DocumentEndEvent:
            break
        else:  # an alias
            raise Unusual(kind.__name__)
    if type(get()) is not StreamEndEvent:
        raise Unusual("more than one document")
    return root[0]
