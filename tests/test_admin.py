"""The admin API under /__admin/: every call, each answer checked against admin-openapi.yaml."""

from __future__ import annotations

import json
import re
import shutil
from datetime import datetime
from pathlib import Path

import pytest
import yaml
from conftest import DEMO_KEY, OTHER_ACCOUNT_ID, PAGE_ACCOUNT_ID
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from openapi_spec_validator import validate as validate_openapi
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from mockserver import create_app, resources
from mockserver.admin import DOCUMENT_PATH
from mockserver.pointers import escape, follow
from mockserver.spec import Spec

ADMIN = yaml.safe_load(DOCUMENT_PATH.read_text(encoding="utf-8"))
URI = "urn:mockserver:admin-openapi.yaml"
REGISTRY = Registry().with_resource(URI, DRAFT202012.create_resource(ADMIN))
REAL_LOOKING_KEY = "pn-plnnepb6v9omx2ik88v793ak"


def conforms(response, method: str, path: str):
    """Fail unless the answer's status, media type and body are what admin-openapi.yaml says."""
    operation = ADMIN["paths"][path][method.lower()]
    status = str(response.status_code)
    assert status in operation["responses"], f"{method} {path}: undocumented status {status}"
    documented = operation["responses"][status]
    where = "/".join(["#/paths", escape(path), method.lower(), "responses", status])
    if "$ref" in documented:  # a shared answer under components/responses
        where = documented["$ref"]
        documented = follow(ADMIN, where)
    content = documented["content"]
    assert response.mimetype in content, f"{method} {path}: undocumented type {response.mimetype}"
    if response.mimetype != "application/json":
        return response
    pointer = "/".join([where, "content", escape(response.mimetype), "schema"])
    validator = Draft202012Validator({"$ref": URI + pointer}, registry=REGISTRY,
                                     format_checker=Draft202012Validator.FORMAT_CHECKER)
    error = best_match(validator.iter_errors(response.get_json()))
    assert error is None, f"{method} {path} {status}: {error.json_path}: {error.message}"
    return response


@pytest.fixture
def admin(client):
    """Call the admin API; every answer is checked against its document."""

    def call(method: str, path: str, **kwargs):
        return conforms(client.open(path, method=method, **kwargs), method, path)

    return call


def _scenario_names(admin) -> dict[str, bool]:
    body = admin("GET", "/__admin/scenarios").get_json()
    return {s["name"]: s["active"] for s in body["scenarios"]}


# -- the document -------------------------------------------------------------------------------
def test_the_admin_document_is_valid_openapi_3_1_and_only_under_the_prefix():
    validate_openapi(ADMIN)
    assert ADMIN["openapi"].startswith("3.1")
    assert all(path.startswith("/__admin/") for path in ADMIN["paths"])


def test_admin_routes_are_not_operations_of_the_product_document(app):
    product = Spec.load(resources.spec_path())
    assert not [p for p in product.document["paths"] if p.startswith("/__admin")]
    admin_rules = {(re.sub(r"<(\w+)>", r"{\1}", rule.rule), method)
                   for rule in app.url_map.iter_rules()
                   if rule.endpoint.startswith("admin.")
                   for method in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(path, method.upper())
                  for path, item in ADMIN["paths"].items() for method in item
                  if method != "parameters"}
    assert admin_rules == documented
    assert not {rule.endpoint for rule in app.url_map.iter_rules()
                if rule.rule.startswith("/__admin")} & set(product.operations)


def test_the_admin_document_is_served(admin):
    response = admin("GET", "/__admin/openapi.yaml")
    assert response.data == DOCUMENT_PATH.read_bytes()


# -- scenarios ----------------------------------------------------------------------------------
def test_scenarios_lists_every_file_with_its_description_and_the_active_one(admin):
    body = admin("GET", "/__admin/scenarios").get_json()
    shipped = sorted(p.stem for p in resources.fixtures_dir().glob("*.yaml"))
    assert [s["name"] for s in body["scenarios"]] == shipped
    assert [s["name"] for s in body["scenarios"] if s["active"]] == ["default"]
    assert body["active"]["name"] == "default" and body["active"]["source"] == "default.yaml"
    assert all(s["description"] for s in body["scenarios"])


def test_switch_by_name(admin, demo):
    response = admin("POST", "/__admin/scenario", json={"name": "empty-workspace"})
    assert response.get_json()["active"] == {
        "name": "empty-workspace", "source": "empty-workspace.yaml",  # its name in the folder
        "description": "Every key's workspace has no connected accounts; the auth refusals are as "
                       "in default."}
    assert _scenario_names(admin)["empty-workspace"] is True
    assert demo("GET", "/social-account").get_json()["data"]["socialAccounts"]["linkedin"] == []


