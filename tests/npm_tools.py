"""The npm tools the document tests run (Prism, Redocly, openapi-typescript), installed once."""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

# Pinned, so a cached folder is reused until a version here changes.
PACKAGES = {
    "@stoplight/prism-cli": "5.16.0",
    "@redocly/cli": "2.77.0",
    "openapi-typescript": "7.13.0",
    "openapi-fetch": "0.17.0",
    "typescript": "5.9.3",
    "@types/node": "20.19.43",  # the type check's script reads files and argv (Node 20 APIs)
}
SPECS = sorted(f"{name}@{version}" for name, version in PACKAGES.items())
MIN_NODE = 20


def cache_folder() -> Path:
    """Where the pinned set lives: one folder per set of versions, under the user's cache."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    digest = hashlib.sha256("\n".join(SPECS).encode()).hexdigest()[:12]
    return base / "postnitro-mock-tests" / "npm" / digest


def _node_major() -> int | None:
    node = shutil.which("node")
    if node is None:
        return None
    result = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30)
    try:
        return int(result.stdout.strip().lstrip("v").split(".")[0])
    except ValueError:
        return None


def missing_reason() -> str | None:
    """Why the tools can't run here (no node or npm, or an old node), or None."""
    major = _node_major()
    if major is None or shutil.which("npm") is None:
        return "node and npm are not installed"
    if major < MIN_NODE:
        return f"node {major} is older than {MIN_NODE}"
    return None


def install() -> Path:
    """The folder holding the pinned tools, installed on first use (one installer at a time)."""
    folder = cache_folder()
    done = folder / ".installed"
    if done.is_file():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder.parent / f"{folder.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.is_file():
            (folder / "package.json").write_text('{"private": true}\n')
            result = subprocess.run(
                ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error", *SPECS],
                cwd=folder, capture_output=True, text=True, timeout=900,
            )
            if result.returncode != 0:
                raise RuntimeError(f"npm install {' '.join(SPECS)} failed in {folder}:\n"
                                   f"{result.stderr[-2000:]}")
            done.write_text("\n".join(SPECS) + "\n")
    return folder


def tools_or_skip() -> Path:
    """The installed tools; a skip with the reason where node is missing, a failure in CI."""
    reason = missing_reason()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the npm tool checks, but {reason}")
        pytest.skip(reason)
    return install()


def binary(folder: Path, name: str) -> str:
    """The path of an installed tool's command."""
    return str(folder / "node_modules" / ".bin" / name)
