"""Optional self-check: every response the stub sends must validate against the document."""

from __future__ import annotations

import json
import logging

from flask import Flask, Response, request

from .errors import ResponseValidationError
from .faults import FAULT_HEADER
from .routing import REPLAYABLE
from .spec import Spec

log = logging.getLogger("mockserver")


def response_problem(spec: Spec, operation_id: str, status: int, body: bytes) -> str | None:
    """Why a response breaks the document, or None if it conforms."""
    validator = spec.response_validator(operation_id, status)
    if validator is None:
        return f"status {status} is not documented for {operation_id}"
    try:
        document = json.loads(body)
    except ValueError:
        return f"the {status} body is not JSON"
    from jsonschema.exceptions import best_match  # imported by the self-check only, not at start

    error = best_match(validator.iter_errors(document))
    if error is None:
        return None
    where = "/".join(map(str, error.absolute_path)) or "(body)"
    return f"the {status} body breaks the schema at {where}: {error.message}"


def init_app(app: Flask, spec: Spec) -> None:
    """Check documented operations' responses when VALIDATE_RESPONSES is on (free when off)."""
    if not app.config["VALIDATE_RESPONSES"]:
        return

    @app.after_request
    def validate(response: Response) -> Response:
        endpoint = request.endpoint
        if (
            endpoint not in spec.operations
            or request.method in ("HEAD", "OPTIONS")
            or not response.is_sequence
        ):
            return response
        if response.headers.get(FAULT_HEADER):  # a deliberate fault is not the stub's bug
            return response
        problem = response_problem(spec, endpoint, response.status_code, response.get_data())
        if problem:
            request.environ.pop(REPLAYABLE, None)  # so that each sending of it is reported
            error = ResponseValidationError(problem, source=f"{request.method} {request.path}")
            if app.testing:
                raise error
            log.error("response does not match the document: %s", error)
        return response
