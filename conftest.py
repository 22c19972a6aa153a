"""What plain `pytest` means anywhere in the checkout: the whole suite, one line on its skips."""

from __future__ import annotations

import glob
import re
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent
# The vendor's published page, looked for beside the checkout (tests/test_openapi.py's PAGE).
PAGE_FOLDER = ROOT.parent / "shared" / "spec"

# What a skip needs, recognised from its reason, and what to do about it.
PREREQUISITES = (
    (
        re.compile(r"\bchromium\b", re.I),
        "need Chromium",
        "Debian: `sudo apt-get install chromium`, Ubuntu: `sudo snap install chromium`, macOS: "
        "`brew install --cask chromium`, or set CHROMIUM to the browser's executable",
    ),
    (
        re.compile(r"\b(node|npm|npx)\b", re.I),
        "need Node",
        "install Node.js 20 or newer with npm (https://nodejs.org)",
    ),
    (
        re.compile(r"published page|shared/spec", re.I),
        "need the vendor's page",
        f"put social-accounts.txt and authentication.md in {PAGE_FOLDER}",
    ),
)


def pytest_configure(config: pytest.Config) -> None:
    """Started with no paths in a subfolder, run the same suite as from the checkout's root."""
    # pytest reads `testpaths` only when started in the rootdir; anywhere else it collects the
    # current folder, which quietly runs part of the suite (or nothing at all).
    if config.args_source is not pytest.Config.ArgsSource.INVOCATION_DIR:
        return
    if config.rootpath != ROOT or config.invocation_params.dir == ROOT:
        return
    paths = [
        found
        for testpath in config.getini("testpaths")
        for found in sorted(glob.glob(str(ROOT / testpath), recursive=True))
    ]
    if paths:
        config.args = paths
        config.args_source = pytest.Config.ArgsSource.TESTPATHS


def pytest_report_header(config: pytest.Config) -> str | None:
    """Say so when the whole suite runs although pytest was started in a subfolder."""
    if config.args_source is not pytest.Config.ArgsSource.TESTPATHS:
        return None
    if config.invocation_params.dir == config.rootpath:
        return None
    return (
        f"started in {config.invocation_params.dir}: running the whole suite from "
        f"{config.rootpath} (give a path, e.g. `pytest .`, to run less)"
    )


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    return reason.removeprefix("Skipped: ")


def skip_summary(reasons: list[str]) -> str | None:
    """One line: how many checks were skipped, grouped by what they need and how to get it."""
    if not reasons:
        return None
    groups: Counter[str] = Counter()
    for reason in reasons:
        for pattern, need, remedy in PREREQUISITES:
            if pattern.search(reason):
                groups[f"{need} ({remedy})"] += 1
                break
        else:
            groups[f"because {reason}"] += 1
    parts = [f"{count} {why}" for why, count in groups.most_common()]
    noun = "check" if len(reasons) == 1 else "checks"
    return f"{len(reasons)} {noun} skipped: " + "; ".join(parts)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter):
    """After pytest's own summary, the one-line account of what was skipped."""
    result = yield
    skipped = [
        _skip_reason(report)
        for report in terminalreporter.stats.get("skipped", [])
        if not getattr(report, "wasxfail", None)
    ]
    line = skip_summary(skipped)
    if line:
        terminalreporter.write_line(line, yellow=True)
    return result
