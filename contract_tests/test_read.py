"""Story: every listed account can be read, and the read agrees with the list."""

from contract_tests import checks


def test_every_listed_account_can_be_read(contract):
    """A read of each listed id is a documented 200."""
    for account in contract.accounts():
        read = contract.read(account["id"])
        checks.expected_status(read, 200, "a listed account")


def test_a_read_agrees_with_the_list(contract):
    """The read shows the same id, and the same value for every field both show."""
    for account in contract.accounts():
        read = contract.read(account["id"])
        checks.expected_status(read, 200, "a listed account")
        checks.list_read_agreement(account, read)


def test_usage_has_one_row_per_status_with_a_non_negative_count(contract):
    """Usage is grouped by status: distinct statuses, each `_count` an integer >= 0."""
    for account in contract.accounts():
        read = contract.read(account["id"])
        checks.expected_status(read, 200, "a listed account")
        checks.usage_conformance(read)
