"""JSON responses: the document's own example bodies, precomputed, and the stub's own errors."""

from __future__ import annotations

from flask import Response

from .spec import Spec
from .store import dump_json

JSON = "application/json; charset=utf-8"


def json_response(status: int, body: bytes, headers: dict | None = None) -> Response:
    """A JSON response with the media type the real service (Express) sends."""
    return Response(body, status=status, content_type=JSON, headers=headers)


def stub_error(status: int, message: str) -> Response:
    """The stub's own answer for what the document does not cover (unknown path or method)."""
    return json_response(status, dump_json({"success": False, "message": message}))


class Examples:
    """Every named example of every operation, serialised once at start-up."""

    def __init__(self, spec: Spec):
        self._bodies = {
            (op.operation_id, name): (status, dump_json(value))
            for op in spec.operations.values()
            for name, (status, value) in op.examples.items()
        }

    def names(self, operation_id: str) -> list[str]:
        """The example names an operation has."""
        return [name for op, name in self._bodies if op == operation_id]

    def get(self, operation_id: str, name: str) -> tuple[int, bytes] | None:
        """The status and body of one named example, if the operation has it."""
        return self._bodies.get((operation_id, name))

    def first_for(self, operation_id: str, status: int) -> tuple[int, bytes] | None:
        """The first example documented for a status of an operation."""
        for (op, _name), (example_status, body) in self._bodies.items():
            if op == operation_id and example_status == status:
                return example_status, body
        return None

    def respond(self, operation_id: str, name: str) -> Response:
        """The named example as a response (the name must exist: checked at start-up)."""
        status, body = self._bodies[(operation_id, name)]
        return json_response(status, body)
