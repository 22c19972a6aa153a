"""Who may use the admin API: loopback callers, a token when one is set, never another site."""

from __future__ import annotations

import hmac
from collections.abc import Collection
from urllib.parse import urlsplit

from flask import Response, request

from .loopback import is_loopback, is_loopback_origin

TOKEN_HINT = "send `Authorization: Bearer <token>`"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# What a browser says (Fetch Metadata) when the page that sent a request is on another site.
OTHER_SITE = frozenset({"cross-site", "same-site"})


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


def origin_allowed(origin: str | None, listed: Collection[str] | None) -> bool:
    """True if a page on `origin` may use the admin API: a listed origin, else a loopback one."""
    if not origin:
        return False
    if listed is not None:
        return origin in listed
    return is_loopback_origin(origin)


def _own_origin(origin: str) -> bool:
    # A page the stub serves itself; the Host check (or the token) has vouched for that host.
    return origin.lower() == f"{request.scheme}://{request.host}".lower()


def cross_site(listed: Collection[str] | None) -> str | None:
    """Why a page on another site may not make this request, or None: only changes are checked.

    A browser names the page that sent a request in `Origin` (on every POST and DELETE, even
    `no-cors` ones, form posts and beacons), so no CORS header can undo a change that already
    happened; it has to be refused before it is made. A request without `Origin` comes from
    curl, a script or CI, and goes ahead.
    """
    if request.method in SAFE_METHODS:
        return None
    origin = request.headers.get("Origin")
    if origin is None:
        site = request.headers.get("Sec-Fetch-Site", "").lower()
        if site in OTHER_SITE:
            return f"a {site} request that names no Origin may not change the stub"
        return None
    if origin == "null":
        return ("a page with an opaque origin (`Origin: null`: a sandboxed frame or a local "
                "file) may not change the stub")
    if origin_allowed(origin, listed) or _own_origin(origin):
        return None
    allowed = (", ".join(sorted(listed)) if listed is not None
               else "a page on this machine (http://localhost:…, http://127.0.0.1:…) "
                    "or a --cors-origin origin")
    return (f"a page on {origin!r} may not change the stub: the admin API takes changes only "
            f"from {allowed}")
