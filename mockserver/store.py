"""The in-memory state: one immutable snapshot per change, swapped under a lock."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from . import faults
from .faults import Fault
from .scenarios import Scenario
from .spec import Spec

# The document's schemas of an account in the list and in a read, whose fields the bodies show.
LIST_SCHEMA, READ_SCHEMA = "SocialAccountSummary", "SocialAccount"


def dump_json(body: Any) -> bytes:
    """Compact UTF-8 JSON, as the real service (Express) sends it."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass(frozen=True)
class Workspace:
    """What one API key resolves to."""

    key: str
    organization_id: str
    workspace_id: str
    access: str
    accounts: Mapping[str, Mapping[str, Any]]  # id -> scenario account, in list order
    # Answer bodies built from this workspace: the list under None, each read under its id.
    # A change makes a new Workspace, so a body never outlives the state it was built from,
    # and a request keeps answering from the workspace it was authenticated against.
    bodies: dict[str | None, bytes] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Snapshot:
    """One consistent state; a reader holding it never sees a later change half-made."""

    scenario: Scenario
    workspaces: Mapping[str, Workspace]
    faults: Mapping[str, Fault]  # operationId -> its fault; empty when the scenario has none


class Store:
    """The active scenario's workspaces, accounts, usage and faults."""

    def __init__(self, spec: Spec, scenario: Scenario):
        self._platforms = spec.platforms
        self._operation_ids = tuple(spec.operations)
        # Field order follows the page's examples, which the schemas' `required` lists follow.
        self._summary_fields = spec.required_fields(LIST_SCHEMA)
        self._full_fields = spec.required_fields(READ_SCHEMA)
        self._lock = threading.Lock()
        self._snapshot = self.seed(scenario)

    # -- lifecycle -------------------------------------------------------------------------
    def seed(self, scenario: Scenario) -> Snapshot:
        """A scenario's starting state, built afresh (the store's own, or a session's)."""
        workspaces = {}
        for key, ws in scenario.workspaces.items():
            accounts = {
                account["id"]: account
                for platform in self._platforms
                for account in (ws.get("socialAccounts") or {}).get(platform, ())
            }
            workspaces[key] = Workspace(
                key, ws["organizationId"], ws["workspaceId"], ws.get("access", "paid"), accounts
            )
        return Snapshot(scenario, workspaces, faults.plan(scenario.faults, self._operation_ids))

    def load(self, scenario: Scenario) -> None:
        """Switch to another (already validated) scenario, seeded afresh."""
        snapshot = self.seed(scenario)
        with self._lock:
            self._snapshot = snapshot

    def replace(self, current: Scenario, scenario: Scenario) -> bool:
        """Load `scenario` only if `current` is still active (a reload must not undo a switch)."""
        snapshot = self.seed(scenario)
        with self._lock:
            if self._snapshot.scenario is not current:
                return False
            self._snapshot = snapshot
            return True

    def reset(self) -> None:
        """Back to the active scenario's seed: deletes are undone."""
        with self._lock:
            self._snapshot = self.seed(self._snapshot.scenario)

    @property
    def scenario(self) -> Scenario:
        """The active scenario."""
        return self._snapshot.scenario

    @property
    def faults(self) -> Mapping[str, Fault]:
        """The active scenario's faults, by operationId."""
        return self._snapshot.faults

    @property
    def snapshot(self) -> Snapshot:
        """The current state, to read several things from consistently."""
        return self._snapshot

    @property
    def platforms(self) -> tuple[str, ...]:
        """The platforms of the list, in the document's order."""
        return self._platforms

    def summary(self, account: Mapping[str, Any]) -> dict[str, Any]:
        """One account as the list shows it."""
        fields = self._summary_fields
        try:  # every field is there in a validated scenario: a third of the time for 10,000
            return {f: account[f] for f in fields}
        except KeyError:
            return {f: account[f] for f in fields if f in account}

    # -- reads -----------------------------------------------------------------------------
    def workspace(self, key: str) -> Workspace | None:
        """The workspace an API key resolves to, if any."""
        return self._snapshot.workspaces.get(key)

    def list_body(self, workspace: Workspace) -> bytes:
        """The 200 body of the list for one workspace (built once per change)."""
        body = workspace.bodies.get(None)
        if body is None:
            grouped: dict[str, list] = {platform: [] for platform in self._platforms}
            for account in workspace.accounts.values():
                grouped[account["platformType"]].append(self.summary(account))
            body = workspace.bodies[None] = dump_json(
                {"success": True, "data": {"socialAccounts": grouped}}
            )
        return body

    def read_body(self, workspace: Workspace, account_id: str) -> bytes | None:
        """The 200 body of a read, or None when the id is not in this workspace."""
        account = workspace.accounts.get(account_id)
        if account is None:
            return None
        body = workspace.bodies.get(account_id)
        if body is None:
            full = {
                "organizationId": workspace.organization_id,
                "workspaceId": workspace.workspace_id,
            }
            full.update(account)
            social = {f: full[f] for f in self._full_fields if f in full}
            usage = [dict(row) for row in account.get("usage", ())]
            body = workspace.bodies[account_id] = dump_json(
                {"success": True, "data": {"socialAccount": social, "usage": usage}}
            )
        return body

    # -- writes ----------------------------------------------------------------------------
    def delete(self, key: str, account_id: str) -> bool:
        """Remove an account and its scheduled-post links; False if it is not in this workspace."""
        with self._lock:
            current = self._snapshot
            # The key may be gone if the scenario was switched since the request was authenticated.
            workspace = current.workspaces.get(key)
            if workspace is None or account_id not in workspace.accounts:
                return False
            accounts = {i: a for i, a in workspace.accounts.items() if i != account_id}
            # copy() is one atomic step, where iterating would race with readers adding bodies.
            bodies = workspace.bodies.copy()
            bodies.pop(None, None)
            bodies.pop(account_id, None)
            workspaces = dict(current.workspaces)
            workspaces[key] = replace(workspace, accounts=accounts, bodies=bodies)
            self._snapshot = Snapshot(current.scenario, workspaces, current.faults)
            return True
