"""Who may use the admin API: loopback callers by default, a token whenever one is set."""

from __future__ import annotations

import hmac
import ipaddress
from urllib.parse import urlsplit

from flask import Response, request

LOOPBACK_NAMES = frozenset({"localhost", "localhost.", "ip6-localhost"})
TOKEN_HINT = "send `Authorization: Bearer <token>`"


def is_loopback(host: str | None) -> bool:
    """True for 127.0.0.0/8, ::1 and `localhost`, the addresses only this machine reaches."""
    if not host:
        return False
    host = host.strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_loopback_origin(origin: str | None) -> bool:
    """True for a browser origin such as http://localhost:3000 or http://127.0.0.1:5173."""
    if not origin:
        return False
    try:
        return is_loopback(urlsplit(origin).hostname)
    except ValueError:
        return False


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
