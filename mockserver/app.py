"""The app factory: builds the stub once from the document and a scenario."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from . import docs, http_errors, resources, validation
from .context import Mock
from .errors import FixtureError
from .fixtures import FixtureLoader
from .handlers import HANDLERS
from .responses import Examples
from .routing import register_operations
from .spec import Spec
from .store import Store

DEFAULTS: dict[str, Any] = {
    "SPEC_PATH": None,  # None: the shipped openapi.yaml
    "FIXTURES_DIR": None,  # None: the shipped fixtures/
    "SCENARIO": "default",  # a name in FIXTURES_DIR or a file path
    "VALIDATE_RESPONSES": None,  # None: on when TESTING, off otherwise
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
    mock = Mock(spec, loader, Store(spec, loader.load(app.config["SCENARIO"])), Examples(spec))
    app.extensions["mockserver"] = mock

    register_operations(app, mock, HANDLERS)
    docs.init_app(app)
    http_errors.init_app(app)
    validation.init_app(app, spec)
    return app
