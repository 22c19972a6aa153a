"""The stub's own answers for what the document does not cover: unknown paths, methods, bugs."""

from __future__ import annotations

import logging

from flask import Flask, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from .admin import PREFIX as ADMIN_PREFIX
from .problems import stub_error

log = logging.getLogger("mockserver")
# The largest request head (path, query and headers) answered; the HTTP engine is given room
# above this (engine.ENGINE_HEAD_BYTES), so a larger head gets this JSON 431, not the engine's.
HEAD_LIMIT = 256 * 1024


def head_size(environ: dict) -> int:
    """Bytes of the request's path, query and header names and values, roughly as sent."""
    size = len(environ.get("PATH_INFO", "")) + len(environ.get("QUERY_STRING", ""))
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            size += len(key) - 1 + len(value)  # `HTTP_` less the `: ` and CRLF it stood for
    return size


def init_app(app: Flask) -> None:
    """Register problem+json error handlers so no answer is ever an HTML page."""

    @app.before_request
    def refuse_large_heads():
        size = head_size(request.environ)
        if size > HEAD_LIMIT:
            return stub_error(431, "http-error", f"The request's headers take {size // 1024} "
                              f"kB; this stub accepts at most {HEAD_LIMIT // 1024} kB")
        return None

    @app.errorhandler(NotFound)
    def not_found(_error: NotFound):
        where = f"No route for {request.method} {request.path}"
        if request.path.startswith(ADMIN_PREFIX + "/"):
            return stub_error(404, "no-route", f"{where}: the admin API's paths are in "
                                               f"{ADMIN_PREFIX}/openapi.yaml")
        return stub_error(404, "no-route", f"{where}: this stub serves the paths in "
                                           "openapi.yaml (see /docs)")

    @app.errorhandler(MethodNotAllowed)
    def not_allowed(error: MethodNotAllowed):
        allowed = ", ".join(sorted(error.valid_methods or ()))
        response = stub_error(405, "method-not-allowed", f"Method {request.method} is not "
                                                         f"allowed on {request.path} "
                                                         f"(allowed: {allowed})")
        response.headers["Allow"] = allowed
        return response

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return stub_error(error.code or 400, "http-error", error.description or error.name)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        if app.testing:
            raise error
        log.exception("unexpected error in the stub")
        return stub_error(500, "stub-failure", "The stub failed unexpectedly; see its log")
