"""What `drift` compares: one answer reduced to status, media type, envelope, messages, paths."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from . import shapes
from .remote import Answer

# What is compared, by the names the report and --ignore use; data values never are.
ASPECTS = ("status", "media type", "envelope", "message", "paths")

@dataclass
class Observed:
    """One side's answer to one situation, reduced to what is compared."""

    status: int | None = None
    media_type: str | None = None
    envelope: str | None = None
    messages: list[str] = field(default_factory=list)
    shape: shapes.Shape | None = field(default=None, repr=False)
    note: str | None = None  # why nothing was sent

    @classmethod
    def of(cls, answer: Answer, redact: Callable[[str], str] = str) -> Observed:
        """Reduce an answer; `redact` masks keys in its messages before any report wraps them."""
        try:
            body = answer.json()
        except ValueError:
            return cls(answer.status, answer.media_type, "not JSON")
        return cls(answer.status, answer.media_type, shapes.envelope(body),
                   [redact(m) for m in shapes.messages(body)], shapes.shape(body))

    @property
    def headline(self) -> str:
        """Status, media type and envelope in one cell."""
        return self.note or f"{self.status} {self.media_type} {self.envelope}"

    def as_json(self) -> dict[str, Any]:
        """The observed answer for the JSON report (paths with their sorted types)."""
        out = {k: v for k, v in asdict(self).items() if k != "shape" and v is not None}
        if self.shape is not None:
            out["paths"] = {path: sorted(types) for path, types in sorted(self.shape.types.items())}
        return out


@dataclass
class Difference:
    """One aspect of one situation in which the two sides differ."""

    aspect: str
    real: str
    stub: str
    ignored: bool = False  # accepted with --ignore: shown, not a failure


@dataclass
class Outcome:
    """One situation on both sides and how they differ."""

    situation: str
    real: Observed
    stub: Observed
    differences: list[Difference]

    @property
    def compared(self) -> bool:
        """Both sides were sent the situation."""
        return self.real.note is None and self.stub.note is None

    @property
    def differs(self) -> bool:
        """A difference that was not accepted with --ignore."""
        return any(not d.ignored for d in self.differences)

    def accept(self, ignores: set[tuple[str, str | None]]) -> None:
        """Mark the differences --ignore accepts."""
        for difference in self.differences:
            difference.ignored = bool({(self.situation, None),
                                       (self.situation, difference.aspect)} & ignores)


def _path_differences(real: shapes.Shape, stub: shapes.Shape) -> tuple[list[str], list[str]]:
    def one_side(mine: shapes.Shape, other: shapes.Shape) -> list[str]:
        out = []
        for path, types in mine.types.items():
            parent = mine.parents[path]
            if path in other.types:
                if types != other.types[path]:
                    out.append(f"{path}: {'|'.join(sorted(types))}")
            elif parent in other.types and not (path.endswith("[]") and parent in other.empty):
                # Missing under a parent the other side has, whose items it did show.
                out.append(f"{path}: {'|'.join(sorted(types))} (only here)")
        return sorted(out)

    return one_side(real, stub), one_side(stub, real)


def quoted(messages: list[str]) -> str:
    """Messages as JSON strings joined by ` | `, or `(none)`."""
    return " | ".join(json.dumps(m, ensure_ascii=False) for m in messages) or "(none)"


def compare(situation: str, real: Observed, stub: Observed) -> Outcome:
    """The differences between two observed answers: data values are never compared."""
    outcome = Outcome(situation, real, stub, [])
    if not outcome.compared:
        return outcome
    add = outcome.differences.append
    for aspect in ("status", "media_type", "envelope"):
        mine, theirs = getattr(real, aspect), getattr(stub, aspect)
        if mine != theirs:
            add(Difference(aspect.replace("_", " "), str(mine), str(theirs)))
    if real.messages != stub.messages:
        add(Difference("message", quoted(real.messages), quoted(stub.messages)))
    if real.shape is not None and stub.shape is not None:
        only_real, only_stub = _path_differences(real.shape, stub.shape)
        if only_real or only_stub:
            add(Difference("paths", "\n".join(only_real) or "(same)",
                           "\n".join(only_stub) or "(same)"))
    return outcome
