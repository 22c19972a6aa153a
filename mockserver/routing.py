"""Routes from the document: one Flask rule per operation, wrapped in auth, faults and overrides."""

from __future__ import annotations

import re
import time
from collections.abc import Mapping

from flask import Flask, Response, request
from werkzeug.routing import BaseConverter

from . import auth, overrides
from .context import Mock
from .errors import SpecError
from .faults import FAULT_HEADER, Fault, break_body
from .handlers import Handler
from .responses import json_response, stub_error
from .spec import Operation

_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def check_handlers(mock: Mock, handlers: Mapping[str, Handler]) -> None:
    """Every operation has a handler and every handler an operation, else a start-up error."""
    operations, names = set(mock.spec.operations), set(handlers)
    problems = [
        f"operation {o!r} in {mock.spec.source} has no handler" for o in sorted(operations - names)
    ]
    problems += [
        f"handler {h!r} has no operation in {mock.spec.source}" for h in sorted(names - operations)
    ]
    if problems:
        raise SpecError("; ".join(problems))
    needed = {
        (op.operation_id, name)
        for op in mock.spec.operations.values()
        for name in auth.AUTH_EXAMPLES
        if any(s in op.statuses for s in (401, 402))
    }
    missing = sorted(f"{o}.{n}" for o, n in needed if mock.examples.get(o, n) is None)
    # Faults and `Prefer: code=` may ask for any documented status: each needs a body to send.
    missing += sorted(
        f"{op.operation_id} {status}"
        for op in mock.spec.operations.values()
        for status in op.statuses
        if mock.examples.first_for(op.operation_id, status) is None
    )
    if missing:
        raise SpecError(
            f"the stub answers with examples the document lacks: {', '.join(missing)}",
            source=mock.spec.source,
        )


def authenticate(mock: Mock, operation_id: str):
    """The caller's workspace, or the documented refusal to send instead."""
    key = auth.api_key(request.headers)
    if key is None:
        return None, mock.examples.respond(operation_id, auth.MISSING_KEY)
    workspace = mock.store.workspace(key)
    if workspace is None:
        return None, mock.examples.respond(operation_id, auth.UNKNOWN_KEY)
    if workspace.access != "paid":
        return None, mock.examples.respond(operation_id, auth.REFUSED_ACCESS[workspace.access])
    return workspace, None


def _special(
    mock: Mock, op: Operation, handler: Handler, fault: Fault | None, params: dict[str, str]
) -> Response:
    """The slow path: a scenario fault, or a request that asks for an override.

    Latency comes first and applies to every answer. An override naming an auth answer (401,
    402, the no-key 422) needs no key, so a browser can reach every documented error; any other
    override or fault applies only once the key is accepted, as on the real service where auth
    runs first. An override beats the scenario's fault and never changes state.
    """
    if fault is not None and fault.latency_s:
        time.sleep(fault.latency_s)
    operation_id = op.operation_id
    try:
        override = overrides.requested(request.headers.get("Prefer"), request.args)
        example = None if override is None else overrides.resolve(override, op, mock.examples)
    except overrides.OverrideError as exc:
        return stub_error(422, "override-refused", str(exc))
    if example is not None and mock.examples.is_auth(operation_id, example):
        return mock.examples.respond(operation_id, example)
    workspace, refusal = authenticate(mock, operation_id)
    if refusal is not None:
        return refusal
    if example is not None:
        return mock.examples.respond(operation_id, example)
    if fault is None:
        return handler(mock, workspace, **params)
    if fault.status is not None:
        response = json_response(*mock.examples.first_for(operation_id, fault.status))
    else:
        response = handler(mock, workspace, **params)
    if fault.body is not None:
        response.set_data(break_body(response.get_data(), fault.body))
        response.headers[FAULT_HEADER] = fault.body
    return response


def _view(mock: Mock, op: Operation, handler: Handler):
    operation_id = op.operation_id
    store = mock.store

    def view(**params: str) -> Response:
        environ = request.environ
        fault = store.snapshot.faults.get(operation_id)
        if fault is not None or "HTTP_PREFER" in environ or "__" in environ.get("QUERY_STRING", ""):
            return _special(mock, op, handler, fault, params)
        # The fast path: no fault, no Prefer header, no `__` query parameter.
        workspace, refusal = authenticate(mock, operation_id)
        if refusal is not None:
            return refusal
        return handler(mock, workspace, **params)

    view.__name__ = operation_id
    view.__doc__ = f"{op.label} ({operation_id})"
    return view


class _MaybeEmpty(BaseConverter):
    """A path segment that may be empty, so `/social-account/` reaches the operation too."""

    regex = "[^/]*"


def register_operations(app: Flask, mock: Mock, handlers: Mapping[str, Handler]) -> None:
    """Add one rule per operation; a trailing `{param}` also matches when it is left empty."""
    check_handlers(mock, handlers)
    # `/social-account/` is the same operation with `:id` missing (the page answers 422). One
    # rule with an empty-capable segment, not a second `.../` rule: werkzeug would answer
    # `DELETE /social-account` with an HTML redirect to it instead of a 405.
    app.url_map.converters["maybe_empty"] = _MaybeEmpty
    app.url_map.merge_slashes = False  # `//` is a 404, not an HTML redirect
    for op in mock.spec.operations.values():
        rule = _PARAM.sub(r"<\1>", op.path)
        if _PARAM.fullmatch(op.path.rsplit("/", 1)[-1]):
            head, _, last = rule.rpartition("/")
            rule = f"{head}/<maybe_empty:{last[1:-1]}>"
        view = _view(mock, op, handlers[op.operation_id])
        app.add_url_rule(
            rule, endpoint=op.operation_id, view_func=view, methods=[op.method.upper()]
        )
