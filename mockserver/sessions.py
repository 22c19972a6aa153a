"""Isolated sessions: named states side by side, each a shared scenario seed minus its deletes."""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from typing import Any

from .errors import ScenarioError, SessionError
from .faults import Fault
from .scenarios import Scenario, ScenarioLoader, file_stamp
from .store import Snapshot, Store, Workspace, dump_json

DEFAULT_LIMIT = 1000
SESSION_HEADER, SCENARIO_HEADER = "X-Mock-Session", "X-Mock-Scenario"
SESSION_QUERY, SCENARIO_QUERY = "__session", "__scenario"
# The WSGI names of the two headers, looked up on every request: one dict lookup each.
SESSION_ENVIRON, SCENARIO_ENVIRON = "HTTP_X_MOCK_SESSION", "HTTP_X_MOCK_SCENARIO"
# Where the request path leaves a session's name for the journal, once the name is known good.
ENVIRON_KEY = "mockserver.session"
NAME = re.compile(r"[A-Za-z0-9._-]{1,64}")
NAME_RULE = "1-64 letters, digits, '-', '_' or '.'"
# Seeds kept for reuse by later sessions; one in use by a session lives on with it regardless.
SEED_CACHE = 16


def check_name(name: str, where: str) -> str:
    """The name if it is a valid session name, else SessionError(400) naming where it came from."""
    if not NAME.fullmatch(name):
        shown = name if len(name) <= 80 else f"{name[:80]}…"
        raise SessionError(400, f"{where} must be {NAME_RULE}, not {shown!r}")
    return name


def requested(environ: Mapping[str, Any], args: Mapping[str, str]) -> tuple[str | None, str | None]:
    """(session, scenario) a request names, query first as for overrides; names are checked."""
    session_where = scenario_where = None
    session = scenario = None
    if SESSION_QUERY in args:
        session, session_where = args[SESSION_QUERY], f"?{SESSION_QUERY}"
    elif SESSION_ENVIRON in environ:
        session, session_where = environ[SESSION_ENVIRON], SESSION_HEADER
    if SCENARIO_QUERY in args:
        scenario, scenario_where = args[SCENARIO_QUERY], f"?{SCENARIO_QUERY}"
    elif SCENARIO_ENVIRON in environ:
        scenario, scenario_where = environ[SCENARIO_ENVIRON], SCENARIO_HEADER
    if session is not None:
        check_name(session, session_where)
    if scenario is not None:
        scenario = scenario.strip()
        if session is None:
            raise SessionError(400, f"{scenario_where} needs a session: send {SESSION_HEADER} "
                                    f"(or ?{SESSION_QUERY}=) too, or switch the whole stub with "
                                    "POST /__admin/scenario")
        if not scenario:
            raise SessionError(400, f"{scenario_where} must name a scenario, not be empty")
    return session, scenario


