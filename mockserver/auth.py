"""Auth emulation: which key a request carries and which documented answer it gets."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Response, request

from .sessions import State
from .store import Workspace
from .stub import Stub

# The example (in openapi.yaml) that answers each kind of refusal.
MISSING_KEY = "missingKey"
UNKNOWN_KEY = "unknownKey"
REFUSED_ACCESS = {
    "unpaid": "unpaid",
    "no-workspace": "noWorkspace",
    "no-organization": "noOrganization",
}
AUTH_EXAMPLES = (MISSING_KEY, UNKNOWN_KEY, *REFUSED_ACCESS.values())
# The statuses whose operations answer with AUTH_EXAMPLES (checked at start-up).
AUTH_STATUSES = (401, 402)


def api_key(headers: Mapping[str, str]) -> str | None:
    """The key from `embed-api-key`, else from `authorization` (raw or `Bearer <key>`)."""
    key = (headers.get("embed-api-key") or "").strip()
    if not key:
        key = (headers.get("authorization") or "").strip()
        scheme, _, rest = key.partition(" ")
        if scheme.lower() == "bearer":
            key = rest.strip()
    return key or None


def authenticate(stub: Stub, state: State,
                 operation_id: str) -> tuple[Workspace | None, Response | None]:
    """The caller's workspace in `state`, or the documented refusal to send instead."""
    key = api_key(request.headers)
    if key is None:
        return None, stub.examples.respond(operation_id, MISSING_KEY)
    workspace = state.workspace(key)
    if workspace is None:
        return None, stub.examples.respond(operation_id, UNKNOWN_KEY)
    if workspace.access != "paid":
        return None, stub.examples.respond(operation_id, REFUSED_ACCESS[workspace.access])
    return workspace, None
