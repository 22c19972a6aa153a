"""Scenario faults: what each operation does instead of its normal answer, and broken bodies."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

# The header that marks a body the stub broke on purpose (the self-check skips those).
FAULT_HEADER = "X-Mock-Fault"


@dataclass(frozen=True)
class Fault:
    """One operation's fault: a documented status to answer, added latency, a broken body."""

    status: int | None = None
    latency_s: float = 0.0
    body: str | None = None  # "malformed", "truncated" or "empty"


def plan(faults: Iterable[Mapping[str, Any]], operation_ids: Iterable[str]) -> dict[str, Fault]:
    """The fault of each affected operation: `*` entries first, then named ones, later fields win.

    A named entry beats a `*` entry whatever the order in the file, as a specific rule should;
    entries combine field by field, so `* latencyMs` plus `deleteSocialAccount status` both apply.
    """
    operation_ids = tuple(operation_ids)
    faults = list(faults)
    ordered = [f for f in faults if f["operation"] == "*"]
    ordered += [f for f in faults if f["operation"] != "*"]
    out: dict[str, Fault] = {}
    for entry in ordered:
        fields: dict[str, Any] = {}
        if "status" in entry:
            fields["status"] = entry["status"]
        if "latencyMs" in entry:
            fields["latency_s"] = entry["latencyMs"] / 1000
        if "body" in entry:
            fields["body"] = entry["body"]
        targets = operation_ids if entry["operation"] == "*" else (entry["operation"],)
        for operation_id in targets:
            out[operation_id] = replace(out.get(operation_id, Fault()), **fields)
    return out


def break_body(body: bytes, how: str) -> bytes:
    """The body spoiled as asked: not JSON at all, cut in half, or nothing."""
    if how == "empty":
        return b""
    if how == "truncated":
        # At least one byte short, so even a one-byte body stops parsing.
        return body[: min(len(body) // 2, max(len(body) - 1, 0))]
    # "malformed": still looks like the answer, but `=` for the first `:` is no JSON dialect's.
    return body.replace(b":", b"=", 1) if b":" in body else b"{" + body
