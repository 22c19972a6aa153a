"""The app factory: builds the stub once from the document and a scenario."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from . import admin, cors, docs, http_errors, journal, reload, resources, sessions, validation
from .context import Mock
from .errors import FixtureError
from .fixtures import FixtureLoader
from .handlers import HANDLERS
from .reload import Reloader
from .responses import Examples
from .routing import register_operations
from .spec import Spec
from .store import Store

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
}


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the stub: defaults, then the caller's overrides, then everything expensive, once."""
    app = Flask(__name__, static_folder=None)
    app.config.from_mapping(DEFAULTS)
    app.config.from_mapping(config or {})
    if app.config["VALIDATE_RESPONSES"] is None:
        app.config["VALIDATE_RESPONSES"] = bool(app.testing)
    app.json.sort_keys = False

    spec = Spec.load(app.config["SPEC_PATH"] or resources.spec_path())
    fixtures_dir = app.config["FIXTURES_DIR"] or resources.fixtures_dir()
    loader = FixtureLoader(spec, fixtures_dir)
    if not loader.fixtures_dir.is_dir():
        raise FixtureError("the fixtures folder does not exist", source=str(fixtures_dir))
    store = Store(spec, loader.load(app.config["SCENARIO"]), app.config["JOURNAL_LIMIT"])
    mock = Mock(spec, loader, store, Examples(spec),
                sessions.Sessions(store, loader, app.config["MAX_SESSIONS"]),
                Reloader(loader, store, app.config["RELOAD_INTERVAL"]))
    app.extensions["mockserver"] = mock

    # The journal's hooks go first, so its clock starts before a preflight is answered.
    journal.init_app(app, store.journal, frozenset(spec.operations), admin.PREFIX + "/")
    register_operations(app, mock, HANDLERS)
    admin.init_app(app, mock)
    docs.init_app(app)
    http_errors.init_app(app)
    validation.init_app(app, spec)
    if app.config["CORS"]:
        api_methods = [op.method for op in spec.operations.values()]
        cors.init_app(app, app.config["CORS_ORIGINS"], api_methods, admin.PREFIX + "/",
                      admin.METHODS)
    if app.config["RELOAD"] is None:
        app.config["RELOAD"] = not app.testing
    if app.config["RELOAD"]:
        mock.reloader.start()
    return app
