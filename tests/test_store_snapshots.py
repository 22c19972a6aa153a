"""The state a request reads: the snapshot it was authenticated against, bodies never stale."""

from __future__ import annotations

import pytest
from conftest import OTHER_ACCOUNT_ID, OTHER_KEY, PAGE_ACCOUNT_ID

from mockserver.handlers import HANDLERS


@pytest.mark.parametrize(("operation_id", "params", "status"), [
    ("listSocialAccounts", {}, 200),
    ("getSocialAccount", {"id": OTHER_ACCOUNT_ID}, 200),
    ("deleteSocialAccount", {"id": OTHER_ACCOUNT_ID}, 404),
])
def test_a_request_authenticated_before_a_switch_still_gets_a_documented_answer(
        app, operation_id, params, status):
    # The steps of one request with a scenario switch in between, in the order two threads can
    # interleave them: auth sees the key, then the new scenario (without it) becomes active.
    stub = app.extensions["mockserver"]
    workspace = stub.store.workspace(OTHER_KEY)
    stub.store.load(stub.scenarios.load_document({"description": "no keys at all"}))
    with app.test_request_context():
        response = HANDLERS[operation_id].answer(stub, stub.store, workspace, **params)
    assert response.status_code == status
    # Served from the state it was authenticated against; the delete changed nothing.
    assert stub.store.snapshot.workspaces == {}


def test_a_list_cached_before_a_delete_is_not_served_after_it(demo):
    before = demo("GET", "/social-account").get_json()["data"]["socialAccounts"]["linkedin"]
    assert PAGE_ACCOUNT_ID in [account["id"] for account in before]
    assert demo("GET", f"/social-account/{PAGE_ACCOUNT_ID}").status_code == 200
    assert demo("DELETE", f"/social-account/{PAGE_ACCOUNT_ID}").status_code == 200
    after = demo("GET", "/social-account").get_json()["data"]["socialAccounts"]["linkedin"]
    assert [account["id"] for account in after] == [
        account["id"] for account in before if account["id"] != PAGE_ACCOUNT_ID]
    assert demo("GET", f"/social-account/{PAGE_ACCOUNT_ID}").status_code == 404
