"""The target as the tests see it: requests by key role, every answer checked as it arrives."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from . import checks
from .checks import Answer
from .client import Client, Exchange
from .document import Document
from .failures import ContractFailure, TargetError
from .options import Settings

LIST, ITEM = "/social-account", "/social-account/{id}"
UNKNOWN_KEY = "pn-contract-tests-unknown-key"
UNKNOWN_ID = "contract-tests-no-such-account"
# This project's stub answers this admin path with its sessions; other services don't have it.
STUB_PROBE, SESSION_HEADER = "/__admin/sessions", "X-Mock-Session"
# role -> (settings attribute, flag, environment variable, what the key must be)
KEYS = {
    "api": ("api_key", "--api-key", "EMBED_API_KEY", "a workspace with at least one account"),
    "empty": ("empty_api_key", "--empty-api-key", "EMBED_EMPTY_API_KEY",
              "a workspace with no accounts"),
    "unqualified": ("unqualified_api_key", "--unqualified-api-key", "EMBED_UNQUALIFIED_API_KEY",
                    "a key whose plan is not paid"),
}
SENT_WITH = {"api": "with --api-key", "empty": "with --empty-api-key",
             "unqualified": "with --unqualified-api-key", "unknown": "with an unknown key",
             "none": "with no key"}


class Target:
    """One session's view of the base URL: settings, document, client, cache and notes."""

    def __init__(self, base_url: str, settings: Settings, document: Document):
        self.settings = settings
        self.document = document
        self.client = Client(base_url, settings.timeout)
        self.unreachable: TargetError | None = None
        self.session: str | None = None  # the stub session this run uses, if any
        self.notes: dict[str, set[str]] = {}  # undocumented field -> operations it was seen in
        self._cache: dict[tuple[str, str, str], Exchange | TargetError] = {}

    def probe(self) -> None:
        """One request without a key: does the base URL answer HTTP at all?"""
        try:
            self.client.send("GET", LIST, None, SENT_WITH["none"])
        except TargetError as exc:
            self.unreachable = exc

    def join_session(self, known_stub: bool) -> None:
        """On this project's stub, run in a fresh session of its own, so that runs one after
        another or side by side never see each other's deletes; other services get no header."""
        if known_stub or self._is_stub():
            self.session = f"contract-{uuid.uuid4().hex[:16]}"
            self.client.always_send(SESSION_HEADER, self.session)

    def _is_stub(self) -> bool:
        try:
            answer = self.client.send("GET", STUB_PROBE, None, SENT_WITH["none"])
            body = json.loads(answer.body) if answer.status == 200 else None
        except (TargetError, ValueError):
            return False
        return isinstance(body, dict) and isinstance(body.get("sessions"), list) and (
            isinstance(body.get("limit"), int))

    def key(self, role: str) -> str | None:
        """The key sent for a role (skips the test when that key was not given)."""
        if role == "none":
            return None
        if role == "unknown":
            return UNKNOWN_KEY
        attribute, flag, env, meaning = KEYS[role]
        value = getattr(self.settings, attribute)
        if value is None:
            pytest.skip(f"needs {flag} (or {env}): {meaning}")
        return value

    def exchange(self, method: str, path: str, role: str, cached: bool = False) -> Exchange:
        """Send one request (a cached GET is sent once until the next DELETE)."""
        key = (method, path, role)
        outcome = self._cache.get(key) if cached else None
        if outcome is None:
            try:
                outcome = self.client.send(method, path, self.key(role), SENT_WITH[role])
            except TargetError as exc:
                outcome = exc
            if method == "DELETE":
                self._cache.clear()
            elif cached:
                self._cache[key] = outcome
        if isinstance(outcome, TargetError):
            raise outcome.with_traceback(None)  # a cached failure: don't grow its traceback
        return outcome

    def close(self) -> None:
        """Release connections."""
        self.client.close()


class Contract:
    """What a test uses: documented requests whose answers are checked before it sees them."""

    def __init__(self, target: Target, record: Callable[[str, str], None]):
        self.target = target
        self.document = target.document
        self.platforms = target.document.platforms
        self._record = record

    # -- requests ------------------------------------------------------------------------------
    def check(self, exchange: Exchange, method: str, template: str) -> Answer:
        """Run every documented-answer check on an exchange; note undocumented fields."""
        answer = Answer(exchange, self.document.operation(method, template))
        for field_path in checks.conforms(answer, self.document, self.target.settings.strict):
            general = re.sub(r"\[\d+\]", "[*]", field_path)
            where = f"{answer.operation.label} {answer.status}"
            self.target.notes.setdefault(general, set()).add(where)
            self._record("undocumented field", f"{general} in {where}")
        return answer

    def list(self, role: str = "api", fresh: bool = False) -> Answer:
        """GET /social-account with a key role."""
        exchange = self.target.exchange("GET", LIST, role, cached=not fresh)
        return self.check(exchange, "GET", LIST)

    def read(self, account_id: str, role: str = "api") -> Answer:
        """GET /social-account/{id} with a key role."""
        exchange = self.target.exchange("GET", f"{LIST}/{account_id}", role, cached=True)
        return self.check(exchange, "GET", ITEM)

    def delete(self, account_id: str, role: str = "api") -> Answer:
        """DELETE /social-account/{id}: only ever sent when --delete-account-id was given."""
        self.deletable_id()
        exchange = self.target.exchange("DELETE", f"{LIST}/{account_id}", role)
        return self.check(exchange, "DELETE", ITEM)

    def call(self, label: str, role: str, account_id: str = UNKNOWN_ID) -> Answer:
        """Any operation by its label (`DELETE /social-account/{id}`) with a key role."""
        method, template = label.split(" ", 1)
        if method == "DELETE":
            return self.delete(account_id, role)
        return self.list(role) if template == LIST else self.read(account_id, role)

    # -- what the tests need -------------------------------------------------------------------
    def key(self, role: str) -> None:
        """Skip the test unless the key for a role was given."""
        self.target.key(role)

    def deletable_id(self) -> str:
        """The one account the suite may delete (skips the test when none was named)."""
        account_id = self.target.settings.delete_account_id
        if account_id is None:
            pytest.skip("needs --delete-account-id (or CONTRACT_DELETE_ACCOUNT_ID): "
                        "without it the suite sends no DELETE")
        return account_id

    def accounts(self) -> list[dict[str, Any]]:
        """The --api-key workspace's listed accounts (there must be at least one)."""
        listing = self.list("api")
        checks.platform_keys_conformance(listing, self.platforms)
        accounts = checks.listed_accounts(listing)
        if not accounts:
            raise ContractFailure("The --api-key workspace lists no accounts",
                                  request=listing.request, received="200 with every array empty",
                                  documented="--api-key must name a workspace with at least one "
                                             "account, so that reads can be checked")
        return accounts
