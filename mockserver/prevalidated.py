"""The shipped table of parsed, validated documents: a normal start skips YAML and the schema."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

# Bump when what a key covers, or what a hit skips, changes: every old entry then misses.
FORMAT = 1
TABLE = Path(__file__).resolve().parent / "prevalidated.json"
# The layout `dumps` writes, which `lookup` relies on to parse one entry instead of the table.
_HEAD = b'{"format": %d,\n' % FORMAT
_ENTRIES = b'\n"entries": {\n'


def canonical(node: Any) -> bytes:
    """A JSON value as stable bytes (sorted keys, no spaces), for keys."""
    return json.dumps(node, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def key(kind: str, *parts: bytes) -> str:
    """The key of a document: its kind, FORMAT and every input its verdict depends on."""
    digest = hashlib.sha256(f"{kind}\0{FORMAT}".encode())
    for part in parts:  # length-prefixed, so no two different part lists hash the same bytes
        digest.update(b"\0%d\0" % len(part))
        digest.update(part)
    return digest.hexdigest()


def lookup(entry: str, table: Path | None = None) -> Any | None:
    """The stored document for a key, parsed afresh, or None when the table does not have it."""
    # Read on each lookup and parse only the entry's own line (a tenth of a millisecond, where
    # the whole table takes one): nothing stays in memory, and no caller can change another's
    # copy. A missing, unreadable or differently laid out table is only a miss.
    try:
        raw = (table or TABLE).read_bytes()
    except OSError:
        return None
    entries = raw.find(_ENTRIES) if raw.startswith(_HEAD) else -1
    prefix = b'\n  "%s": ' % entry.encode("ascii")
    start = raw.find(prefix, entries) if entries >= 0 else -1
    if start < 0:
        return None
    start += len(prefix)
    end = raw.find(b"\n", start)
    try:
        return json.loads(raw[start:end].rstrip(b","))
    except ValueError:
        return None


def round_trips(document: Any) -> bool:
    """Whether JSON gives the document back exactly (a YAML date or int key would not)."""
    try:
        return repr(json.loads(json.dumps(document))) == repr(document)
    except (TypeError, ValueError):
        return False


def dumps(entries: Mapping[str, tuple[str, Any]]) -> str:
    """The table as the repo ships it: ASCII, one entry per line, so a diff shows what changed.

    `entries` maps each key to (the file it came from, its document); the file names are for
    readers of the diff only, since the same bytes get the same verdict wherever they are.
    """
    order = sorted(entries, key=lambda k: (entries[k][0], k))
    files = [f"  {json.dumps(k)}: {json.dumps(entries[k][0])}" for k in order]
    documents = [f"  {json.dumps(k)}: {json.dumps(entries[k][1], separators=(',', ':'))}"
                 for k in order]
    return (_HEAD.decode() + '"files": {\n' + ",\n".join(files) + "\n}," + _ENTRIES.decode()
            + ",\n".join(documents) + "\n}}\n")


def build(spec_path: Path, fixtures_dir: Path) -> dict[str, tuple[str, Any]]:
    """Every entry: openapi.yaml, and each shipped scenario file validated in full first."""
    from .fixtures import SUFFIXES, FixtureLoader, parse_document
    from .spec import Spec

    spec = Spec.load(spec_path, prevalidated=False)  # raises SpecError unless it is usable
    entries: dict[str, tuple[str, Any]] = {}
    if round_trips(spec.document):
        entries[key("openapi", spec_path.read_bytes())] = (spec_path.name, spec.document)
    loader = FixtureLoader(spec, fixtures_dir, prevalidated=False)
    names = set(loader.names())
    for path in sorted(fixtures_dir.iterdir()):
        if path.suffix not in SUFFIXES or path.stem not in names:
            continue
        loader.load(path)  # raises FixtureError, naming file and path, unless fully valid
        text = path.read_bytes()
        document = parse_document(text, str(path), as_json=path.suffix == ".json")
        if round_trips(document):
            entries[loader.entry_key(text)] = (path.name, document)
    return entries
