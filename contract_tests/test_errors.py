"""Story: an unknown id is 404 and a blank id is 422, each with the documented body."""

import pytest

from contract_tests import checks
from contract_tests.api import BLANK_ID, UNKNOWN_ID


def test_reading_an_unknown_id_is_404(contract):
    """No account with that id in the workspace: 404 `Social account not found`."""
    checks.documented_answer(contract.read(UNKNOWN_ID), "an unknown id", "notFound")


def test_reading_a_blank_id_is_422(contract):
    """A white-space id (`/social-account/%20`): 422 `Social account id is required`."""
    checks.documented_answer(contract.read(BLANK_ID), "a blank id", "idRequired")


@pytest.mark.contract_writes
def test_deleting_an_unknown_id_is_404(contract):
    """A DELETE of an id that is no account deletes nothing and answers 404."""
    checks.documented_answer(contract.delete(UNKNOWN_ID), "an unknown id", "notFound")


@pytest.mark.contract_writes
def test_deleting_a_blank_id_is_422(contract):
    """A DELETE of a white-space id (`/social-account/%20`) answers 422."""
    checks.documented_answer(contract.delete(BLANK_ID), "a blank id", "idRequired")
