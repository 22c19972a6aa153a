"""The start-up cache: shipped documents already parsed (and scenarios validated), by content hash.

A folder of plain JSON files, each named for the SHA-256 of what its verdict depends on: the
document's exact bytes, or a scenario file's exact bytes together with the scenario schema it
passed. The app factory hands these lookups down to the loaders, which never import this module.
An edited file, or a changed scenario schema, has another name, so it misses and gets the full
parse and validation. `python -m mockserver.build_cache` rebuilds the folder.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

FOLDER = Path(__file__).resolve().parent / "startup_cache"


def document_key(raw: bytes) -> str:
    """The name of a document's entry: a hash of its exact bytes."""
    return hashlib.sha256(raw).hexdigest()


def scenario_key(schema: Mapping[str, Any], raw: bytes) -> str:
    """The name of a scenario file's entry: a hash of the schema it passed and its exact bytes."""
    canonical = json.dumps(schema, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(hashlib.sha256(canonical).digest() + raw).hexdigest()


class StartupCache:
    """Lookups into one cache folder; a missing or unreadable entry is only a miss."""

    def __init__(self, folder: Path = FOLDER):
        self.folder = folder
        self._schema: tuple[Mapping[str, Any], bytes] | None = None

    def _entry(self, key: str) -> Any:
        # Parsed afresh on each hit, so no caller can change another's copy.
        try:
            return json.loads((self.folder / f"{key}.json").read_bytes())
        except (OSError, ValueError):
            return None

    def parsed(self, raw: bytes) -> Any:
        """The document these bytes parse to, or None: a hit saves only the parse."""
        return self._entry(document_key(raw))

    def validated(self, schema: Mapping[str, Any], raw: bytes) -> Any:
        """The scenario these bytes parse to if they are known to pass `schema`, else None."""
        return self._entry(scenario_key(schema, raw))

    def vouches(self, schema: Mapping[str, Any], raw: bytes) -> bool:
        """Whether these bytes loaded in full under `schema` when the cache was built."""
        # Only that the entry exists: parsing it would cost what checking the file costs.
        return (self.folder / f"{scenario_key(schema, raw)}.json").is_file()