def test_a_body_without_a_json_content_type_is_415_naming_the_fix(admin, client):
    # `curl -d '{"name": ...}'` sends form encoding, which a page on another site may send too.
    response = client.post("/__admin/scenario", data='{"name": "slow"}',
                           content_type="application/x-www-form-urlencoded")
    assert conforms(response, "POST", "/__admin/scenario").status_code == 415
    assert response.get_json()["message"].endswith("send `Content-Type: application/json`")
    assert admin("GET", "/__admin/health").get_json()["scenario"] == "default"


@pytest.mark.parametrize(("body", "content_type"), [
    ("description: posted one\nextends: default\nfaults:\n  - {operation: getSocialAccount, "
     "status: 500}\n", "application/yaml"),
    (json.dumps({"description": "posted one", "extends": "default",
                 "faults": [{"operation": "getSocialAccount", "status": 500}]}),
     "application/json"),
])
def test_post_a_whole_scenario_as_yaml_or_json(admin, demo, body, content_type):
    response = admin("POST", "/__admin/scenario", data=body, content_type=content_type)
    assert response.get_json()["active"] == {"name": "posted", "description": "posted one",
                                             "source": "<posted scenario>"}
    assert demo("GET", f"/social-account/{PAGE_ACCOUNT_ID}").status_code == 500
    assert demo("GET", "/social-account").status_code == 200
    assert not any(_scenario_names(admin).values())  # a posted scenario is no file


@pytest.mark.parametrize(("body", "content_type", "message"), [
    ("description: bad\nworkspaces:\n  k: {organizationId: o}\n", "application/yaml",
     "<posted scenario>: workspaces.k: 'workspaceId' is a required property"),
    ('{"description": "x", "faults": [{"operation": "deleteSocialAccount", "status": 418}]}',
     "application/json",
     "faults[0].status: DELETE /social-account/{id} does not document status 418"),
    ("description: x\nextends: nope\n", "text/yaml", "extends: cannot extend 'nope'"),
    ('{"description": ', "application/json", "not valid JSON"),
    ("description: [\n", "application/yaml", "line 2: not valid YAML"),
    ("- just\n- a list\n", "application/yaml", "a scenario is a mapping"),
    ("", "application/json", "the body is empty"),
    ('{"name": "default", "reset": true}', "application/json", 'send only {"name": "NAME"}'),
    ('{"name": 7}', "application/json", 'send only {"name": "NAME"}'),
])
def test_an_invalid_scenario_is_refused_with_its_reasons_and_nothing_changes(app, admin, demo, body,
                                                                             content_type, message):
    assert demo("DELETE", f"/social-account/{PAGE_ACCOUNT_ID}").status_code == 200
    store = app.extensions["mockserver"].store
    before = store.snapshot
    response = admin("POST", "/__admin/scenario", data=body, content_type=content_type)
    assert response.status_code == 400
    answer = response.get_json()
    assert answer["success"] is False and message in answer["message"]
    assert all(message in line or line.startswith("<posted scenario>")
               for line in answer.get("problems", [message]))
    # The running state is untouched: the very same snapshot, so the delete is still in effect.
    assert store.snapshot is before
    assert demo("GET", f"/social-account/{PAGE_ACCOUNT_ID}").status_code == 404
    assert demo("GET", "/social-account").status_code == 200


def test_every_problem_of_a_posted_scenario_is_listed(admin):
    body = {"description": "x", "workspaces": {"a": {"organizationId": 1, "workspaceId": 2}}}
    response = admin("POST", "/__admin/scenario", json=body)
    assert response.status_code == 400
    assert response.get_json()["problems"] == [
        "<posted scenario>: workspaces.a.organizationId: 1 is not of type 'string'",
        "<posted scenario>: workspaces.a.workspaceId: 2 is not of type 'string'",
    ]


@pytest.mark.parametrize("name", ["nope", "../default", "/etc/passwd", "scenario.schema"])
def test_an_unknown_name_is_404_and_names_cannot_reach_files(admin, name):
    response = admin("POST", "/__admin/scenario", json={"name": name})
    assert response.status_code == 404
    assert "known: default, delete-fails" in response.get_json()["message"]
    assert admin("GET", "/__admin/health").get_json()["scenario"] == "default"


