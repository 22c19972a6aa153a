"""Prism, the peer the stub is measured against: npm-installed once into a cached folder."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

PACKAGE = "@stoplight/prism-cli@5"
CACHE = Path(tempfile.gettempdir()) / "mockserver-bench-prism"
INSTALL_TIMEOUT_S = 600


def binary(cache: Path) -> Path:
    """Where npm puts the `prism` command under `cache`."""
    return cache / "node_modules" / ".bin" / ("prism.cmd" if os.name == "nt" else "prism")


def locate(cache: Path = CACHE) -> tuple[Path | None, str]:
    """The `prism` command, installed on first use; else None and why Prism is skipped."""
    command = binary(cache)
    if command.exists():
        return command, ""
    if not shutil.which("node"):
        return None, "skipped: Node.js is not installed"
    npm = shutil.which("npm")
    if not npm:
        return None, "skipped: npm is not installed"
    cache.mkdir(parents=True, exist_ok=True)
    try:
        done = subprocess.run([npm, "install", "--prefix", str(cache), "--no-audit", "--no-fund",
                               "--silent", PACKAGE], capture_output=True, text=True,
                              timeout=INSTALL_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        return None, f"skipped: npm install {PACKAGE} took over {INSTALL_TIMEOUT_S} s"
    if done.returncode != 0 or not command.exists():
        said = (done.stderr.strip() or done.stdout.strip() or "no output").splitlines()[-1]
        return None, f"skipped: npm install {PACKAGE} failed ({said})"
    return command, ""


def version(command: Path) -> str:
    """The installed prism-cli version, from its package.json."""
    package = command.parent.parent / "@stoplight" / "prism-cli" / "package.json"
    try:
        return json.loads(package.read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        return "unknown"


def argv(command: Path, spec: Path, port: int) -> list[str]:
    """`prism mock` on 127.0.0.1 with logging off, its fastest setting."""
    return [str(command), "mock", str(spec), "-h", "127.0.0.1", "-p", str(port), "-v", "silent"]
