"""Property-based fuzzing of the stub with schemathesis: no 5xx, only documented answers."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from urllib.parse import quote

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from jsonschema import Draft202012Validator
from schemathesis import GenerationMode
from stub_process import running_stub

from mockserver import create_app

# One stub for the module: state changes (deletes) are part of what is fuzzed.
STUB = create_app({"VALIDATE_RESPONSES": True})
SCHEMA = schemathesis.openapi.from_wsgi("/openapi.json", STUB)
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]
# Fixed seed (derandomize), no example database: the same cases on every machine.
FUZZ = settings(max_examples=60, derandomize=True, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))
KEYS = {"no key given": None, "a real key": "pn-demo-key"}
# Positive cases here, each checked in-process. Negative cases come from `st run` below: with
# the two key headers as alternatives, the only invalid part of a request is a blank id, which
# hypothesis finds by filtering so rarely that an in-process negative run is unsatisfiable.
CASES = [
    pytest.param(operation, key, id=f"{operation.label}-{label}")
    for operation in OPERATIONS
    for label, key in KEYS.items()
]


@pytest.mark.parametrize(("operation", "key"), CASES)
def test_generated_requests_get_documented_answers(operation, key):
    # The plugin is off in this repo (it costs every pytest start a second), so the cases
    # come from the operation's strategy; the checks are schemathesis's own: no server error,
    # a documented status and content type, a body valid for its schema, 405 for other methods.
    headers = {"embed-api-key": key} if key else None

    @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
    @FUZZ
    def fuzz(case):
        case.call_and_validate(headers=headers)

    fuzz()


def test_schemathesis_cli_with_every_check_finds_nothing(tmp_path):
    # `st run` as a user runs it (all phases, stateful included, every check), bounded and seeded.
    with running_stub(["--validate-responses"]) as url:
        result = subprocess.run(
            [sys.executable, "-m", "schemathesis.cli", "run", f"{url}/openapi.json",
             "--checks", "all", "--mode", "all", "--max-examples", "25", "--seed", "1",
             "-H", "embed-api-key: pn-demo-key", "--no-color"],
            capture_output=True, text=True, timeout=300, cwd=tmp_path,  # its cache stays there
            env={**os.environ, "SCHEMATHESIS_TELEMETRY": "false"})
    assert result.returncode == 0, result.stdout[-3000:]
    assert re.search(r"\d+ generated, \d+ passed", result.stdout), result.stdout[-1000:]


BLANKS = [" ", "\t", "\n", "\x0b", "\x0c", "\r", "\x1c", "\x85", "\xa0", "\u2003", "  \t "]


@pytest.mark.parametrize("raw", [*BLANKS, "a", " x ", "org_123"], ids=repr)
def test_the_id_schema_rejects_exactly_the_ids_the_stub_answers_422(raw):
    parameter = STUB.extensions["mockserver"].spec.document["paths"]["/social-account/{id}"]
    schema = parameter["parameters"][0]["schema"]
    valid = Draft202012Validator(schema).is_valid(raw)
    answer = STUB.test_client().get(f"/social-account/{quote(raw)}",
                                    headers={"embed-api-key": "pn-demo-key"})
    assert valid == (answer.status_code != 422), (raw, answer.status_code)
    assert valid == (raw not in BLANKS)