def test_an_oversized_scenario_is_413(admin):
    response = admin("POST", "/__admin/scenario", data=b"x" * (8 * 1024 * 1024 + 1),
                     content_type="application/yaml")
    assert response.status_code == 413


def test_a_broken_file_is_listed_with_its_problems_and_cannot_be_switched_to(tmp_path: Path):
    fixtures = tmp_path / "fixtures"
    shutil.copytree(resources.fixtures_dir(), fixtures)
    (fixtures / "broken.yaml").write_text("description: broken\nfaults: [{operation: '*'}]\n")
    client = create_app({"TESTING": True, "FIXTURES_DIR": str(fixtures)}).test_client()
    listed = conforms(client.get("/__admin/scenarios"), "GET", "/__admin/scenarios").get_json()
    broken = next(s for s in listed["scenarios"] if s["name"] == "broken")
    assert broken["description"] is None and broken["active"] is False
    assert broken["problems"][0].startswith(f"{fixtures / 'broken.yaml'}: faults[0]: ")
    response = client.post("/__admin/scenario", json={"name": "broken"})
    assert conforms(response, "POST", "/__admin/scenario").status_code == 400
    # Fixed on disk, it is listed as valid on the next call.
    (fixtures / "broken.yaml").write_text("description: fixed now\n")
    listed = client.get("/__admin/scenarios").get_json()
    fixed = next(s for s in listed["scenarios"] if s["name"] == "broken")
    assert fixed["description"] == "fixed now"


def test_a_scenario_outside_the_fixtures_folder_shows_its_path(tmp_path: Path):
    mine = tmp_path / "mine.yaml"
    mine.write_text("description: mine\nextends: default\n")
    client = create_app({"TESTING": True, "SCENARIO": str(mine)}).test_client()
    listed = conforms(client.get("/__admin/scenarios"), "GET", "/__admin/scenarios").get_json()
    assert listed["active"] == {"name": "mine", "description": "mine",
                                "source": str(mine.resolve())}
    assert not any(s["active"] for s in listed["scenarios"])


# -- reset --------------------------------------------------------------------------------------
def test_reset_undoes_deletes_and_keeps_the_scenario_and_journal(admin, demo):
    admin("POST", "/__admin/scenario", json={"name": "expired-tokens"})
    first = demo("GET", "/social-account").get_json()["data"]["socialAccounts"]["tiktok"][0]["id"]
    assert demo("DELETE", f"/social-account/{first}").status_code == 200
    assert demo("GET", f"/social-account/{first}").status_code == 404
    journal = admin("GET", "/__admin/requests").get_json()["count"]
    response = admin("POST", "/__admin/reset")
    assert response.get_json()["active"]["name"] == "expired-tokens"
    assert demo("GET", f"/social-account/{first}").status_code == 200
    assert admin("GET", "/__admin/requests").get_json()["count"] == journal + 1


def test_reset_of_a_posted_scenario_goes_back_to_its_own_seed(admin, client):
    admin("POST", "/__admin/scenario", data="description: mine\nworkspaces:\n  k:\n"
          "    organizationId: o\n    workspaceId: w\n    socialAccounts:\n      threads:\n"
          "        - {id: a1, platformType: threads, accountHandle: h, accountType: personal, "
          "accountName: n, accountLogo: l, accessTokenStatus: active, tokenExpiresAt: "
          "'2026-01-01T00:00:00Z', createdAt: '2026-01-01T00:00:00Z', "
          "updatedAt: '2026-01-01T00:00:00Z'}\n", content_type="application/yaml")
    assert client.delete("/social-account/a1", headers={"embed-api-key": "k"}).status_code == 200
    admin("POST", "/__admin/reset")
    assert client.get("/social-account/a1", headers={"embed-api-key": "k"}).status_code == 200
    assert client.get("/social-account", headers={"embed-api-key": DEMO_KEY}).status_code == 401


# -- the journal --------------------------------------------------------------------------------
def test_journal_records_what_the_app_sent_newest_first(admin, client):
    client.get("/social-account", headers={"embed-api-key": DEMO_KEY})
    client.get(f"/social-account/{OTHER_ACCOUNT_ID}?__code=404",
               headers={"authorization": f"Bearer {REAL_LOOKING_KEY}"})
    client.delete("/social-account/")
    client.get("/nowhere?x=1")
    client.get("/__admin/health")
    client.get("/openapi.yaml")
    body = admin("GET", "/__admin/requests").get_json()
    entries = body["requests"]
    assert [(e["method"], e["path"], e["query"], e["status"], e["operationId"], e["key"])
            for e in entries] == [
        ("GET", "/nowhere", "x=1", 404, None, None),
        ("DELETE", "/social-account/", "", 401, "deleteSocialAccount", None),
        ("GET", f"/social-account/{OTHER_ACCOUNT_ID}", "__code=404", 401, "getSocialAccount",
         "pn-p…"),
        ("GET", "/social-account", "", 200, "listSocialAccounts", "pn-d…"),
    ]  # the admin API and the docs pages are not recorded
    times = [datetime.fromisoformat(e["time"].replace("Z", "+00:00")) for e in entries]
    assert times == sorted(times, reverse=True)
    assert all(e["durationMs"] >= 0 for e in entries)
    assert body["count"] == 4 and body["limit"] == 500


