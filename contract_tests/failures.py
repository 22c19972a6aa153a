"""ContractFailure: a broken contract, worded like a diff of what was received and documented."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

LIMIT = 300


def show(value: Any, limit: int = LIMIT) -> str:
    """A value as compact JSON (bytes as text), cut at `limit` characters."""
    if isinstance(value, (bytes, bytearray)):
        text = bytes(value).decode("utf-8", "replace")
    elif isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
    else:
        try:
            text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
        except (TypeError, ValueError):
            text = repr(value)
    return clip(text, limit)


def clip(text: str, limit: int = LIMIT) -> str:
    """Plain text on one line, cut at `limit` characters."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text) - limit} more characters)"


class ContractFailure(AssertionError):
    """The target departs from the document: a title, a blank line, then labelled lines."""

    def __init__(self, title: str, *, request: str | None = None, received: str | None = None,
                 documented: str | None = None, details: Iterable[tuple[str, str]] = ()):
        self.title = title
        self.request = request
        self.received = received
        self.documented = documented
        self.details = tuple(details)
        super().__init__(self.text())

    def text(self) -> str:
        """The whole message, as pytest shows it."""
        lines = [("Request", self.request), ("Received", self.received),
                 ("Documented", self.documented), *self.details]
        body = [f"{label}: {value}" for label, value in lines if value is not None]
        return "\n".join([self.title, "", *body]) if body else self.title


class TargetError(ContractFailure):
    """The target could not be asked at all: unreachable, TLS, timeout, or an oversized answer."""
