"""Routes from the document: one Flask rule per operation, wrapped in auth, faults and overrides."""

from __future__ import annotations

import re
import time
from collections.abc import Mapping

from flask import Flask, Response, request
from werkzeug.routing import BaseConverter

from . import auth, overrides, sessions
from .errors import SessionError, SpecError
from .faults import FAULT_HEADER, break_body
from .handlers import Handler
from .problems import stub_error
from .responses import json_response
from .spec import Operation
from .stub import Stub

_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
SESSION, SCENARIO = sessions.SESSION_ENVIRON, sessions.SCENARIO_ENVIRON
# Set by a view whose answer depends only on the request's path, query and headers and on the
# store's snapshot, so that the same request may be answered again with the same bytes.
REPLAYABLE = "mockserver.replayable"


def check_handlers(stub: Stub, handlers: Mapping[str, Handler]) -> None:
    """The document has every operation, status and example the code answers with, else SpecError.

    Each problem names the operation and the missing name; the error names the document.
    """
    spec, examples = stub.spec, stub.examples
    problems = [
        f"operation {o!r} has no handler" for o in sorted(set(spec.operations) - set(handlers))
    ]
    for operation_id, handler in sorted(handlers.items()):
        op = spec.operations.get(operation_id)
        if op is None:
            problems.append(f"there is no operation {operation_id!r}, which a handler serves")
            continue
        problems += [
            f"{operation_id} does not document status {status}, which its handler answers"
            for status in handler.statuses
            if status not in op.statuses
        ]
        problems += [
            f"{operation_id} has no example named {name!r}, which its handler answers with"
            for name in handler.examples
            if examples.get(operation_id, name) is None
        ]
    for op in spec.operations.values():
        if any(status in op.statuses for status in auth.AUTH_STATUSES):
            problems += [
                f"{op.operation_id} has no example named {name!r}, which a refused key gets"
                for name in auth.AUTH_EXAMPLES
                if examples.get(op.operation_id, name) is None
            ]
        # Faults and `Prefer: code=` may ask for any documented status: each needs a body to send.
        problems += [
            f"{op.operation_id} has no example for status {status}, which an override may ask for"
            for status in sorted(op.statuses)
            if examples.first_for(op.operation_id, status) is None
        ]
    if problems:
        raise SpecError("; ".join(problems), source=spec.source)


def _special(stub: Stub, op: Operation, handler: Handler, params: dict[str, str]) -> Response:
    """The slow path: a session, a scenario fault, or a request that asks for an override.

    The session comes first: its scenario decides the faults. Latency comes next and applies
    to every answer. An override naming an auth answer (401,
    402, the no-key 422) needs no key, so a browser can reach every documented error; any other
    override or fault applies only once the key is accepted, as on the real service where auth
    runs first. An override beats the scenario's fault and never changes state.
    """
    environ = request.environ
    state: sessions.State = stub.store
    try:
        name, scenario = sessions.requested(environ, request.args)
        if name is not None:
            environ[sessions.ENVIRON_KEY] = name  # the journal files even a refusal under it
            state = stub.sessions.enter(name, scenario)
    except SessionError as exc:
        # An unknown scenario is the request's mistake here (a 404 would read as the API's).
        return stub_error(exc.status if exc.status == 409 else 400, "session-refused", exc.message)
    operation_id = op.operation_id
    fault = state.faults.get(operation_id)
    if fault is not None and fault.latency_s:
        time.sleep(fault.latency_s)
    try:
        override = overrides.requested(request.headers.get("Prefer"), request.args)
        example = None if override is None else overrides.resolve(override, op, stub.examples)
    except overrides.OverrideError as exc:
        return stub_error(422, "override-refused", str(exc))
    if example is not None and stub.examples.is_auth(operation_id, example):
        return stub.examples.respond(operation_id, example)
    workspace, refusal = auth.authenticate(stub, state, operation_id)
    if refusal is not None:
        return refusal
    if example is not None:
        return stub.examples.respond(operation_id, example)
    if fault is None:
        return handler.answer(stub, state, workspace, **params)
    if fault.status is not None:
        response = json_response(*stub.examples.first_for(operation_id, fault.status))
    else:
        response = handler.answer(stub, state, workspace, **params)
    if fault.body is not None:
        response.set_data(break_body(response.get_data(), fault.body))
        response.headers[FAULT_HEADER] = fault.body
    return response


def _view(stub: Stub, op: Operation, handler: Handler):
    operation_id = op.operation_id
    store, answer = stub.store, handler.answer

    def view(**params: str) -> Response:
        environ = request.environ
        query = environ.get("QUERY_STRING", "")
        # `%5F` is an encoded `_`: `?%5F%5Fsession=` reads as `__session` too.
        if (operation_id in store.faults or "HTTP_PREFER" in environ
                or "__" in query or "%5f" in query.lower()
                or SESSION in environ or SCENARIO in environ):
            return _special(stub, op, handler, params)
        # The fast path: no fault, no Prefer header, no `__` query parameter, no session.
        environ[REPLAYABLE] = True
        workspace, refusal = auth.authenticate(stub, store, operation_id)
        if refusal is not None:
            return refusal
        return answer(stub, store, workspace, **params)

    view.__name__ = operation_id
    view.__doc__ = f"{op.label} ({operation_id})"
    return view


class _MaybeEmpty(BaseConverter):
    """A path segment that may be empty, so `/social-account/` reaches the operation too."""

    regex = "[^/]*"


def register_operations(app: Flask, stub: Stub, handlers: Mapping[str, Handler]) -> None:
    """Add one rule per operation; a trailing `{param}` also matches when it is left empty."""
    check_handlers(stub, handlers)
    # `/social-account/` is the same operation with `:id` missing (the page answers 422). One
    # rule with an empty-capable segment, not a second `.../` rule: werkzeug would answer
    # `DELETE /social-account` with an HTML redirect to it instead of a 405.
    app.url_map.converters["maybe_empty"] = _MaybeEmpty
    app.url_map.merge_slashes = False  # `//` is a 404, not an HTML redirect
    for op in stub.spec.operations.values():
        rule = _PARAM.sub(r"<\1>", op.path)
        if _PARAM.fullmatch(op.path.rsplit("/", 1)[-1]):
            head, _, last = rule.rpartition("/")
            rule = f"{head}/<maybe_empty:{last[1:-1]}>"
        view = _view(stub, op, handlers[op.operation_id])
        app.add_url_rule(
            rule, endpoint=op.operation_id, view_func=view, methods=[op.method.upper()]
        )
