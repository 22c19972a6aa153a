"""The stub's own answers (RFC 9457 problems), never mistakable for one of the API's answers."""

from __future__ import annotations

from flask import Response

from .faults import FAULT_HEADER
from .store import dump_json

PROBLEM = "application/problem+json; charset=utf-8"
PROBLEM_TITLES = {
    "override-refused": "The stub cannot give the answer asked for",
    "session-refused": "The stub cannot use the session asked for",
    "no-route": "No such path in the document",
    "method-not-allowed": "No such method on this path in the document",
    "http-error": "The stub cannot serve this request",
    "stub-failure": "The stub failed",
}


def stub_error(status: int, kind: str, detail: str) -> Response:
    """The stub's own answer (RFC 9457 problem), never mistakable for one of the API's answers.

    The media type and `X-Mock-Fault: <kind>` tell clients and validating proxies that the
    answer is not in openapi.yaml; mockserver/admin-openapi.yaml describes it.
    """
    body = {"type": f"urn:mockserver:problem:{kind}", "title": PROBLEM_TITLES[kind],
            "status": status, "detail": detail}
    return Response(dump_json(body), status=status, content_type=PROBLEM,
                    headers={FAULT_HEADER: kind})
