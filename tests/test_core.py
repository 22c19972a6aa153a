"""The stub answers each operation as the page says: success, every error, isolation, lifecycle."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from conftest import DEMO_KEY, EMPTY_KEY, OTHER_ACCOUNT_ID, OTHER_KEY, PAGE_ACCOUNT_ID, UNPAID_KEY

from mockserver.auth import api_key

PLATFORMS = ["linkedin", "instagram", "tiktok", "threads"]
AUTH_MESSAGES = {
    "missing": "Unauthorized",
    "unknown": "Unable to find embed details, please check your Embed API key and make sure to use "
    "the key for API.",
    "no-workspace": "Unable to find workspace details, please attach a workspace to this API key.",
    "no-organization": "Unable to find organization details.",
    "unpaid": "Embed API requires a paid main plan with the API Credits add-on, or an active Embed "
    "API subscription.",
}
OPERATIONS = [
    pytest.param("GET", "/social-account", id="GET /social-account"),
    pytest.param("GET", f"/social-account/{PAGE_ACCOUNT_ID}", id="GET /social-account/{id}"),
    pytest.param("DELETE", f"/social-account/{PAGE_ACCOUNT_ID}", id="DELETE /social-account/{id}"),
]


def _ids(body):
    return [a["id"] for p in PLATFORMS for a in body["data"]["socialAccounts"][p]]


# -- success -------------------------------------------------------------------------------
def test_list_groups_accounts_under_all_four_platform_keys(demo):
    response = demo("GET", "/social-account")
    assert response.status_code == 200
    assert response.content_type == "application/json; charset=utf-8"
    grouped = response.json["data"]["socialAccounts"]
    assert list(grouped) == PLATFORMS
    for platform, accounts in grouped.items():
        assert all(a["platformType"] == platform for a in accounts)
    assert len(grouped["linkedin"]) == 2
    assert {a["accountType"] for a in grouped["linkedin"]} == {"organization", "personal"}
    assert sum(1 for p in PLATFORMS if grouped[p]) >= 3


def test_list_of_empty_workspace_has_four_empty_arrays(demo):
    response = demo("GET", "/social-account", key=EMPTY_KEY)
    assert response.status_code == 200
    assert response.json == {
        "success": True,
        "data": {"socialAccounts": {p: [] for p in PLATFORMS}},
    }


def test_read_answers_the_pages_example_byte_for_byte(demo):
    page = Path(__file__).resolve().parents[2] / "shared/spec/social-accounts.txt"
    response = demo("GET", f"/social-account/{PAGE_ACCOUNT_ID}")
    assert response.status_code == 200
    expected = {
        "success": True,
        "data": {
            "socialAccount": {
                "id": PAGE_ACCOUNT_ID,
                "organizationId": "org_123",
                "workspaceId": "ws_456",
                "platformType": "linkedin",
                "accountHandle": "postnitroai-co",
                "accountName": "PostNitro",
                "accountLogo": "https://...",
                "accessTokenStatus": "active",
                "tokenExpiresAt": "2026-09-01T00:00:00.000Z",
                "createdAt": "2026-05-01T12:00:00.000Z",
                "updatedAt": "2026-05-01T12:00:00.000Z",
            },
            "usage": [{"status": "PENDING", "_count": 3}, {"status": "PUBLISHED", "_count": 12}],
        },
    }
    assert response.json == expected
    assert list(response.json["data"]["socialAccount"]) == list(expected["data"]["socialAccount"])
    if page.exists():
        assert '"accountHandle": "postnitroai-co"' in page.read_text()


def test_read_agrees_with_the_list_for_every_account(demo):
    listed = demo("GET", "/social-account").json["data"]["socialAccounts"]
    for platform in PLATFORMS:
        for summary in listed[platform]:
            full = demo("GET", f"/social-account/{summary['id']}").json["data"]
            shared = {k: v for k, v in summary.items() if k in full["socialAccount"]}
            assert shared == {k: full["socialAccount"][k] for k in shared}
            statuses = [row["status"] for row in full["usage"]]
            assert len(statuses) == len(set(statuses))


def test_demo_workspace_has_an_expired_token_and_several_usage_statuses(demo):
    listed = demo("GET", "/social-account").json
    assert "expired" in {
        a["accessTokenStatus"] for p in PLATFORMS for a in listed["data"]["socialAccounts"][p]
    }
    statuses = set()
    for account_id in _ids(listed):
        statuses |= {
            r["status"] for r in demo("GET", f"/social-account/{account_id}").json["data"]["usage"]
        }
    assert len(statuses) >= 3


# -- errors --------------------------------------------------------------------------------
@pytest.mark.parametrize(("method", "path"), OPERATIONS)
@pytest.mark.parametrize(
    ("headers", "status", "envelope", "message"),
    [
        pytest.param({}, 401, "status", AUTH_MESSAGES["missing"], id="no key"),
        pytest.param(
            {"embed-api-key": "   "}, 401, "status", AUTH_MESSAGES["missing"], id="blank key"
        ),
        pytest.param(
            {"embed-api-key": "pn-nobody"},
            401,
            "status",
            AUTH_MESSAGES["unknown"],
            id="unknown key",
        ),
        pytest.param(
            {"authorization": "Bearer pn-nobody"},
            401,
            "status",
            AUTH_MESSAGES["unknown"],
            id="unknown bearer",
        ),
        pytest.param(
            {"embed-api-key": "pn-noworkspace-key"},
            401,
            "status",
            AUTH_MESSAGES["no-workspace"],
            id="no workspace",
        ),
        pytest.param(
            {"embed-api-key": "pn-noorg-key"},
            401,
            "status",
            AUTH_MESSAGES["no-organization"],
            id="no organization",
        ),
        pytest.param(
            {"embed-api-key": UNPAID_KEY}, 402, "status", AUTH_MESSAGES["unpaid"], id="unpaid"
        ),
    ],
)
def test_auth_refusals_use_the_status_envelope(
    client, method, path, headers, status, envelope, message
):
    response = client.open(path, method=method, headers=headers)
    assert response.status_code == status
    assert response.json == {envelope: False, "message": message}


@pytest.mark.parametrize("method", ["GET", "DELETE"])
@pytest.mark.parametrize(
    "path", ["/social-account/%20", "/social-account/", "/social-account/%09%20"]
)
def test_blank_id_is_422(demo, method, path):
    response = demo(method, path)
    assert response.status_code == 422
    assert response.json == {"success": False, "message": "Social account id is required"}


@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_unknown_id_is_404(demo, method):
    response = demo(method, "/social-account/does-not-exist")
    assert response.status_code == 404
    assert response.json == {"success": False, "message": "Social account not found"}


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("embed-api-key", DEMO_KEY),
        ("authorization", DEMO_KEY),
        ("authorization", f"Bearer {DEMO_KEY}"),
        ("authorization", f"bearer   {DEMO_KEY} "),
        ("embed-api-key", f"  {DEMO_KEY}  "),
    ],
)
def test_key_is_accepted_from_either_header(client, header, value):
    response = client.get("/social-account", headers={header: value})
    assert response.status_code == 200


def test_embed_api_key_wins_over_authorization():
    assert api_key({"embed-api-key": "a", "authorization": "Bearer b"}) == "a"
    assert api_key({"authorization": "Bearer b"}) == "b"
    assert api_key({"authorization": "Basic b"}) == "Basic b"
    assert api_key({}) is None


# -- isolation -----------------------------------------------------------------------------
def test_ids_of_another_workspace_are_404_and_untouched(demo):
    assert OTHER_ACCOUNT_ID not in _ids(demo("GET", "/social-account").json)
    assert demo("GET", f"/social-account/{OTHER_ACCOUNT_ID}").status_code == 404
    response = demo("DELETE", f"/social-account/{OTHER_ACCOUNT_ID}")
    assert response.status_code == 404
    assert response.json == {"success": False, "message": "Social account not found"}
    assert demo("GET", f"/social-account/{OTHER_ACCOUNT_ID}", key=OTHER_KEY).status_code == 200
    assert demo("DELETE", f"/social-account/{PAGE_ACCOUNT_ID}", key=OTHER_KEY).status_code == 404
    assert demo("GET", f"/social-account/{PAGE_ACCOUNT_ID}").status_code == 200


# -- lifecycle -----------------------------------------------------------------------------
def test_delete_lifecycle_and_reset(app, demo):
    before = _ids(demo("GET", "/social-account").json)
    response = demo("DELETE", f"/social-account/{PAGE_ACCOUNT_ID}")
    assert response.status_code == 200
    assert response.json == {"success": True, "message": "Social account deleted successfully"}
    assert demo("GET", f"/social-account/{PAGE_ACCOUNT_ID}").status_code == 404
    after = _ids(demo("GET", "/social-account").json)
    assert after == [i for i in before if i != PAGE_ACCOUNT_ID]
    assert demo("DELETE", f"/social-account/{PAGE_ACCOUNT_ID}").status_code == 404
    app.extensions["mockserver"].store.reset()
    assert _ids(demo("GET", "/social-account").json) == before
    assert demo("GET", f"/social-account/{PAGE_ACCOUNT_ID}").json["data"]["usage"][0]["_count"] == 3


def test_a_new_app_starts_from_the_seed(demo):
    # The previous test deleted from its own app; this one has a fresh seed.
    assert demo("GET", f"/social-account/{PAGE_ACCOUNT_ID}").status_code == 200


def test_concurrent_deletes_of_one_id_succeed_exactly_once(app):
    statuses, barrier = [], threading.Barrier(16)

    def worker():
        client = app.test_client()
        barrier.wait()
        statuses.append(
            client.delete(
                f"/social-account/{PAGE_ACCOUNT_ID}", headers={"embed-api-key": DEMO_KEY}
            ).status_code
        )

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] + [404] * 15


# -- what the document does not cover ------------------------------------------------------
def test_unknown_path_is_json_404(client):
    response = client.get("/nope")
    assert response.status_code == 404
    assert response.content_type == "application/problem+json; charset=utf-8"
    assert response.headers["X-Mock-Fault"] == "no-route"
    body = response.json
    assert body["type"] == "urn:mockserver:problem:no-route" and body["status"] == 404
    assert body["title"] and "/nope" in body["detail"]


def test_wrong_method_is_json_405_with_allow(client):
    response = client.post("/social-account", headers={"embed-api-key": DEMO_KEY})
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"
    assert response.headers["X-Mock-Fault"] == "method-not-allowed"
    body = json.loads(response.data)
    assert body["type"] == "urn:mockserver:problem:method-not-allowed" and body["status"] == 405


def test_head_answers_like_get_without_a_body(client):
    response = client.head("/social-account", headers={"embed-api-key": DEMO_KEY})
    assert response.status_code == 200 and response.data == b""
