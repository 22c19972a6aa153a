"""The admin API under /__admin/, described by admin-openapi.yaml: scenarios, sessions, journal."""

from __future__ import annotations

import json
from collections.abc import Collection
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, request
from werkzeug.exceptions import RequestEntityTooLarge

from . import admin_guard
from .errors import ScenarioError, SessionError
from .journal import Journal
from .parsing import MAX_DOCUMENT_BYTES, parse_document
from .reload import Reloader
from .responses import json_response
from .scenarios import Scenario, ScenarioLoader, file_stamp
from .sessions import check_name
from .store import Store, dump_json
from .stub import Stub

PREFIX = "/__admin"
METHODS = ("GET", "POST", "PUT", "DELETE")
DOCUMENT_PATH = Path(__file__).resolve().parent / "admin-openapi.yaml"
POSTED = "<posted scenario>"
JSON = "application/json"
# YAML under its own media types only: text/plain, forms and multipart are what a page on another
# site may send without asking first (CORS "simple" requests), so none of them is ever read.
YAML_TYPES = frozenset({"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"})
# Admin answers are never guessed at, cached, or embedded by a page on another origin.
ANSWER_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def _json(body: Any, status: int = 200) -> Response:
    return json_response(status, dump_json(body))


def refusal(status: int, message: str, problems: list[str] | None = None) -> Response:
    """The admin API's error: the stub's own envelope, plus `problems` when there is a list."""
    body: dict[str, Any] = {"success": False, "message": message}
    if problems is not None:
        body["problems"] = problems
    return _json(body, status)


def describe(scenario: Scenario, fixtures_dir: Path) -> dict[str, Any]:
    """The active scenario as the admin API shows it; a shipped file by its name in the folder."""
    source = scenario.source
    if isinstance(scenario.origin, Path):
        origin, folder = scenario.origin.resolve(), fixtures_dir.resolve()
        source = str(origin.relative_to(folder) if origin.is_relative_to(folder) else origin)
    return {"name": scenario.name, "description": scenario.description, "source": source}


class _Catalogue:
    """Each scenario file's summary, re-validated only when one of its files changes."""

    def __init__(self, scenarios: ScenarioLoader, store: Store):
        self.scenarios, self.store = scenarios, store
        self._cache: dict[str, tuple[tuple, dict[str, Any]]] = {}

    def summaries(self) -> list[dict[str, Any]]:
        """Each scenario file's name, description (or problems) and whether it is active."""
        loader, active = self.scenarios, self.store.scenario
        active_file = active.origin.resolve() if isinstance(active.origin, Path) else None
        out = []
        for name in loader.names():
            try:
                path = loader.path_of(name)
            except ScenarioError:  # removed since the folder was listed: not a 500
                continue
            summary = dict(self._summary(path))
            summary["active"] = path.resolve() == active_file
            out.append(summary)
        return out

    def _summary(self, path: Path) -> dict[str, Any]:
        cached = self._cache.get(str(path))
        if cached is not None:
            files, stamps = cached[0]
            if tuple(file_stamp(f) for f in files) == stamps:
                return cached[1]
        try:
            scenario = self.scenarios.load(path)
        except ScenarioError as exc:
            summary = {"name": path.stem, "description": None, "problems": exc.lines()}
            key = ((path,), (file_stamp(path),))  # a broken parent is found again on its next edit
        else:
            summary = {"name": scenario.name, "description": scenario.description}
            key = (scenario.files, scenario.stamps)
        self._cache[str(path)] = (key, summary)
        return summary


def unaccepted_body(accepted: frozenset[str]) -> str | None:
    """Why this request's body may not be read, or None: only `accepted` media types are."""
    mimetype = request.mimetype
    has_body = bool(request.content_length) or "chunked" in request.headers.get(
        "Transfer-Encoding", "").lower()
    if mimetype in accepted or not (mimetype or has_body):
        return None
    what = "application/json" if accepted == {JSON} else "application/json or application/yaml"
    sent = f"Content-Type {mimetype}" if mimetype else "a body without a Content-Type"
    return f"the admin API reads {what} bodies only, not {sent}: send `Content-Type: {JSON}`"


