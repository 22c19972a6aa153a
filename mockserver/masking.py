"""Masking API keys, so that no log, journal entry or message ever shows one whole."""

from __future__ import annotations


def mask_key(key: str | None) -> str | None:
    """A key as logs and the journal may show it: its first four characters, or `****`."""
    if not key:
        return None
    # Four characters tell the demo keys apart (`pn-d…`, `pn-e…`) but reveal one of a real key's.
    return f"{key[:4]}…" if len(key) >= 8 else "****"
