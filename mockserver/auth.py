"""Auth emulation: which key a request carries and which documented answer it gets."""

from __future__ import annotations

from collections.abc import Mapping

# The example (in openapi.yaml) that answers each kind of refusal.
MISSING_KEY = "missingKey"
UNKNOWN_KEY = "unknownKey"
REFUSED_ACCESS = {
    "unpaid": "unpaid",
    "no-workspace": "noWorkspace",
    "no-organization": "noOrganization",
}
AUTH_EXAMPLES = (MISSING_KEY, UNKNOWN_KEY, *REFUSED_ACCESS.values())


def api_key(headers: Mapping[str, str]) -> str | None:
    """The key from `embed-api-key`, else from `authorization` (raw or `Bearer <key>`)."""
    key = (headers.get("embed-api-key") or "").strip()
    if not key:
        key = (headers.get("authorization") or "").strip()
        scheme, _, rest = key.partition(" ")
        if scheme.lower() == "bearer":
            key = rest.strip()
    return key or None


def mask_key(key: str | None) -> str | None:
    """A key as logs and the journal may show it: its first four characters, or `****`."""
    if not key:
        return None
    # Four characters tell the demo keys apart (`pn-d…`, `pn-e…`) but reveal one of a real key's.
    return f"{key[:4]}…" if len(key) >= 8 else "****"
