"""A best-effort cache of parsed documents as JSON, keyed by a hash of the bytes they came from."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

ENVIRONMENT = "MOCKSERVER_CACHE_DIR"  # a folder; set it empty to turn the cache off
LIMIT = 64  # entries kept; each edit of a file adds one, so the oldest are dropped


def folder() -> Path | None:
    """`$MOCKSERVER_CACHE_DIR`, else `$XDG_CACHE_HOME/mockserver`, else `~/.cache/mockserver`."""
    chosen = os.environ.get(ENVIRONMENT)
    if chosen is not None:
        return Path(chosen) if chosen else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "mockserver"


def key(*parts: bytes) -> str:
    """A hex SHA-256 of the parts, each length-prefixed so that no two lists of parts collide."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def get(entry: str) -> Any | None:
    """The document stored under a key, or None (also when the cache is off or unreadable)."""
    where = folder()
    if where is None:
        return None
    try:
        return json.loads((where / f"{entry}.json").read_bytes())
    except (OSError, ValueError):
        return None


def put(entry: str, document: Any) -> None:
    """Store a document under a key, atomically; skipped when JSON would not give it back equal.

    YAML can hold what JSON cannot (dates, non-string keys); such a document is simply parsed
    again next time. A folder that cannot be written only means no cache.
    """
    where = folder()
    if where is None:
        return
    try:
        text = json.dumps(document, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        if json.loads(text) != document:
            return
        where.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=where, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
            # os.replace is atomic: a reader sees the old entry, no entry, or the whole new one.
            os.replace(temporary, where / f"{entry}.json")
        except BaseException:
            os.unlink(temporary)
            raise
        _prune(where)
    except (OSError, ValueError, TypeError):
        pass


def _prune(where: Path) -> None:
    entries = []
    for item in os.scandir(where):
        try:
            if item.name.endswith(".json"):
                entries.append((item.stat().st_mtime_ns, item.path))
        except OSError:
            continue  # removed meanwhile by another process
    for _, stale in sorted(entries)[:-LIMIT]:
        try:
            os.unlink(stale)
        except OSError:
            pass
