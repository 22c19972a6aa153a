"""The document's answers as responses: its named example bodies, serialised once at start-up."""

from __future__ import annotations

from flask import Response

from .spec import Spec
from .store import dump_json

JSON = "application/json; charset=utf-8"


def json_response(status: int, body: bytes, headers: dict | None = None) -> Response:
    """A JSON response with the media type the real service (Express) sends."""
    return Response(body, status=status, content_type=JSON, headers=headers)


class Examples:
    """Every named example of every operation, serialised once at start-up."""

    def __init__(self, spec: Spec):
        self._bodies = {
            (op.operation_id, name): (status, dump_json(value))
            for op in spec.operations.values()
            for name, (status, value) in op.examples.items()
        }
        self._first: dict[tuple[str, int], str] = {}
        for (operation_id, name), (status, _body) in self._bodies.items():
            self._first.setdefault((operation_id, status), name)
        # The auth envelope (`status`, not `success`) marks the answers given before a key is
        # known, so they can be asked for without one.
        self._auth = frozenset(
            (op.operation_id, name)
            for op in spec.operations.values()
            for name, (_status, value) in op.examples.items()
            if isinstance(value, dict) and "status" in value
        )

    def names(self, operation_id: str) -> list[str]:
        """The example names an operation has."""
        return [name for op, name in self._bodies if op == operation_id]

    def get(self, operation_id: str, name: str) -> tuple[int, bytes] | None:
        """The status and body of one named example, if the operation has it."""
        return self._bodies.get((operation_id, name))

    def name_for(self, operation_id: str, status: int) -> str | None:
        """The name of the first example documented for a status of an operation."""
        return self._first.get((operation_id, status))

    def first_for(self, operation_id: str, status: int) -> tuple[int, bytes] | None:
        """The first example documented for a status of an operation."""
        name = self.name_for(operation_id, status)
        return None if name is None else self._bodies[(operation_id, name)]

    def is_auth(self, operation_id: str, name: str) -> bool:
        """Whether the example is an auth answer (401, 402, no-key 422), given before any key."""
        return (operation_id, name) in self._auth

    def respond(self, operation_id: str, name: str) -> Response:
        """The named example as a response (the name must exist: checked at start-up)."""
        status, body = self._bodies[(operation_id, name)]
        return json_response(status, body)
