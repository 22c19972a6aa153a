"""Story: no key, an unknown key and an unpaid plan each get the documented refusal."""

import pytest

from contract_tests import checks

# situation -> (key role sent, the document's examples that answer it)
REFUSALS = {
    # The vendor documents both answers for a missing key: 401 Unauthorized and 422.
    "no key": ("none", ("missingKey", "tokenRequired")),
    "an unknown key": ("unknown", ("unknownKey",)),
    "the unqualified key": ("unqualified", ("unpaid",)),
}
OPERATIONS = [
    "GET /social-account",
    "GET /social-account/{id}",
    pytest.param("DELETE /social-account/{id}", marks=pytest.mark.contract_writes),
]


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("situation", list(REFUSALS))
def test_a_refused_request_gets_the_documented_answer(contract, situation, operation):
    """The status and the `status`/`message` envelope are the documented ones, byte for byte."""
    role, examples = REFUSALS[situation]
    answer = contract.call(operation, role)
    checks.documented_answer(answer, f"{situation} on {operation}", *examples)
