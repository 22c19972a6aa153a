"""Property-based fuzzing of the stub with schemathesis: no 5xx, only documented answers."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from mockserver import create_app

# One stub for the module: state changes (deletes) are part of what is fuzzed.
STUB = create_app({"VALIDATE_RESPONSES": True})
SCHEMA = schemathesis.openapi.from_wsgi("/openapi.json", STUB)
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]
# Fixed seed (derandomize), no example database: the same cases on every machine.
FUZZ = settings(max_examples=60, derandomize=True, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))
KEYS = {"no key given": None, "a real key": "pn-demo-key"}


@pytest.mark.parametrize("mode", list(GenerationMode), ids=lambda m: m.value)
@pytest.mark.parametrize("key", list(KEYS.values()), ids=list(KEYS))
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.label)
def test_generated_requests_get_documented_answers(operation, key, mode):
    # The plugin is off in this repo (it costs every pytest start a second), so the cases
    # come from the operation's strategy; the checks are schemathesis's own: no server error,
    # a documented status and content type, a body valid for its schema, 405 for other methods.
    headers = {"embed-api-key": key} if key else None

    @given(case=operation.as_strategy(generation_mode=mode))
    @FUZZ
    def fuzz(case):
        case.call_and_validate(headers=headers)

    fuzz()
