"""One handler per operationId: what an authenticated request to each operation answers."""

from __future__ import annotations

from collections.abc import Callable

from flask import Response

from .context import Mock
from .responses import json_response
from .sessions import SessionState
from .store import Store, Workspace

Handler = Callable[..., Response]
State = Store | SessionState  # the global state, or one session's


def list_social_accounts(mock: Mock, state: State, workspace: Workspace) -> Response:
    """GET /social-account: the workspace's accounts, grouped by platform."""
    return json_response(200, state.list_body(workspace))


def get_social_account(mock: Mock, state: State, workspace: Workspace, id: str) -> Response:  # noqa: A002
    """GET /social-account/{id}: one account and its usage, if it is in this workspace."""
    if not id.strip():
        return mock.examples.respond("getSocialAccount", "idRequired")
    body = state.read_body(workspace, id)
    if body is None:
        return mock.examples.respond("getSocialAccount", "notFound")
    return json_response(200, body)


def delete_social_account(mock: Mock, state: State, workspace: Workspace, id: str) -> Response:  # noqa: A002
    """DELETE /social-account/{id}: remove the account and its scheduled-post links."""
    if not id.strip():
        return mock.examples.respond("deleteSocialAccount", "idRequired")
    if not state.delete(workspace.key, id):
        return mock.examples.respond("deleteSocialAccount", "notFound")
    return mock.examples.respond("deleteSocialAccount", "deleted")


HANDLERS: dict[str, Handler] = {
    "listSocialAccounts": list_social_accounts,
    "getSocialAccount": get_social_account,
    "deleteSocialAccount": delete_social_account,
}
