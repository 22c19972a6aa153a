"""openapi.yaml is valid OpenAPI 3.1, its examples conform, and it says what the page says."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from jsonschema.exceptions import best_match
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from mockserver import resources
from mockserver.spec import Spec

PAGE = Path(__file__).resolve().parents[2] / "shared" / "spec" / "social-accounts.txt"
AUTH = PAGE.with_name("authentication.md")
README = Path(__file__).resolve().parents[1] / "README.md"
SPEC = Spec.load(resources.spec_path())
EXAMPLES = [
    pytest.param(op.operation_id, status, name, value, id=f"{op.label} {status} {name}")
    for op in SPEC.operations.values()
    for name, (status, value) in op.examples.items()
]


def test_document_is_valid_openapi_3_1():
    document = yaml.safe_load(resources.spec_path().read_text())
    assert document["openapi"].startswith("3.1")
    validate(document)  # raises on any departure from the OpenAPI 3.1 schema


def test_validator_rejects_a_broken_document():
    document = yaml.safe_load(resources.spec_path().read_text())
    document["paths"]["/social-account"]["get"]["responses"]["200"] = {"content": {}}
    with pytest.raises(OpenAPIValidationError):
        validate(document)


@pytest.mark.parametrize(("operation_id", "status", "name", "value"), EXAMPLES)
def test_every_example_validates_against_its_schema(operation_id, status, name, value):
    error = best_match(SPEC.response_validator(operation_id, status).iter_errors(value))
    assert error is None, f"{name}: {error}"


def test_examples_cover_every_documented_status():
    for op in SPEC.operations.values():
        covered = {status for status, _ in op.examples.values()}
        assert covered == op.statuses, op.label


def test_schemas_reject_wrong_messages_and_dates():
    not_found = SPEC.response_validator("getSocialAccount", 404)
    assert not not_found.is_valid({"success": False, "message": "Not found"})
    read = SPEC.response_validator("getSocialAccount", 200)
    value = SPEC.operations["getSocialAccount"].examples["account"][1]
    broken = json.loads(json.dumps(value))
    broken["data"]["socialAccount"]["createdAt"] = "yesterday"
    assert not read.is_valid(broken), "format: date-time must really be checked"


def test_operations_are_the_three_on_the_page():
    labels = {op.label: op.operation_id for op in SPEC.operations.values()}
    assert labels == {
        "GET /social-account": "listSocialAccounts",
        "GET /social-account/{id}": "getSocialAccount",
        "DELETE /social-account/{id}": "deleteSocialAccount",
    }


def _page_json_blocks(text: str) -> list:
    """The JSON examples of the page: each starts with a line `{` and ends at its matching `}`."""
    blocks, depth, start = [], 0, None
    for index, char in enumerate(text):
        if char == "{":
            if depth == 0:
                start = index
            depth += 1
        elif char == "}" and depth:
            depth -= 1
            if depth == 0:
                blocks.append(json.loads(text[start : index + 1]))
    return blocks


@pytest.mark.skipif(not PAGE.exists(), reason=f"the published page is not at {PAGE}")
def test_page_examples_are_the_documents_examples():
    page = PAGE.read_text()
    documented = [value for op in SPEC.operations.values() for _s, value in op.examples.values()]
    for block in _page_json_blocks(page):
        assert block in documented, f"the page's example is missing from openapi.yaml: {block}"


@pytest.mark.skipif(not PAGE.exists(), reason=f"the published page is not at {PAGE}")
def test_every_message_of_the_page_and_auth_facts_is_in_the_document():
    text = resources.spec_path().read_text()
    page_messages = [
        "Social account id is required",
        "Error fetching Social Accounts",
        "Error fetching Social Account",
        "Error deleting Social Account",
    ]
    page_messages += re.findall(r'"message": "([^"]+)"', PAGE.read_text())
    page_messages += re.findall(r'"message": "([^"]+)"', AUTH.read_text())
    page_messages += ["Token is required for this call."]
    for message in page_messages:
        assert message in text, message


def _document_assumptions(node) -> list[str]:
    """Every paragraph of a `description` that begins with "Assumption:", whitespace folded."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "description" and isinstance(value, str):
                for paragraph in re.split(r"\n\s*\n", value):
                    text = " ".join(paragraph.split())
                    if text.startswith("Assumption:"):
                        found.append(text.removeprefix("Assumption:").strip())
            else:
                found += _document_assumptions(value)
    elif isinstance(node, list):
        for item in node:
            found += _document_assumptions(item)
    return found


def _readme_assumptions(readme: str) -> list[str]:
    """The numbered items of the README's assumptions section, whitespace folded."""
    section = readme.split("## Assumptions the document makes", 1)[1].split("\n## ", 1)[0]
    items = re.findall(r"^\d+\. (.+?)(?=^\d+\. |\Z)", section, re.M | re.S)
    return [" ".join(item.split()) for item in items]


def _same(text: str) -> str:
    return text[:1].upper() + text[1:]


def test_the_readmes_assumptions_are_the_documents_one_for_one():
    document = yaml.safe_load(resources.spec_path().read_text())
    documented = sorted(_same(text) for text in _document_assumptions(document))
    listed = sorted(_same(text) for text in _readme_assumptions(README.read_text()))
    assert len(documented) >= 10
    assert listed == documented


def test_a_dropped_or_unmarked_assumption_is_noticed():
    document = yaml.safe_load(resources.spec_path().read_text())
    listed = _readme_assumptions(README.read_text())
    schemas = document["components"]["schemas"]
    schemas["UsageRow"]["description"] = "The number of scheduled-post links."
    assert len(_document_assumptions(document)) == len(listed) - 1
    schemas["Extra"] = {"description": "Intro.\n\nAssumption: something\nnew."}
    assert "something new." in _document_assumptions(document)


def test_usage_statuses_are_only_those_the_vendor_shows():
    # FAILED appears nowhere in the vendor's material, so neither document nor scenarios use it.
    usage = SPEC.component_schemas()["UsageRow"]["properties"]["status"]
    assert set(usage["examples"]) == {"PENDING", "PUBLISHED", "DRAFT"}
    fixtures = README.parent / "fixtures"
    for path in [*fixtures.glob("*.yaml"), fixtures / "make_many_accounts.py"]:
        assert "FAILED" not in path.read_text(), path.name
