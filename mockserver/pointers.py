"""JSON pointers (RFC 6901) into a parsed document: escape a token, follow a local `#/` reference.

`referencing` does the same job, but importing it costs about a third of a Flask import, and
the document's `$ref`s are followed at every start; it is used once jsonschema is loaded anyway
(`Spec.registry`, the validators).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote


def escape(token: str) -> str:
    """One reference token as a pointer writes it (`/` as `~1`, `~` as `~0`)."""
    return token.replace("~", "~0").replace("/", "~1")


def follow(document: Any, ref: str) -> Any:
    """The node a local reference such as `#/components/schemas/X` names; LookupError if none."""
    if not ref.startswith("#/"):
        raise LookupError(ref)
    node = document
    # A fragment is percent-decoded first (it is part of a URI), then each token unescaped.
    for token in unquote(ref[2:]).split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        try:
            node = node[int(token)] if isinstance(node, list) else node[token]
        except (KeyError, IndexError, ValueError, TypeError):
            raise LookupError(ref) from None
    return node
