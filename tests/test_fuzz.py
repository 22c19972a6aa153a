"""Property-based fuzzing of the stub with schemathesis: no 5xx, only documented answers."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings

from mockserver import create_app

# One stub for the module: state changes (deletes) are part of what is fuzzed.
STUB = create_app({"VALIDATE_RESPONSES": True})
SCHEMA = schemathesis.openapi.from_wsgi("/openapi.json", STUB)
FUZZ = settings(max_examples=60, derandomize=True, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))


@SCHEMA.parametrize()
@FUZZ
def test_generated_requests_get_documented_answers(case):
    # Checks: no server error, documented status and content type, body matches its schema,
    # and undocumented methods are 405.
    case.call_and_validate()


@SCHEMA.parametrize()
@FUZZ
def test_generated_requests_with_a_real_key_get_documented_answers(case):
    case.call_and_validate(headers={"embed-api-key": "pn-demo-key"})
