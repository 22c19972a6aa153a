"""The bench's verdicts: the stub against the fastest floor and Prism, as tables and JSON."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

SIDES = ("stub", "stub_fresh", "floor_granian", "floor_waitress", "prism")
# `stub_fresh` is the stub with --no-replay: every request through Flask. Shown, not judged.
LABELS = {"stub": "stub", "stub_fresh": "stub, replays off", "floor_granian": "floor (granian)",
          "floor_waitress": "floor (waitress)", "prism": "Prism -v silent"}
FLOORS = ("floor_granian", "floor_waitress")
CONTRACT_LIMIT_S = 3.0
SCALE_LOAD_LIMIT_S = 1.5

# (key, label, unit, which way is better). Keys are dotted paths into a side's results.
FIGURES: tuple[tuple[str, str, str, str], ...] = (
    ("startup_ms", "start-up to first 200 (median)", "ms", "low"),
    ("idle_rss_mib", "idle RSS, all processes", "MiB", "low"),
    ("list.rps", "list: requests/s", "/s", "high"),
    ("list.p50_ms", "list: p50 latency", "ms", "low"),
    ("list.p99_ms", "list: p99 latency", "ms", "low"),
    ("list.cpu_us", "list: server CPU per request", "us", "low"),
    ("read.rps", "read: requests/s", "/s", "high"),
    ("read.p50_ms", "read: p50 latency", "ms", "low"),
    ("read.p99_ms", "read: p99 latency", "ms", "low"),
    ("read.cpu_us", "read: server CPU per request", "us", "low"),
    ("peak_rss_mib", "peak RSS (VmHWM), all processes", "MiB", "low"),
)
SCALE_FIGURES = ("startup_ms", "list.rps", "list.p99_ms", "list.cpu_us", "peak_rss_mib")
_FIGURE = {key: (label, unit, better) for key, label, unit, better in FIGURES}


@dataclass(frozen=True)
class Target:
    """A bound on the stub's figure: over the best floor, over Prism, or absolute (`value`)."""

    key: str
    against: str  # "floor", "prism" or "value"
    op: str  # "<=", ">=" or "<"
    bound: float

    def holds(self, value: float) -> bool:
        """Whether a measured value meets the target."""
        return {"<=": value <= self.bound, ">=": value >= self.bound,
                "<": value < self.bound}[self.op]

    def __str__(self) -> str:
        sign = {"<=": "≤", ">=": "≥", "<": "<"}[self.op]
        if self.against == "value":
            return f"{sign} {self.bound:g} s"
        whom = "the fastest floor" if self.against == "floor" else "Prism"
        return f"{sign} {self.bound:.2f}× {whom}"


TARGETS: tuple[Target, ...] = (
    Target("list.rps", "floor", ">=", 0.80),
    Target("list.rps", "prism", ">=", 2.0),
    Target("read.rps", "floor", ">=", 0.80),
    Target("read.rps", "prism", ">=", 2.0),
    Target("list.p99_ms", "floor", "<=", 1.3),
    Target("read.p99_ms", "floor", "<=", 1.3),
    Target("startup_ms", "floor", "<=", 1.3),
    Target("idle_rss_mib", "prism", "<=", 0.5),
    Target("contract.wall_s", "value", "<", CONTRACT_LIMIT_S),
    Target("scale.startup_s", "value", "<=", SCALE_LOAD_LIMIT_S),
    Target("scale.peak_rss_mib", "floor", "<=", 1.5),
)


def lookup(side: Mapping[str, Any] | None, key: str) -> float | None:
    """A figure by dotted key, or None when it was not measured."""
    node: Any = side
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node if isinstance(node, (int, float)) and not isinstance(node, bool) else None


def best_floor(sides: Mapping[str, Any], key: str, better: str) -> tuple[str | None, float | None]:
    """The floor to compare a figure with, and its value there.

    A latency is compared with the floor that served that path fastest (most requests/s);
    any other figure with the floor that did best on it (the fastest-starting, the smallest).
    """
    path, _, figure = key.rpartition(".")
    chosen_by = f"{path}.rps" if path and figure != "rps" else key
    if chosen_by != key:
        better = "high"
    measured = [(name, lookup(sides.get(name), chosen_by)) for name in FLOORS]
    measured = [(name, value) for name, value in measured if value is not None]
    if not measured:
        return None, None
    pick = max if better == "high" else min
    name = pick(measured, key=lambda item: item[1])[0]
    return name, lookup(sides.get(name), key)


def ratio(value: float | None, reference: float | None) -> float | None:
    """value/reference, or None when either is missing or the reference is zero."""
    if value is None or reference is None or reference == 0:
        return None
    return value / reference