def _iso(at: float) -> str:
    return (datetime.fromtimestamp(at, timezone.utc).isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"))


class Seed:
    """A scenario's starting state, shared by every session on it and never changed."""

    __slots__ = ("snapshot", "_parts", "__weakref__")

    def __init__(self, snapshot: Snapshot):
        self.snapshot = snapshot
        # key -> ((platform, ((account id, summary JSON), ...)), ...), built on first need.
        self._parts: dict[str, tuple] = {}

    @property
    def scenario(self) -> Scenario:
        """The scenario this seed was built from."""
        return self.snapshot.scenario

    def parts(self, workspace: Workspace, summary: Callable[[Mapping], Any],
              platforms: Iterable[str]) -> tuple:
        """The workspace's list as serialised accounts by platform, to leave some out cheaply."""
        found = self._parts.get(workspace.key)
        if found is None:
            by_platform: dict[str, list] = {platform: [] for platform in platforms}
            for account_id, account in workspace.accounts.items():
                by_platform[account["platformType"]].append(
                    (account_id, dump_json(summary(account))))
            found = self._parts[workspace.key] = tuple(
                (dump_json(platform), tuple(accounts)) for platform, accounts in by_platform.items()
            )
        return found


class Session:
    """One named session: its seed, the accounts it deleted, and when and how much it was used."""

    __slots__ = ("name", "seed", "deleted", "created", "used", "requests")

    def __init__(self, name: str, seed: Seed, now: float):
        self.name = name
        self.seed = seed
        # key -> frozenset of deleted ids, replaced (never changed) so readers need no lock.
        self.deleted: dict[str, frozenset[str]] | None = None
        self.created = self.used = now
        self.requests = 0

    @property
    def scenario(self) -> Scenario:
        """The scenario the session started from."""
        return self.seed.snapshot.scenario

    def describe(self) -> dict[str, Any]:
        """The session as the admin API lists it."""
        deleted = sum(len(ids) for ids in (self.deleted or {}).values())
        return {"name": self.name, "scenario": self.scenario.name, "created": _iso(self.created),
                "lastUsed": _iso(self.used), "requests": self.requests, "deleted": deleted}


class SessionState:
    """What a request in a session reads and changes: the same calls as the Store's."""

    __slots__ = ("session", "_store", "_lock")

    def __init__(self, session: Session, store: Store, lock: threading.Lock):
        self.session, self._store, self._lock = session, store, lock

    @property
    def faults(self) -> Mapping[str, Fault]:
        """The session's scenario's faults."""
        return self.session.seed.snapshot.faults

    def workspace(self, key: str) -> Workspace | None:
        """The seed's workspace an API key resolves to, if any."""
        return self.session.seed.snapshot.workspaces.get(key)

    def _gone(self, key: str) -> frozenset[str]:
        deleted = self.session.deleted
        return deleted.get(key, frozenset()) if deleted else frozenset()

    def list_body(self, workspace: Workspace) -> bytes:
        """The list's 200 body: the seed's own when nothing was deleted, else rebuilt without."""
        gone = self._gone(workspace.key)
        if not gone:
            return self._store.list_body(workspace)
        store = self._store
        parts = self.session.seed.parts(workspace, store.summary, store.platforms)
        groups = b",".join(
            platform + b":[" + b",".join(body for i, body in accounts if i not in gone) + b"]"
            for platform, accounts in parts
        )
        return b'{"success":true,"data":{"socialAccounts":{' + groups + b"}}}"

    def read_body(self, workspace: Workspace, account_id: str) -> bytes | None:
        """A read's 200 body, or None when the id is not in the workspace or was deleted."""
        if account_id in self._gone(workspace.key):
            return None
        return self._store.read_body(workspace, account_id)

    def delete(self, key: str, account_id: str) -> bool:
        """Delete in this session only; False if it is not there (or already deleted)."""
        session = self.session
        workspace = session.seed.snapshot.workspaces.get(key)
        if workspace is None or account_id not in workspace.accounts:
            return False
        with self._lock:
            deleted = session.deleted or {}
            gone = deleted.get(key, frozenset())
            if account_id in gone:
                return False
            session.deleted = {**deleted, key: gone | {account_id}}
            return True


class Sessions:
    """Every live session, most recently used last; the least recently used goes past the limit."""

    def __init__(self, store: Store, scenarios: ScenarioLoader, limit: int = DEFAULT_LIMIT,
                 clock: Callable[[], float] = time.time):
        if limit < 1:
            raise ValueError("a session limit must be at least 1")
        self.store = store
        self.limit = limit
        self.evicted = 0
        self._scenarios = scenarios
        self._clock = clock
        self._lock = threading.Lock()
        self._sessions: OrderedDict[str, Session] = OrderedDict()
        self._seeds: OrderedDict[Any, Seed] = OrderedDict()

    def __len__(self) -> int:
        return len(self._sessions)

    # -- seeds ----------------------------------------------------------------------------
    def _seed(self, scenario_name: str | None) -> Seed:
        """The seed of a named scenario (or the active one), reused while its files are as read."""
        if scenario_name is None:
            scenario = self.store.scenario
            key: Any = ("active", id(scenario))
            seed = self._seeds.get(key)
            if seed is not None and seed.scenario is scenario:
                return seed
        else:
            key = ("named", scenario_name)
            seed = self._seeds.get(key)
            if seed is not None and self._unchanged(seed.scenario):
                return seed
            known = self._scenarios.names()
            if scenario_name not in known:
                raise SessionError(404, f"no scenario named {scenario_name!r} "
                                        f"(known: {', '.join(known)})")
            try:
                scenario = self._scenarios.load(scenario_name)
            except ScenarioError as exc:
                raise SessionError(400, f"scenario {scenario_name!r} does not load: "
                                        f"{exc}") from None
        seed = Seed(self.store.seed(scenario))
        with self._lock:
            self._seeds[key] = seed
            while len(self._seeds) > SEED_CACHE:
                self._seeds.popitem(last=False)
        return seed

    @staticmethod
    def _unchanged(scenario: Scenario) -> bool:
        return all(file_stamp(path) == stamp
                   for path, stamp in zip(scenario.files, scenario.stamps, strict=True))

    def _as_on_disk(self, seed: Seed) -> Seed:
        """The seed, or a new one when its scenario's files were edited since (and validate)."""
        if self._unchanged(seed.scenario):
            return seed
        try:
            return Seed(self.store.seed(self._scenarios.reload(seed.scenario)))
        except ScenarioError:
            return seed  # an edit that does not validate is not loaded, as for hot reload

    # -- the request path -----------------------------------------------------------------
    def enter(self, name: str, scenario_name: str | None = None) -> SessionState:
        """The named session for one request, started on first use; counts the request."""
        session = self._use(name, scenario_name, count=True)
        if session is None:
            seed = self._seed(scenario_name)
            session, _ = self._add(name, scenario_name, seed, count=True)
        return SessionState(session, self.store, self._lock)

    def _use(self, name: str, scenario_name: str | None, count: bool) -> Session | None:
        with self._lock:
            session = self._sessions.get(name)
            if session is None:
                return None
            self._conflict(session, scenario_name)
            self._sessions.move_to_end(name)
            session.used = self._clock()
            session.requests += count
            return session

    @staticmethod
    def _conflict(session: Session, scenario_name: str | None) -> None:
        if scenario_name is not None and scenario_name != session.scenario.name:
            raise SessionError(
                409, f"session {session.name!r} runs scenario {session.scenario.name!r}, not "
                     f"{scenario_name!r}: end it (DELETE /__admin/sessions/{session.name}) or "
                     f"restart it (POST /__admin/sessions/{session.name}/reset with "
                     f'{{"scenario": "{scenario_name}"}})')

    def _add(self, name: str, scenario_name: str | None, seed: Seed,
             count: bool) -> tuple[Session, bool]:
        with self._lock:
            session = self._sessions.get(name)
            created = session is None
            if session is not None:  # another request started it meanwhile: one session wins
                self._conflict(session, scenario_name)
                self._sessions.move_to_end(name)
            else:
                session = self._sessions[name] = Session(name, seed, self._clock())
                while len(self._sessions) > self.limit:
                    self._sessions.popitem(last=False)
                    self.evicted += 1
            session.requests += count
            return session, created

    # -- the admin API --------------------------------------------------------------------
    def start(self, name: str, scenario_name: str | None) -> tuple[Session, bool]:
        """Start a session (admin PUT); an existing one on the same scenario is kept as it is.

        Returns the session and whether it was created; a different scenario is SessionError(409).
        """
        with self._lock:
            session = self._sessions.get(name)
            if session is not None:
                self._conflict(session, scenario_name)
                return session, False
        return self._add(name, scenario_name, self._seed(scenario_name), count=False)

    def restart(self, name: str, scenario_name: str | None) -> Session | None:
        """Back to its seed (as its files are now), or to another scenario's; None if no session."""
        with self._lock:
            session = self._sessions.get(name)
            if session is None:
                return None
        seed = self._as_on_disk(session.seed) if scenario_name is None else self._seed(
            scenario_name)
        with self._lock:
            session = self._sessions.get(name)
            if session is None:
                return None
            session.seed, session.deleted = seed, None
            session.used = self._clock()
            self._sessions.move_to_end(name)
            return session

    def get(self, name: str) -> Session | None:
        """The named session, if it is live (looking does not count as using it)."""
        return self._sessions.get(name)

    def end(self, name: str) -> bool:
        """End one session; False if there was none."""
        with self._lock:
            return self._sessions.pop(name, None) is not None

    def end_all(self) -> int:
        """End every session; returns how many there were."""
        with self._lock:
            count = len(self._sessions)
            self._sessions.clear()
        return count

    def listing(self) -> list[dict[str, Any]]:
        """Every session as the admin API shows it, most recently used first."""
        with self._lock:
            sessions = list(self._sessions.values())
        return [session.describe() for session in reversed(sessions)]


State = Store | SessionState  # what a request reads and changes: the stub's own, or a session's
