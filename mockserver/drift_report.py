"""The drift report: a side-by-side table, the same as JSON, and JUnit XML."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any
from xml.etree import ElementTree

from .drift_compare import Outcome


def verdict(outcome: Outcome) -> str:
    """`yes`, `NO`, `ignored` (every difference accepted) or `not compared`."""
    if not outcome.compared:
        return "not compared"
    if outcome.differs:
        return "NO"
    return "ignored" if outcome.differences else "yes"


def table(outcomes: Sequence[Outcome], width: int | None = None) -> str:
    """The side-by-side table: situation, real, stub, same?; each difference on its own rows."""
    width = width or shutil.get_terminal_size((120, 24)).columns
    first, last = 24, 12
    cell = max(30, (width - first - last - 6) // 2)
    lines = [f"{'situation':<{first}}  {'real':<{cell}}  {'stub':<{cell}}  same?"]
    lines.append("-" * len(lines[0]))

    def row(left: str, real: str, stub: str, same: str) -> None:
        columns = [_wrap(left, first), _wrap(real, cell), _wrap(stub, cell)]
        for index in range(max(map(len, columns))):
            parts = [c[index] if index < len(c) else "" for c in columns]
            lines.append(f"{parts[0]:<{first}}  {parts[1]:<{cell}}  {parts[2]:<{cell}}  "
                         f"{same if index == 0 else ''}".rstrip())

    for outcome in outcomes:
        row(outcome.situation, outcome.real.headline, outcome.stub.headline, verdict(outcome))
        for difference in outcome.differences:
            if difference.aspect in ("status", "media type", "envelope"):
                continue  # the headline shows both already
            row(f"  {difference.aspect}", difference.real, difference.stub,
                "ignored" if difference.ignored else "NO")
    return "\n".join(lines)


def _wrap(text: str, width: int) -> list[str]:
    out: list[str] = []
    for line in text.splitlines() or [""]:
        out += textwrap.wrap(line, width, break_long_words=True, break_on_hyphens=False) or [""]
    return out


def report_json(outcomes: Sequence[Outcome], real_url: str, scenario: str) -> dict[str, Any]:
    """The same report as JSON."""
    return {
        "real": real_url,
        "stub": {"scenario": scenario},
        "same": not any(o.differs for o in outcomes),
        "situations": [
            {"situation": o.situation, "same": verdict(o), "real": o.real.as_json(),
             "stub": o.stub.as_json(), "differences": [asdict(d) for d in o.differences]}
            for o in outcomes
        ],
    }


def junit(outcomes: Sequence[Outcome]) -> bytes:
    """A JUnit XML report: one test case per situation, a failure per differing situation."""
    failures = sum(1 for o in outcomes if o.differs)
    skipped = sum(1 for o in outcomes if not o.compared)
    suite = ElementTree.Element("testsuite", name="mockserver drift", tests=str(len(outcomes)),
                                failures=str(failures), skipped=str(skipped), errors="0")
    for outcome in outcomes:
        case = ElementTree.SubElement(suite, "testcase", classname="drift",
                                      name=outcome.situation)
        if not outcome.compared:
            ElementTree.SubElement(case, "skipped",
                                   message=outcome.real.note or outcome.stub.note or "")
        elif outcome.differs:
            failure = ElementTree.SubElement(
                case, "failure", message="real service and stub differ in "
                + ", ".join(d.aspect for d in outcome.differences if not d.ignored))
            failure.text = "\n".join(f"{d.aspect}{' (ignored)' * d.ignored}:\n  real: {d.real}"
                                     f"\n  stub: {d.stub}" for d in outcome.differences)
    root = ElementTree.Element("testsuites")
    root.append(suite)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
