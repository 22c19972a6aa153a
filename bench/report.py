"""The bench's verdicts: stub/floor ratios against the issue's targets, as a table and JSON."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

CONTRACT_LIMIT_S = 3.0


@dataclass(frozen=True)
class Target:
    """A bound on stub/floor (`ratio`) or on the stub's own figure (`absolute`)."""

    op: str  # "<=", ">=" or "<"
    bound: float
    kind: str = "ratio"

    def holds(self, value: float) -> bool:
        """Whether a measured value meets the target."""
        return {"<=": value <= self.bound, ">=": value >= self.bound,
                "<": value < self.bound}[self.op]

    def __str__(self) -> str:
        sign = {"<=": "≤", ">=": "≥", "<": "<"}[self.op]
        return f"{sign} {self.bound:.2f}" if self.kind == "ratio" else f"{sign} {self.bound:g} s"


# (key, label, unit, target or None). Keys are paths into a side's results.
ROWS: tuple[tuple[str, str, str, Target | None], ...] = (
    ("startup_ms", "start-up to first 200 (median)", "ms", Target("<=", 1.3)),
    ("list.rps", "list: requests/s", "/s", Target(">=", 0.85)),
    ("list.p50_ms", "list: p50 latency", "ms", None),
    ("list.p99_ms", "list: p99 latency", "ms", Target("<=", 1.3)),
    ("list.cpu_us", "list: server CPU per request", "us", None),
    ("read.rps", "read: requests/s", "/s", Target(">=", 0.85)),
    ("read.p50_ms", "read: p50 latency", "ms", None),
    ("read.p99_ms", "read: p99 latency", "ms", Target("<=", 1.3)),
    ("read.cpu_us", "read: server CPU per request", "us", None),
    ("peak_rss_mib", "peak RSS (VmHWM)", "MiB", Target("<=", 1.5)),
)
SCALE_ROWS: tuple[tuple[str, str, str], ...] = (
    ("startup_ms", "load time: start-up to first 200 (median)", "ms"),
    ("list.rps", "list: requests/s", "/s"),
    ("list.p50_ms", "list: p50 latency", "ms"),
    ("list.p99_ms", "list: p99 latency", "ms"),
    ("list.cpu_us", "list: server CPU per request", "us"),
    ("peak_rss_mib", "peak RSS (VmHWM)", "MiB"),
)
CONTRACT_TARGET = Target("<", CONTRACT_LIMIT_S, kind="absolute")


def lookup(side: Mapping[str, Any] | None, key: str) -> float | None:
    """A figure by dotted key, or None when it was not measured."""
    node: Any = side
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node if isinstance(node, (int, float)) else None


def ratio(stub: float | None, floor: float | None) -> float | None:
    """stub/floor, or None when either side is missing or the floor is zero."""
    if stub is None or floor is None or floor == 0:
        return None
    return stub / floor


def verdict(target: Target | None, value: float | None) -> str:
    """PASS or FAIL against a target; `n/a` without a value, `-` without a target."""
    if target is None:
        return "-"
    if value is None:
        return "n/a"
    return "PASS" if target.holds(value) else "FAIL"


def evaluate(results: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per figure: stub, floor, ratio, target and verdict."""
    rows = []
    for key, label, unit, target in ROWS:
        stub, floor = lookup(results.get("stub"), key), lookup(results.get("floor"), key)
        value = ratio(stub, floor)
        rows.append({"key": key, "figure": label, "unit": unit, "stub": stub, "floor": floor,
                     "ratio": value, "target": str(target) if target else "",
                     "verdict": verdict(target, value)})
    contract = results.get("contract") or {}
    wall = contract.get("wall_s")
    rows.append({"key": "contract.wall_s", "figure": "contract suite wall time", "unit": "s",
                 "stub": wall, "floor": None, "ratio": None, "target": str(CONTRACT_TARGET),
                 "verdict": verdict(CONTRACT_TARGET, wall), "note": contract.get("note", "")})
    scale = results.get("scale") or {}
    for key, label, unit in SCALE_ROWS:
        stub, floor = lookup(scale.get("stub"), key), lookup(scale.get("floor"), key)
        figure = f"{scale.get('accounts', '?')} accounts: {label}"
        rows.append({"key": f"scale.{key}", "figure": figure,
                     "unit": unit, "stub": stub, "floor": floor, "ratio": ratio(stub, floor),
                     "target": "", "verdict": "-"})
    return rows


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit == "/s":
        return f"{value:,.0f}/s"
    if unit == "s":
        return f"{value:.2f} s"
    if unit == "us":
        return f"{value:,.0f} µs"
    if unit == "MiB":
        return f"{value:.1f} MiB"
    return f"{value:,.1f} ms" if value < 100 else f"{value:,.0f} ms"


def table(rows: list[dict[str, Any]]) -> str:
    """The rows as a Markdown table (readable in a terminal as well)."""
    lines = ["| figure | stub | floor | stub/floor | target | verdict |",
             "|---|---:|---:|---:|---|---|"]
    for row in rows:
        shown_ratio = "" if row["ratio"] is None else f"{row['ratio']:.2f}"
        result = row["verdict"]
        if row.get("note"):
            result = f"{result} ({row['note']})"
        floor = "" if row["floor"] is None and row["key"].startswith("contract") else \
            _number(row["floor"], row["unit"])
        lines.append(f"| {row['figure']} | {_number(row['stub'], row['unit'])} | {floor} | "
                     f"{shown_ratio} | {row['target']} | {result} |")
    return "\n".join(lines)


def summary(rows: list[dict[str, Any]]) -> str:
    """One line: how many targets passed, and which failed or could not be measured."""
    judged = [r for r in rows if r["verdict"] in ("PASS", "FAIL", "n/a")]
    passed = sum(r["verdict"] == "PASS" for r in judged)
    others = [f"{r['figure']} {r['verdict']}" for r in judged if r["verdict"] != "PASS"]
    return f"targets: {passed}/{len(judged)} pass" + (f"; {', '.join(others)}" if others else "")
