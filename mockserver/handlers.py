"""One handler per operationId: what an authenticated request to each operation answers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Response

from .responses import json_response
from .sessions import State
from .store import Workspace
from .stub import Stub


@dataclass(frozen=True)
class Handler:
    """A handler and what of the document it answers with, checked when the app is built."""

    operation_id: str
    answer: Callable[..., Response]
    statuses: tuple[int, ...] = ()  # statuses it builds a body for itself
    examples: tuple[str, ...] = ()  # the named examples it answers with


HANDLERS: dict[str, Handler] = {}


def handles(operation_id: str, *, statuses: tuple[int, ...] = (), examples: tuple[str, ...] = ()):
    """Register the decorated function as the handler of `operation_id`, with what it relies on."""

    def register(answer: Callable[..., Response]) -> Callable[..., Response]:
        HANDLERS[operation_id] = Handler(operation_id, answer, statuses, examples)
        return answer

    return register


@handles("listSocialAccounts", statuses=(200,))
def list_social_accounts(stub: Stub, state: State, workspace: Workspace) -> Response:
    """GET /social-account: the workspace's accounts, grouped by platform."""
    return json_response(200, state.list_body(workspace))


@handles("getSocialAccount", statuses=(200,), examples=("idRequired", "notFound"))
def get_social_account(stub: Stub, state: State, workspace: Workspace,
                       id: str) -> Response:  # noqa: A002
    """GET /social-account/{id}: one account and its usage, if it is in this workspace."""
    if not id.strip():
        return stub.examples.respond("getSocialAccount", "idRequired")
    body = state.read_body(workspace, id)
    if body is None:
        return stub.examples.respond("getSocialAccount", "notFound")
    return json_response(200, body)


@handles("deleteSocialAccount", examples=("idRequired", "notFound", "deleted"))
def delete_social_account(stub: Stub, state: State, workspace: Workspace,
                          id: str) -> Response:  # noqa: A002
    """DELETE /social-account/{id}: remove the account and its scheduled-post links."""
    if not id.strip():
        return stub.examples.respond("deleteSocialAccount", "idRequired")
    if not state.delete(workspace.key, id):
        return stub.examples.respond("deleteSocialAccount", "notFound")
    return stub.examples.respond("deleteSocialAccount", "deleted")