def _largest_scale(results: Mapping[str, Any]) -> tuple[int | None, Mapping[str, Any]]:
    runs = results.get("scale") or {}
    if not runs:
        return None, {}
    accounts = max(runs, key=int)
    return int(accounts), runs[accounts]


def evaluate(results: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per target: the stub's value, what it is compared with, the ratio, the verdict.

    A figure that was not measured (on either side of a ratio) is `n/a`, and counts as a FAIL.
    """
    sides = results.get("sides") or {}
    accounts, scale_sides = _largest_scale(results)
    rows = []
    for target in TARGETS:
        key, against, note = target.key, target.against, ""
        if key.startswith("contract."):
            contract = results.get("contract") or {}
            stub, reference = contract.get("wall_s"), None
            name, note = "contract suite wall time", contract.get("note", "")
        elif key.startswith("scale."):
            figure = key.split(".", 1)[1]
            name = f"{accounts or 'scale'} accounts: " + (
                "load from YAML (start-up to first 200)" if figure == "startup_s"
                else _FIGURE[figure][0])
            if figure == "startup_s":
                ms = lookup(scale_sides.get("stub"), "startup_ms")
                stub, reference = (None if ms is None else ms / 1000), None
            else:
                stub = lookup(scale_sides.get("stub"), figure)
                _floor, reference = best_floor(scale_sides, figure, _FIGURE[figure][2])
            if not scale_sides:
                note = "not run"
        else:
            label, _unit, better = _FIGURE[key]
            name = label
            stub = lookup(sides.get("stub"), key)
            if against == "prism":
                reference = lookup(sides.get("prism"), key)
                note = "" if reference is not None else (results.get("prism") or {}).get(
                    "note", "Prism not measured")
            else:
                floor, reference = best_floor(sides, key, better)
                note = f"vs {LABELS[floor]}" if floor else "no floor measured"
        value = stub if against == "value" else ratio(stub, reference)
        verdict = "n/a" if value is None else ("PASS" if target.holds(value) else "FAIL")
        rows.append({"key": key, "against": against, "figure": name, "stub": stub,
                     "reference": reference, "value": value, "target": str(target),
                     "verdict": verdict, "note": note})
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


def figures_table(sides: Mapping[str, Any], keys: tuple[str, ...] | None = None,
                  columns: tuple[str, ...] = SIDES) -> str:
    """Every figure of every side measured, in one Markdown table."""
    shown = [c for c in columns if c in sides]
    lines = ["| figure | " + " | ".join(LABELS[c] for c in shown) + " |",
             "|---|" + "---:|" * len(shown)]
    for key, label, unit, _better in FIGURES:
        if keys is None or key in keys:
            cells = [_number(lookup(sides[c], key), unit) for c in shown]
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def scale_table(scale: Mapping[str, Any]) -> str:
    """The scale runs side by side: stub and floor at each account count."""
    counts = sorted(scale, key=int)
    head = [f"{int(n):,} accounts: {LABELS[s]}" for n in counts for s in ("stub", "floor_granian")]
    lines = ["| figure | " + " | ".join(head) + " |", "|---|" + "---:|" * len(head)]
    for key in SCALE_FIGURES:
        label, unit, _better = _FIGURE[key]
        if key == "startup_ms":
            label = "load: start-up to first 200 (median)"
        cells = [_number(lookup(scale[n].get(s), key), unit)
                 for n in counts for s in ("stub", "floor_granian")]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def targets_table(rows: list[dict[str, Any]]) -> str:
    """The targets: the stub's ratio (or value), the bound and the verdict."""
    lines = ["| target | stub | compared with | ratio | bound | verdict |",
             "|---|---:|---:|---:|---|---|"]
    for row in rows:
        unit = "s" if row["key"].endswith(("wall_s", "startup_s")) else \
            _FIGURE.get(row["key"].split(".", 1)[-1] if row["key"].startswith("scale.")
                        else row["key"], ("", "", ""))[1]
        shown = "" if row["value"] is None or row["against"] == "value" else f"{row['value']:.2f}"
        reference = "" if row["against"] == "value" else _number(row["reference"], unit)
        verdict = row["verdict"] + (f" ({row['note']})" if row["note"] else "")
        lines.append(f"| {row['figure']} | {_number(row['stub'], unit)} | {reference} | {shown} "
                     f"| {row['target']} | {verdict} |")
    return "\n".join(lines)


def summary(rows: list[dict[str, Any]]) -> str:
    """One line: how many targets passed; a figure not measured counts as failed."""
    passed = sum(row["verdict"] == "PASS" for row in rows)
    others = [f"{row['figure']} {row['target']}: {row['verdict']}" for row in rows
              if row["verdict"] != "PASS"]
    return f"targets: {passed}/{len(rows)} pass" + (f"; not passed: {'; '.join(others)}"
                                                    if others else "")
