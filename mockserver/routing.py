"""Routes from the document: one Flask rule per operation, wrapped in auth emulation."""

from __future__ import annotations

import re
from collections.abc import Mapping

from flask import Flask, Response, request

from . import auth
from .context import Mock
from .errors import SpecError
from .handlers import Handler
from .spec import Operation

_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def check_handlers(mock: Mock, handlers: Mapping[str, Handler]) -> None:
    """Every operation has a handler and every handler an operation, else a start-up error."""
    operations, names = set(mock.spec.operations), set(handlers)
    problems = [f"operation {o!r} in {mock.spec.source} has no handler" for o in sorted(operations - names)]
    problems += [f"handler {h!r} has no operation in {mock.spec.source}" for h in sorted(names - operations)]
    if problems:
        raise SpecError("; ".join(problems))
    needed = {(op.operation_id, name) for op in mock.spec.operations.values() for name in auth.AUTH_EXAMPLES
              if any(s in op.statuses for s in (401, 402))}
    missing = sorted(f"{o}.{n}" for o, n in needed if mock.examples.get(o, n) is None)
    if missing:
        raise SpecError(f"the stub answers with examples the document lacks: {', '.join(missing)}",
                        source=mock.spec.source)


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


def _view(mock: Mock, op: Operation, handler: Handler):
    def view(**params: str) -> Response:
        workspace, refusal = authenticate(mock, op.operation_id)
        if refusal is not None:
            return refusal
        return handler(mock, workspace, **params)

    view.__name__ = op.operation_id
    view.__doc__ = f"{op.label} ({op.operation_id})"
    return view


def register_operations(app: Flask, mock: Mock, handlers: Mapping[str, Handler]) -> None:
    """Add one rule per operation; a trailing `{param}` also matches when it is left empty."""
    check_handlers(mock, handlers)
    for op in mock.spec.operations.values():
        rule = _PARAM.sub(r"<\1>", op.path)
        view = _view(mock, op, handlers[op.operation_id])
        methods = [op.method.upper()]
        app.add_url_rule(rule, endpoint=op.operation_id, view_func=view, methods=methods)
        last = _PARAM.fullmatch(op.path.rsplit("/", 1)[-1])
        if last:
            # `/social-account/` is the same operation with `:id` missing: the page answers 422.
            app.add_url_rule(rule.rsplit("/", 1)[0] + "/", endpoint=op.operation_id,
                             view_func=view, methods=methods, defaults={last.group(1): ""})
