"""Story: one workspace's accounts are invisible to another workspace's key."""

from contract_tests import checks


def test_another_workspaces_account_reads_404(contract):
    """Each account of the --api-key workspace is 404 when read with --empty-api-key."""
    contract.key("empty")
    for account in contract.accounts():
        answer = contract.read(account["id"], "empty")
        checks.documented_answer(answer, "an id from another workspace", "notFound")


def test_another_workspaces_list_never_shows_its_accounts(contract):
    """The --empty-api-key list shows none of the --api-key workspace's accounts."""
    contract.key("empty")
    listing = contract.list("empty")
    checks.expected_status(listing, 200, "the list of a workspace with no accounts")
    for account in contract.accounts():
        checks.not_listed(listing, account["id"], "it belongs to another workspace")
