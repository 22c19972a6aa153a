"""Per-request overrides: `Prefer: code=/example=` and `?__code=/__example=`, Prism's convention."""

from __future__ import annotations

import json

import pytest
from conftest import DEMO_KEY, PAGE_ACCOUNT_ID

from mockserver import create_app, resources
from mockserver.faults import FAULT_HEADER
from mockserver.spec import Spec

OPERATIONS = {
    "listSocialAccounts": ("GET", "/social-account"),
    "getSocialAccount": ("GET", f"/social-account/{PAGE_ACCOUNT_ID}"),
    "deleteSocialAccount": ("DELETE", f"/social-account/{PAGE_ACCOUNT_ID}"),
}


SPEC_EXAMPLES = [  # (operationId, example name, status, body) of every named example
    (op.operation_id, name, status, value)
    for op in Spec.load(resources.spec_path()).operations.values()
    for name, (status, value) in op.examples.items()
]


@pytest.fixture(scope="module")
def app():
    """One stub for the module: an override never changes state (a test below checks it)."""
    return create_app({"TESTING": True})


@pytest.mark.parametrize(("operation_id", "name", "status", "body"), SPEC_EXAMPLES,
                         ids=[f"{o}.{n}" for o, n, _, _ in SPEC_EXAMPLES])
def test_every_named_example_is_reachable_by_header_and_by_query(demo, operation_id, name, status,
                                                                 body):
    method, path = OPERATIONS[operation_id]
    by_header = demo(method, path, headers={"Prefer": f"example={name}"})
    by_query = demo(method, f"{path}?__example={name}")
    for response in (by_header, by_query):
        assert response.status_code == status
        assert response.get_json() == body
        assert FAULT_HEADER not in response.headers  # documented, so the self-check checked it


@pytest.mark.parametrize(("operation_id", "status"), sorted(
    {(o, s) for o, _, s, _ in SPEC_EXAMPLES}), ids=lambda v: str(v))
def test_every_documented_status_is_reachable_by_code(demo, operation_id, status):
    method, path = OPERATIONS[operation_id]
    for response in (demo(method, path, headers={"Prefer": f"code={status}"}),
                     demo(method, f"{path}?__code={status}")):
        assert response.status_code == status


def test_code_and_example_combine(demo):
    prefer = {"Prefer": "code=422, example=tokenRequired"}
    response = demo("GET", "/social-account/x", headers=prefer)
    assert response.status_code == 422
    assert response.get_json() == {"status": False, "message": "Token is required for this call."}
    response = demo("GET", "/social-account/x?__code=401&__example=noOrganization")
    assert response.get_json() == {"status": False,
                                   "message": "Unable to find organization details."}


def test_code_alone_answers_the_first_example_for_that_status(demo):
    response = demo("GET", "/social-account/x", headers={"Prefer": "code=422"})
    assert response.get_json() == {"success": False, "message": "Social account id is required"}


def test_query_wins_over_prefer(demo):
    response = demo("GET", "/social-account/x?__code=404", headers={"Prefer": "code=500"})
    assert response.status_code == 404


def test_prefer_accepts_quotes_spaces_case_and_other_preferences(demo):
    response = demo("GET", "/social-account/x",
                    headers={"Prefer": 'return=minimal;  CODE = "404" ; wait=5'})
    assert response.status_code == 404
    # A Prefer header without code or example is no override at all.
    assert demo("GET", "/social-account", headers={"Prefer": "return=minimal"}).status_code == 200


@pytest.mark.parametrize(("method", "path", "asked", "message"), [
    ("GET", "/social-account?__code=404", "?__code=404",
     "GET /social-account does not document status 404 (it documents 200, 401, 402, 422, 500)"),
    ("DELETE", "/social-account/x?__code=201", "?__code=201",
     "DELETE /social-account/{id} does not document status 201"),
    ("GET", "/social-account?__example=nope", "?__example=nope",
     "GET /social-account has no example named 'nope' (it has populated, empty, "),
    ("GET", "/social-account/x?__code=500&__example=notFound", "?__code=500, ?__example=notFound",
     "example 'notFound' of GET /social-account/{id} is documented for status 404, not 500"),
    ("GET", "/social-account?__code=abc", "?__code", "must be a three-digit status code such as "
     "404, not 'abc'"),
    ("GET", "/social-account?__code=", "?__code", "not ''"),
    ("GET", "/social-account?__code=4040", "?__code", "not '4040'"),
    ("GET", "/social-account?__code=%D9%A4%D9%A0%D9%A4", "?__code", "three-digit"),  # Arabic digits
    ("GET", "/social-account?__example=", "?__example", "must name an example, not be empty"),
])
def test_an_override_the_operation_does_not_document_is_a_clear_422(demo, method, path, asked,
                                                                      message):
    response = demo(method, path)
    assert response.status_code == 422
    assert response.headers[FAULT_HEADER] == "override-refused"
    assert response.content_type == "application/problem+json; charset=utf-8"
    body = json.loads(response.data)
    assert body["type"] == "urn:mockserver:problem:override-refused" and body["status"] == 422
    assert body["detail"].startswith(asked)
    assert message in body["detail"]


@pytest.mark.parametrize("prefer", [
    "code", "code=", "code=;", ",,,", "=", "=404", "example", "example=", 'example="', "code=4 04",
    "code=-1", "code=1e3", "code=４０４", "code=404, code=500", "\x7f", "code=" + "9" * 5000,
    "example=" + "x" * 5000, "code=200;;;example=populated", 'code="', "code=\"404",
])
def test_malformed_prefer_never_500s(demo, prefer):
    response = demo("GET", "/social-account", headers={"Prefer": prefer})
    assert response.status_code in (200, 422)
    assert response.is_json


def test_auth_answers_need_no_key_other_overrides_do(client):
    # 401, 402 and the no-key 422 are what a browser without a key must be able to reach.
    for query, status in (("__code=401", 401), ("__code=402", 402),
                          ("__example=tokenRequired", 422), ("__example=unknownKey", 401)):
        response = client.get(f"/social-account/x?{query}")
        assert response.status_code == status, query
    # Anything else is answered only once the key is accepted, as auth runs first on the service.
    response = client.get("/social-account/x?__code=404")
    assert response.status_code == 401
    assert response.get_json()["message"] == "Unauthorized"
    response = client.get("/social-account?__code=500", headers={"embed-api-key": "pn-unpaid-key"})
    assert response.status_code == 402


def test_an_override_never_changes_state(demo):
    response = demo("DELETE", f"/social-account/{PAGE_ACCOUNT_ID}?__code=200")
    assert response.get_json() == {"success": True,
                                   "message": "Social account deleted successfully"}
    assert demo("GET", f"/social-account/{PAGE_ACCOUNT_ID}").status_code == 200


def test_an_override_beats_the_scenarios_fault(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text("description: d\nextends: default\n"
                        "faults: [{operation: '*', status: 500, body: truncated}]\n")
    client = create_app({"TESTING": True, "SCENARIO": str(scenario)}).test_client()
    headers = {"embed-api-key": DEMO_KEY}
    assert client.get("/social-account", headers=headers).status_code == 500
    response = client.get("/social-account/x?__code=404", headers=headers)
    assert response.status_code == 404
    assert response.get_json() == {"success": False, "message": "Social account not found"}


def test_override_parameters_are_ignored_off_the_operations(client):
    assert client.get("/nowhere?__code=200").status_code == 404
    assert client.get("/__admin/health?__code=500").status_code == 200
