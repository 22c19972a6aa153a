"""Story: the one deletable account is deleted once, then it is gone everywhere, and only it."""

import pytest

from contract_tests import checks

pytestmark = pytest.mark.contract_writes


def test_a_delete_from_another_workspace_is_404_and_deletes_nothing(contract, contract_deletion):
    """--empty-api-key cannot delete the account: 404, and --api-key still reads it."""
    contract.key("empty")
    attempt = contract_deletion.step(contract, "delete from the empty workspace")
    checks.documented_answer(attempt, "a delete from another workspace", "notFound")
    after = contract_deletion.step(contract, "read after that")
    checks.expected_status(after, 200, "the account after another workspace tried to delete it")


def test_the_delete_answers_200_with_the_documented_body(contract, contract_deletion):
    """200 `Social account deleted successfully`."""
    deleted = contract_deletion.step(contract, "delete")
    checks.documented_answer(deleted, "a delete", "deleted")


def test_a_deleted_account_reads_404(contract, contract_deletion):
    """After the delete, a read of the id is 404."""
    read = contract_deletion.step(contract, "read after delete")
    checks.documented_answer(read, "a deleted account", "notFound")


def test_a_deleted_account_is_no_longer_listed(contract, contract_deletion):
    """After the delete, the list does not show it."""
    listing = contract_deletion.step(contract, "list after delete")
    checks.expected_status(listing, 200, "the list after a delete")
    checks.not_listed(listing, contract.deletable_id(), "it was deleted")


def test_the_delete_removes_that_account_and_no_other(contract, contract_deletion):
    """The list after the delete is the list before it without that one account."""
    before = contract_deletion.step(contract, "list before")
    after = contract_deletion.step(contract, "list after delete")
    checks.removed_exactly(before, after, contract.deletable_id())


def test_every_other_account_reads_as_before_the_delete(contract, contract_deletion):
    """Each other listed account still reads 200 with the same fields (volatile ones aside)."""
    for before, after in contract_deletion.other_reads(contract):
        checks.reads_as_before(before, after, contract.deletable_id())


def test_a_second_delete_is_404(contract, contract_deletion):
    """Deleting the same id again is 404."""
    again = contract_deletion.step(contract, "second delete")
    checks.documented_answer(again, "a second delete", "notFound")
