"""CORS for local development: echo the caller's origin (credentials work) and answer preflights."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from flask import Flask, Response, request

from .admin_guard import origin_allowed
from .faults import FAULT_HEADER
from .sessions import SCENARIO_HEADER, SESSION_HEADER

ALLOW_HEADERS = ", ".join(["embed-api-key", "authorization", "content-type", "prefer",
                           SESSION_HEADER.lower(), SCENARIO_HEADER.lower()])
EXPOSE_HEADERS = FAULT_HEADER
MAX_AGE = "600"


def _allow_methods(methods: Iterable[str]) -> str:
    return ", ".join(sorted({m.upper() for m in methods} | {"OPTIONS"}))


def init_app(app: Flask, origins: Collection[str] | None, api_methods: Iterable[str],
             admin_prefix: str, admin_methods: Iterable[str]) -> None:
    """Add CORS headers to every answer; `origins` None allows any origin, else only those."""
    allowed = None if origins is None else frozenset(origins)
    api_allow, admin_allow = _allow_methods(api_methods), _allow_methods(admin_methods)

    def permitted(origin: str | None, path: str) -> bool:
        # Any origin may call the fake product endpoints; the admin API (which can switch the
        # whole stub) only from a listed origin, or from a page on this machine by default.
        if path.startswith(admin_prefix):
            return origin_allowed(origin, allowed)
        return bool(origin) and (allowed is None or origin in allowed)

    @app.before_request
    def preflight() -> Response | None:
        environ = request.environ
        if (environ["REQUEST_METHOD"] != "OPTIONS"
                or "HTTP_ACCESS_CONTROL_REQUEST_METHOD" not in environ):
            return None
        origin = environ.get("HTTP_ORIGIN")
        # An unknown path keeps its JSON 404, so the console says what is wrong.
        if not permitted(origin, request.path) or request.routing_exception:
            return None
        response = Response(status=204)
        headers = response.headers
        del headers["Content-Type"]  # no body, so no media type
        admin = request.path.startswith(admin_prefix)
        headers["Access-Control-Allow-Methods"] = admin_allow if admin else api_allow
        headers["Access-Control-Allow-Headers"] = ALLOW_HEADERS
        headers["Access-Control-Max-Age"] = MAX_AGE
        if environ.get("HTTP_ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK") == "true":
            # Chrome asks this before a public page may call a stub on localhost.
            headers["Access-Control-Allow-Private-Network"] = "true"
        return response

    @app.after_request
    def add_headers(response: Response) -> Response:
        headers = response.headers
        # Caches must key on Origin, since the answer's headers depend on it. (`add`, not `set`:
        # a second Vary field is the same as a comma, and skips a scan of the headers.)
        headers.add("Vary", "Origin")
        origin = request.environ.get("HTTP_ORIGIN")
        if permitted(origin, request.path):
            headers.add("Access-Control-Allow-Origin", origin)
            headers.add("Access-Control-Allow-Credentials", "true")
            headers.add("Access-Control-Expose-Headers", EXPOSE_HEADERS)
        return response
