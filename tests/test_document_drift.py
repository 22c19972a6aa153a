"""The document drives the code: a name the code relies on and the document lacks stops start-up."""

from __future__ import annotations

import ast
import inspect
import textwrap
from pathlib import Path

import pytest
import yaml

from mockserver import SpecError, auth, cli, create_app, resources
from mockserver.handlers import HANDLERS
from mockserver.routing import check_handlers

# Every (operation, example) a handler or a refused key answers with.
USED_EXAMPLES = sorted(
    {(h.operation_id, name) for h in HANDLERS.values() for name in h.examples}
    | {(operation_id, name) for operation_id in HANDLERS for name in auth.AUTH_EXAMPLES}
)


def _document() -> dict:
    return yaml.safe_load(resources.spec_path().read_text(encoding="utf-8"))


def _write(tmp_path: Path, document: dict) -> Path:
    path = tmp_path / "openapi.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def _operation(document: dict, operation_id: str) -> dict:
    for item in document["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict) and operation.get("operationId") == operation_id:
                return operation
    raise LookupError(operation_id)


def _rename_example(document: dict, operation_id: str, name: str) -> None:
    """Rename the example wherever this operation's answers keep it (inline or shared)."""
    responses = document["components"]["responses"]
    for response in _operation(document, operation_id)["responses"].values():
        if "$ref" in response:
            response = responses[response["$ref"].rsplit("/", 1)[-1]]
        examples = response["content"]["application/json"].get("examples", {})
        if name in examples:
            examples[f"{name}Renamed"] = examples.pop(name)
            return
    raise LookupError(f"{operation_id} {name}")


@pytest.mark.parametrize(("operation_id", "name"), USED_EXAMPLES,
                         ids=[f"{o}.{n}" for o, n in USED_EXAMPLES])
def test_renaming_an_example_the_stub_answers_with_stops_create_app(tmp_path, operation_id, name):
    document = _document()
    _rename_example(document, operation_id, name)
    path = _write(tmp_path, document)
    with pytest.raises(SpecError) as caught:
        create_app({"TESTING": True, "SPEC_PATH": str(path)})
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert f"{operation_id} has no example named {name!r}, which " in message
    assert "\n" not in message


def test_renaming_an_example_stops_the_command_with_exit_2(tmp_path, monkeypatch, capsys):
    document = _document()
    _rename_example(document, "getSocialAccount", "notFound")
    path = _write(tmp_path, document)
    monkeypatch.setattr(resources, "spec_path", lambda: path)
    assert cli.main(["--port", "0", "--no-reload"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"mockserver: error: {path}: ") and err.count("\n") == 1
    assert "getSocialAccount has no example named 'notFound', which its handler answers" in err


def test_removing_a_status_a_handler_answers_stops_start_up(tmp_path):
    document = _document()
    responses = _operation(document, "getSocialAccount")["responses"]
    responses["203"] = responses.pop("200")
    path = _write(tmp_path, document)
    with pytest.raises(SpecError, match="getSocialAccount does not document status 200, which "
                                        "its handler answers"):
        create_app({"TESTING": True, "SPEC_PATH": str(path)})


def test_renaming_an_operation_stops_start_up_naming_both(tmp_path):
    document = _document()
    _operation(document, "deleteSocialAccount")["operationId"] = "removeSocialAccount"
    path = _write(tmp_path, document)
    with pytest.raises(SpecError) as caught:
        create_app({"TESTING": True, "SPEC_PATH": str(path)})
    assert str(caught.value) == (
        f"{path}: operation 'removeSocialAccount' has no handler; "
        "there is no operation 'deleteSocialAccount', which a handler serves")


def test_check_handlers_names_an_operation_without_handler_and_a_handler_without_operation(app):
    handlers = dict(HANDLERS)
    handlers["renameSocialAccount"] = handlers.pop("deleteSocialAccount")
    with pytest.raises(SpecError) as caught:
        check_handlers(app.extensions["mockserver"], handlers)
    assert "operation 'deleteSocialAccount' has no handler" in str(caught.value)
    assert "there is no operation 'renameSocialAccount', which a handler serves" in str(
        caught.value)


@pytest.mark.parametrize("schema", ["SocialAccountSummary", "SocialAccount"])
def test_a_schema_the_stub_builds_bodies_from_must_keep_its_required_list(tmp_path, schema):
    document = _document()
    del document["components"]["schemas"][schema]["required"]
    path = _write(tmp_path, document)
    with pytest.raises(SpecError, match=rf"^{path}: .*components\.schemas\.{schema}\.required"):
        create_app({"TESTING": True, "SPEC_PATH": str(path)})


def test_a_documented_status_without_an_example_is_a_start_up_error(tmp_path):
    # Faults and `Prefer: code=` can ask for any documented status, so each needs a body.
    document = _document()
    del _operation(document, "listSocialAccounts")["responses"]["500"]["content"][
        "application/json"]["examples"]
    path = _write(tmp_path, document)
    with pytest.raises(SpecError, match="listSocialAccounts has no example for status 500"):
        create_app({"SPEC_PATH": str(path)})


def test_spec_that_is_not_openapi_3_1(tmp_path):
    bad = tmp_path / "openapi.yaml"
    bad.write_text("swagger: '2.0'\n")
    with pytest.raises(SpecError, match="not an OpenAPI 3.1 document"):
        create_app({"SPEC_PATH": str(bad)})


def test_each_handler_declares_every_example_it_answers_with():
    # The start-up check trusts the declarations, so each `respond(operation, name)` in a
    # handler's body must name its own operation and a declared example.
    for handler in HANDLERS.values():
        source = textwrap.dedent(inspect.getsource(handler.answer))
        used = [
            tuple(arg.value for arg in node.args)
            for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "respond"
        ]
        assert {name for _op, name in used} == set(handler.examples), handler.operation_id
        assert {op for op, _name in used} <= {handler.operation_id}
    assert any(handler.examples for handler in HANDLERS.values())  # the walk found some
