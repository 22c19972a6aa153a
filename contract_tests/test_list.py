"""Story: a workspace lists its accounts grouped under the four platform keys."""

from contract_tests import checks


def test_the_list_answers_200_with_the_documented_body(contract):
    """The list of a workspace with accounts is a documented 200 (schema and formats checked)."""
    listing = contract.list("api")
    checks.expected_status(listing, 200, "the list of a workspace")


def test_the_list_has_every_platform_key_each_an_array(contract):
    """`socialAccounts` always has linkedin, instagram, tiktok and threads, each an array."""
    listing = contract.list("api")
    checks.expected_status(listing, 200, "the list of a workspace")
    checks.platform_keys_conformance(listing, contract.platforms)


def test_each_account_sits_under_its_own_platform_key(contract):
    """An account listed under `tiktok` has platformType `tiktok`."""
    listing = contract.list("api")
    checks.expected_status(listing, 200, "the list of a workspace")
    checks.platform_placement_conformance(listing)


def test_every_account_is_listed_once(contract):
    """An id appears once in the whole list: not twice under one key, nor under two keys."""
    listing = contract.list("api")
    checks.expected_status(listing, 200, "the list of a workspace")
    checks.unique_ids_conformance(listing)


def test_an_empty_workspace_lists_four_empty_arrays(contract):
    """A workspace with no connected accounts still answers 200 with every array empty."""
    contract.key("empty")
    listing = contract.list("empty")
    checks.expected_status(listing, 200, "the list of a workspace with no accounts")
    checks.empty_workspace_conformance(listing, contract.platforms)
