"""The app factory: builds the stub once from the document and a scenario, then hangs the edges."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from . import (
    admin,
    answer_cache,
    cors,
    docs,
    fallbacks,
    journal,
    reload,
    resources,
    sessions,
    startup_cache,
    validation,
)
from .errors import ScenarioError
from .handlers import HANDLERS
from .responses import Examples
from .routing import register_operations
from .scenarios import ScenarioLoader
from .spec import Spec
from .store import Store
from .stub import Stub

DEFAULTS: dict[str, Any] = {
    "SPEC_PATH": None,  # None: the shipped openapi.yaml
    "FIXTURES_DIR": None,  # None: the shipped fixtures/
    "SCENARIO": "default",  # a name in FIXTURES_DIR or a file path
    "VALIDATE_RESPONSES": None,  # None: on when TESTING, off otherwise
    "CORS": True,  # answer browsers on other origins (local development)
    "CORS_ORIGINS": None,  # None: echo any Origin; else only these
    "RELOAD": None,  # None: poll the scenario's files unless TESTING (tests call reload_if_changed)
    "RELOAD_INTERVAL": reload.DEFAULT_INTERVAL,  # seconds between polls
    "JOURNAL_LIMIT": journal.DEFAULT_LIMIT,  # requests the admin API's journal keeps
    "ADMIN_TOKEN": None,  # when set, every admin call must send `Authorization: Bearer <token>`
    "ADMIN_OPEN": True,  # without a token, answer admin calls (False: the stub is not on loopback)
    "MAX_SESSIONS": sessions.DEFAULT_LIMIT,  # live sessions; the least recently used goes beyond
    # Distinct requests whose answers are replayed (0: none); see answer_cache.
    "REPLAY_LIMIT": answer_cache.DEFAULT_LIMIT,
}


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the stub: defaults, then the caller's overrides, then everything expensive, once."""
    app = Flask(__name__, static_folder=None)
    app.config.from_mapping(DEFAULTS)
    app.config.from_mapping(config or {})
    if app.config["VALIDATE_RESPONSES"] is None:
        app.config["VALIDATE_RESPONSES"] = bool(app.testing)
    if app.config["RELOAD"] is None:
        app.config["RELOAD"] = not app.testing
    app.json.sort_keys = False

    # The document, then its scenarios, then the state they seed: each handed to the next.
    cache = startup_cache.StartupCache()
    spec = Spec.load(app.config["SPEC_PATH"] or resources.spec_path(), known=cache.parsed)
    fixtures_dir = app.config["FIXTURES_DIR"] or resources.fixtures_dir()
    scenarios = ScenarioLoader(spec, fixtures_dir, known=cache.validated, vouched=cache.vouches)
    if not scenarios.fixtures_dir.is_dir():
        raise ScenarioError("the fixtures folder does not exist", source=str(fixtures_dir))
    store = Store(spec, scenarios.load(app.config["SCENARIO"]))
    stub = Stub(spec, scenarios, store, Examples(spec),
                sessions.Sessions(store, scenarios, app.config["MAX_SESSIONS"]))
    app.extensions["mockserver"] = stub

    # The edges. The journal's hooks go first, so its clock starts before a preflight is answered.
    requests = journal.Journal(app.config["JOURNAL_LIMIT"])
    app.extensions["mockserver.journal"] = requests
    journal.init_app(app, requests, frozenset(spec.operations), admin.PREFIX + "/")
    register_operations(app, stub, HANDLERS)
    reloader = reload.Reloader(scenarios, store, app.config["RELOAD_INTERVAL"])
    app.extensions["mockserver.reloader"] = reloader
    admin.init_app(app, stub, requests, reloader)
    docs.init_app(app)
    fallbacks.init_app(app)
    validation.init_app(app, spec)
    if app.config["CORS"]:
        api_methods = [op.method for op in spec.operations.values()]
        cors.init_app(app, app.config["CORS_ORIGINS"], api_methods, admin.PREFIX + "/",
                      admin.METHODS)
    if app.config["REPLAY_LIMIT"]:
        # Last: in front of every edge above, so that a replay skips them all.
        app.extensions["mockserver.replays"] = answer_cache.init_app(
            app, store, requests, app.config["REPLAY_LIMIT"])
    if app.config["RELOAD"]:
        reloader.start()
    return app
