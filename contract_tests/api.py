"""The target as the tests see it: requests by key role, every answer checked as it arrives."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from typing import Any

from . import checks
from .checks import Answer
from .client import Client, Exchange
from .document import Document, default_path, load
from .errors import NotGiven
from .failures import ContractFailure, TargetError
from .options import Settings
from .stub import LocalStub, StubError

LIST, ITEM = "/social-account", "/social-account/{id}"
UNKNOWN_KEY = "pn-contract-tests-unknown-key"
UNKNOWN_ID = "contract-tests-no-such-account"
# `/social-account/%20`. Never a bare trailing slash: how a framework routes `/social-account/`
# is not part of the contract (Express's default routing answers it with the list).
BLANK_ID = " "
# kind of note -> the summary section's title and what --strict does about it
NOTES = {
    "undocumented field": ("contract: undocumented fields", "fields"),
    "unlisted value": ("contract: values outside the document's examples", "values"),
}
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
        self.client = Client(base_url, settings.timeout, settings.rate, settings.no_proxy)
        self.unreachable: TargetError | None = None
        self.session: str | None = None  # the stub session this run uses, if any
        # (kind, what) -> the operations and statuses it was seen in
        self.notes: dict[tuple[str, str], set[str]] = {}
        self._cache: dict[tuple[str, str, str], Exchange | TargetError] = {}
        self.stub: LocalStub | None = None

    @classmethod
    def open(cls, settings: Settings) -> Target:
        """Load the document (DocumentError), start the local stub when no base URL was given,
        probe the target once, and on this project's stub take a session of its own."""
        document = load(settings.openapi or default_path())
        if settings.base_url is not None:
            target = cls(settings.base_url, settings, document)
            target.probe()
            if target.unreachable is None:
                target.join_session(known_stub=False)
            return target
        stub = None
        try:
            stub = LocalStub()
            target = cls(stub.url(), settings, document)
        except (StubError, OSError) as exc:
            target = cls("http://127.0.0.1", settings, document)
            target.unreachable = TargetError(
                "Could not start the local stub", received=str(exc),
                documented="a running stub: pass --base-url, or install this project")
        target.stub = stub
        if target.unreachable is None:
            target.probe()
        if target.unreachable is None:
            target.join_session(known_stub=True)
        return target

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
            raise NotGiven(f"needs {flag} (or {env}): {meaning}")
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

    def note(self, kind: str, what: str, where: str) -> None:
        """Remember something beyond the document for the run's summary."""
        self.notes.setdefault((kind, what), set()).add(where)

    def summary(self) -> list[tuple[str, list[str]]]:
        """The run's summary sections: (title, lines), only those with something to say."""
        sections = []
        for kind, (title, what) in NOTES.items():
            lines = [f"{text} in {', '.join(sorted(where))}"
                     for (noted, text), where in sorted(self.notes.items()) if noted == kind]
            if lines:
                strict = ("These fail the run (--strict)." if self.settings.strict else
                          f"These are warnings: pass --strict (or set CONTRACT_STRICT=1) to make "
                          f"such {what} failures.")
                sections.append((title, [*lines, strict]))
        limits = self.client.rate_limits.summary(self.settings.rate)
        if limits:
            sections.append(("contract: pacing and retries", limits))
        return sections

    def close(self) -> None:
        """Release connections, and stop the local stub if this run started one."""
        self.client.close()
        if self.stub is not None:
            self.stub.stop()


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
        found = checks.conforms(answer, self.document, self.target.settings.strict)
        where = f"{answer.operation.label} {answer.status}"
        noted = [("undocumented field", path) for path in found.fields]
        noted += [("unlisted value", value.describe()) for value in found.values]
        for kind, text in noted:
            general = re.sub(r"\[\d+\]", "[*]", text)
            self.target.note(kind, general, where)
            self._record(kind, f"{general} in {where}")
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
            raise NotGiven("needs --delete-account-id (or CONTRACT_DELETE_ACCOUNT_ID): "
                           "without it the suite sends no DELETE")
        return account_id

    def accounts(self) -> list[dict[str, Any]]:
        """The --api-key workspace's listed accounts (there must be at least one)."""
        listing = self.list("api")
        checks.answered_200(listing, "The list with --api-key")
        checks.platform_keys_conformance(listing, self.platforms)
        accounts = checks.listed_accounts(listing)
        if not accounts:
            raise ContractFailure("The --api-key workspace lists no accounts",
                                  request=listing.request, received="200 with every array empty",
                                  documented="--api-key must name a workspace with at least one "
                                             "account, so that reads can be checked")
        return accounts