def test_journal_never_shows_a_key():
    client = create_app({"TESTING": True, "JOURNAL_LIMIT": 50}).test_client()
    for headers in ({"embed-api-key": REAL_LOOKING_KEY}, {"authorization": REAL_LOOKING_KEY},
                    {"authorization": f"Bearer {REAL_LOOKING_KEY}"}, {"embed-api-key": "short"}):
        client.get("/social-account", headers=headers)
    text = client.get("/__admin/requests").get_data(as_text=True)
    assert REAL_LOOKING_KEY[4:8] not in text and "short" not in text
    keys = [e["key"] for e in json.loads(text)["requests"]]
    assert keys == ["****", "pn-p…", "pn-p…", "pn-p…"]


def test_journal_is_bounded_and_keeps_the_newest():
    client = create_app({"TESTING": True, "JOURNAL_LIMIT": 5}).test_client()
    for n in range(12):
        client.get(f"/social-account/id-{n}", headers={"embed-api-key": DEMO_KEY})
    body = conforms(client.get("/__admin/requests"), "GET", "/__admin/requests").get_json()
    assert body["limit"] == 5 and body["count"] == 5
    newest = [f"/social-account/id-{n}" for n in range(11, 6, -1)]
    assert [e["path"] for e in body["requests"]] == newest


def test_journal_default_bound_is_500(app):
    journal = app.extensions["mockserver.journal"]
    for n in range(503):
        journal.record("GET", f"/p{n}", "", 200, None, 0.1, None)
    entries = journal.entries()
    assert len(entries) == 500 and entries[0]["path"] == "/p502" and entries[-1]["path"] == "/p3"


def test_delete_requests_empties_the_journal(admin, demo):
    demo("GET", "/social-account")
    demo("GET", "/social-account")
    response = admin("DELETE", "/__admin/requests")
    assert response.get_json()["deleted"] == 2
    emptied = admin("GET", "/__admin/requests").get_json()
    assert emptied == {"limit": 500, "count": 0, "requests": []}


# -- health and errors --------------------------------------------------------------------------
def test_health(admin):
    assert admin("GET", "/__admin/health").get_json() == {
        "status": "ok", "scenario": "default", "hotReload": False}


def test_admin_errors_are_json(client):
    response = client.get("/__admin/nope")
    assert response.status_code == 404
    assert "/__admin/openapi.yaml" in json.loads(response.data)["detail"]
    response = client.get("/__admin/scenario")
    assert response.status_code == 405 and json.loads(response.data)["status"] == 405


@pytest.mark.parametrize(("method", "path", "kind", "status"), [
    ("GET", "/social-account?__code=404", "override-refused", 422),
    ("GET", "/social-account?__session=no%20spaces", "session-refused", 400),
    ("GET", "/nowhere", "no-route", 404),
    ("GET", "/__admin/nope", "no-route", 404),
    ("POST", "/social-account", "method-not-allowed", 405),
])
def test_the_stubs_own_answers_are_the_admin_documents_problems(client, method, path, kind,
                                                               status):
    response = client.open(path, method=method, headers={"embed-api-key": DEMO_KEY})
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert response.headers["X-Mock-Fault"] == kind
    documented = [r for r in ADMIN["components"]["responses"].values()
                  if response.mimetype in r["content"]]
    assert len(documented) >= 3
    validator = Draft202012Validator({"$ref": URI + "#/components/schemas/StubProblem"},
                                     registry=REGISTRY)
    body = json.loads(response.data)
    error = best_match(validator.iter_errors(body))
    assert error is None, f"{error.json_path}: {error.message}"
    assert body["type"].endswith(kind) and body["status"] == status
    header = ADMIN["components"]["headers"]["X-Mock-Fault"]["schema"]
    assert kind in header["enum"]
    for response in documented:
        example = response["content"]["application/problem+json"]["example"]
        assert best_match(validator.iter_errors(example)) is None
