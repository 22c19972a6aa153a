"""Who may use the admin API: loopback callers by default, a token whenever one is set."""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from flask import Response, request

from .loopback import is_loopback

TOKEN_HINT = "send `Authorization: Bearer <token>`"


def _hostname(host_header: str) -> str:
    try:
        return urlsplit(f"//{host_header}").hostname or ""
    except ValueError:
        return ""


def guard(token: str | None, open_without_token: bool, refuse) -> Response | None:
    """None if this admin request may go ahead, else the refusal to send.

    With a token, every caller must present it. Without one the admin API answers only when the
    stub listens on loopback, and only to requests whose Host is a loopback name, so a web page
    cannot reach it through DNS rebinding.
    """
    if token:
        scheme, _, presented = (request.headers.get("Authorization") or "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            presented.strip().encode(), token.encode()
        ):
            return None
        return refuse(401, f"the admin API needs its token: {TOKEN_HINT}")
    if not open_without_token:
        return refuse(
            403,
            "the admin API is closed: the stub listens on a non-loopback address, "
            "so start it with --admin-token or MOCKSERVER_ADMIN_TOKEN",
        )
    if not is_loopback(_hostname(request.host)):
        return refuse(
            403,
            f"the admin API answers only to a loopback Host without a token, not "
            f"{request.host!r}: {TOKEN_HINT} after starting with --admin-token",
        )
    return None