def _posted_body() -> bytes | None:
    """The request body, or None when it is larger than a scenario may be."""
    # One byte over the limit is read, so that a chunked body (no Content-Length to check up
    # front) that is too large shows as such instead of being cut at the limit.
    request.max_content_length = MAX_DOCUMENT_BYTES + 1
    try:
        body = request.get_data(cache=False)
    except RequestEntityTooLarge:
        return None
    return None if len(body) > MAX_DOCUMENT_BYTES else body


def _posted_document(body: bytes) -> Any:
    """The request body parsed as JSON (when so labelled) or YAML, else ScenarioError."""
    if not body.strip():
        raise ScenarioError('the body is empty: send {"name": "NAME"} or a scenario document',
                           source=POSTED)
    return parse_document(body, POSTED, as_json=request.mimetype == JSON)


def blueprint(stub: Stub, journal: Journal, reloader: Reloader | None = None,
              token: str | None = None, open_without_token: bool = True,
              origins: Collection[str] | None = None) -> Blueprint:
    """The admin routes, bound to one running stub, behind the admin guard."""
    admin = Blueprint("admin", __name__, url_prefix=PREFIX)
    # The media types each route reads; every other route that takes a change reads JSON only.
    bodies = {f"{admin.name}.switch": YAML_TYPES | {JSON}}

    @admin.before_request
    def guard() -> Response | None:
        # Every route of the blueprint, those added later too: who asks, then from which page,
        # then what it sent, all before anything is read or changed.
        refused = admin_guard.guard(token, open_without_token, refusal)
        if refused is None and (reason := admin_guard.cross_site(origins)):
            refused = refusal(403, reason)
        if refused is None and request.method not in admin_guard.SAFE_METHODS:
            reason = unaccepted_body(bodies.get(request.endpoint, frozenset({JSON})))
            refused = refusal(415, reason) if reason else None
        return refused

    @admin.after_request
    def harden(response: Response) -> Response:
        response.headers.update(ANSWER_HEADERS)
        return response

    store, loader = stub.store, stub.scenarios
    catalogue = _Catalogue(loader, store)
    document = DOCUMENT_PATH.read_bytes()

    @admin.get("/scenarios")
    def scenarios() -> Response:
        """Every scenario file's name and description, and which one is active."""
        active = describe(store.scenario, loader.fixtures_dir)
        return _json({"active": active, "scenarios": catalogue.summaries()})

    @admin.post("/scenario")
    def switch() -> Response:
        """Switch to a named scenario or load a posted one; refused whole unless it validates."""
        body = _posted_body()
        if body is None:
            return refusal(413, f"a scenario may be at most {MAX_DOCUMENT_BYTES // 2**20} MiB")
        try:
            posted = _posted_document(body)
            if isinstance(posted, dict) and "name" in posted and "description" not in posted:
                name = posted["name"]
                if set(posted) != {"name"} or not isinstance(name, str):
                    raise ScenarioError('to switch by name send only {"name": "NAME"}',
                                       source=POSTED, path="name")
                if name not in loader.names():
                    known = ", ".join(loader.names())
                    return refusal(404, f"no scenario named {name!r} (known: {known})")
                scenario = loader.load(loader.path_of(name))
            else:
                scenario = loader.load_document(posted, POSTED)
        except ScenarioError as exc:
            return refusal(400, f"scenario refused, nothing changed: {exc}", exc.lines())
        store.load(scenario)
        return _json({"success": True, "message": f"scenario {scenario.name!r} is active",
                      "active": describe(scenario, loader.fixtures_dir)})

    @admin.post("/reset")
    def reset() -> Response:
        """Back to the active scenario's seed: deletes are undone."""
        store.reset()
        scenario = store.scenario
        return _json({"success": True, "message": f"scenario {scenario.name!r} is back to its seed",
                      "active": describe(scenario, loader.fixtures_dir)})

    @admin.errorhandler(SessionError)
    def session_refused(exc: SessionError) -> Response:
        # A bad session name or body, raised from any admin view, is one sentence.
        return refusal(exc.status, exc.message)

    @admin.get("/requests")
    def requests() -> Response:
        """The journal, newest first, keys masked; `?session=NAME` keeps one session's."""
        session = request.args.get("session")
        if session is not None:
            check_name(session, "?session")
        entries = journal.entries(session)
        return _json({"limit": journal.limit, "count": len(entries), "requests": entries})

    @admin.delete("/requests")
    def forget() -> Response:
        """Empty the journal."""
        count = journal.clear()
        return _json({"success": True, "message": f"forgot {count} request(s)", "deleted": count})

    sessions = stub.sessions

    def session_name(name: str) -> str:
        return check_name(name, "a session name")

    def scenario_asked() -> str | None:
        """The body's `scenario`, if any: no body, `{}` or `{"scenario": "NAME"}`."""
        body = request.get_data(cache=False)
        if not body.strip():
            return None
        try:
            posted = json.loads(body)
        except ValueError:
            posted = None
        if not isinstance(posted, dict) or set(posted) - {"scenario"} or not isinstance(
                posted.get("scenario", ""), str):
            raise SessionError(400, 'the body must be empty or {"scenario": "NAME"}')
        return posted.get("scenario")

    @admin.get("/sessions")
    def list_sessions() -> Response:
        """Every live session, most recently used first."""
        listing = sessions.listing()
        return _json({"limit": sessions.limit, "count": len(listing),
                      "evicted": sessions.evicted, "sessions": listing})

    @admin.delete("/sessions")
    def end_sessions() -> Response:
        """End every session."""
        count = sessions.end_all()
        return _json({"success": True, "message": f"ended {count} session(s)", "ended": count})

    @admin.get("/sessions/<name>")
    def show_session(name: str) -> Response:
        """One live session."""
        session = sessions.get(session_name(name))
        if session is None:
            return refusal(404, f"no session named {name!r}")
        return _json(session.describe())

    @admin.put("/sessions/<name>")
    def start_session(name: str) -> Response:
        """Start a session on a scenario (or the active one); an existing one is kept as it is."""
        session, created = sessions.start(session_name(name), scenario_asked())
        said = "started on" if created else "already runs"
        return _json({"success": True,
                      "message": f"session {name!r} {said} scenario {session.scenario.name!r}",
                      "name": name, "scenario": session.scenario.name}, 201 if created else 200)

    @admin.post("/sessions/<name>/reset")
    def reset_session(name: str) -> Response:
        """Back to its scenario's seed, or restarted on the scenario the body names."""
        session = sessions.restart(session_name(name), scenario_asked())
        if session is None:
            return refusal(404, f"no session named {name!r}: start one with PUT")
        return _json({"success": True,
                      "message": f"session {name!r} is back to the seed of scenario "
                                 f"{session.scenario.name!r}",
                      "name": name, "scenario": session.scenario.name})

    @admin.delete("/sessions/<name>")
    def end_session(name: str) -> Response:
        """End one session: its next request starts it afresh."""
        ended = sessions.end(session_name(name))
        if not ended:
            return refusal(404, f"no session named {name!r}")
        return _json({"success": True, "message": f"session {name!r} ended"})

    @admin.get("/health")
    def health() -> Response:
        """Up, with the active scenario's name."""
        return _json({"status": "ok", "scenario": store.scenario.name,
                      "hotReload": bool(reloader and reloader.running)})

    @admin.get("/openapi.yaml")
    def openapi() -> Response:
        """This API's own OpenAPI document."""
        return Response(document, content_type="application/yaml")

    return admin


def init_app(app: Flask, stub: Stub, journal: Journal, reloader: Reloader | None) -> None:
    """Mount the admin API under /__admin/ (ADMIN_TOKEN, ADMIN_OPEN, CORS_ORIGINS: who may call)."""
    app.register_blueprint(blueprint(stub, journal, reloader, app.config["ADMIN_TOKEN"],
                                     app.config["ADMIN_OPEN"], app.config["CORS_ORIGINS"]))
