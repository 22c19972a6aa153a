"""The API's own pages: /openapi.yaml, /openapi.json and a Swagger UI page at /docs, all offline."""

from __future__ import annotations

import hashlib
import html
import importlib.util
import json
from functools import cache
from pathlib import Path
from string import Template

from flask import Flask, Response, request, send_from_directory, url_for
from werkzeug.exceptions import NotFound

from .errors import SpecError
from .responses import JSON

YAML = "application/yaml"  # RFC 9512
HTML = "text/html; charset=utf-8"
OWN_ASSETS = Path(__file__).resolve().parent / "docs_assets"
# Only what the page links to is served; the package's other files stay private.
SWAGGER_UI_FILES = ("swagger-ui.css", "swagger-ui-bundle.js", "favicon-16x16.png",
                    "favicon-32x32.png")
OWN_FILES = ("init.js",)
ONE_YEAR = 365 * 24 * 3600


def swagger_ui_dist() -> Path:
    """The folder of Swagger UI's built files shipped by the flask-swagger-ui package."""
    # Found, not imported: only its files are served, and importing it would slow the start.
    found = importlib.util.find_spec("flask_swagger_ui")
    if found is None or not found.submodule_search_locations:
        raise SpecError("flask-swagger-ui is not installed; reinstall the stub to serve /docs",
                        source="flask_swagger_ui")
    folder = Path(found.submodule_search_locations[0]) / "dist"
    missing = [name for name in SWAGGER_UI_FILES if not (folder / name).is_file()]
    if missing:
        raise SpecError(f"the installed flask-swagger-ui lacks {', '.join(missing)}; "
                        "reinstall it to serve /docs", source=str(folder))
    return folder


def _fingerprint(*parts: bytes) -> str:
    return hashlib.sha256(b"\0".join(parts)).hexdigest()[:12]


def _document(body: bytes, content_type: str, etag: str) -> Response:
    # Read once at start-up; `no-cache` lets a browser keep it but ask again (a cheap 304).
    response = Response(body, content_type=content_type)
    response.set_etag(etag)
    response.cache_control.no_cache = True
    return response.make_conditional(request)


def init_app(app: Flask) -> None:
    """Register /openapi.yaml, /openapi.json, /docs and its assets, all read here, once."""
    spec = app.extensions["mockserver"].spec
    try:
        yaml_body = Path(spec.source).read_bytes()
    except OSError as exc:
        raise SpecError(f"cannot read the document to serve it ({exc.strerror})",
                        source=spec.source) from None
    yaml_etag = _fingerprint(yaml_body)

    @cache
    def json_document() -> tuple[bytes, str]:
        # Built when first asked for, from the document in memory (so it matches the YAML).
        body = json.dumps(spec.document, ensure_ascii=False, indent=2).encode()
        return body, _fingerprint(body)

    dist = swagger_ui_dist()
    page = Template((OWN_ASSETS / "index.html").read_text(encoding="utf-8"))
    title = html.escape(f"{spec.document.get('info', {}).get('title', 'API')} (mock server docs)")
    # Asset URLs carry a fingerprint of their contents, so browsers may cache them for good.
    folders = {name: dist for name in SWAGGER_UI_FILES} | {name: OWN_ASSETS for name in OWN_FILES}
    version = dist / "VERSION"
    stamp = _fingerprint(version.read_bytes() if version.is_file() else b"",
                         *((OWN_ASSETS / name).read_bytes() for name in OWN_FILES))

    @app.get("/openapi.yaml")
    def openapi_yaml() -> Response:
        """The document exactly as it is on disk."""
        return _document(yaml_body, YAML, yaml_etag)

    @app.get("/openapi.json")
    def openapi_json() -> Response:
        """The same document as JSON, for tools that do not read YAML."""
        body, etag = json_document()
        return _document(body, JSON, etag)

    @app.get("/docs")
    @app.get("/docs/")
    def docs_page() -> Response:
        """Swagger UI over /openapi.yaml, from assets this stub serves itself."""
        assets = url_for("docs_asset", version=stamp, name=OWN_FILES[0]).rsplit("/", 1)[0]
        body = page.substitute(title=title, assets=html.escape(assets),
                               spec_url=html.escape(url_for("openapi_yaml")))
        response = Response(body, content_type=HTML)
        response.cache_control.no_cache = True
        return response

    @app.get("/docs/assets/<version>/<name>")
    def docs_asset(version: str, name: str) -> Response:
        """One of the page's files; a stale fingerprint is a 404 so nothing outdated is cached."""
        if version != stamp or name not in folders:
            raise NotFound()
        response = send_from_directory(folders[name], name, max_age=ONE_YEAR)
        response.cache_control.public = True
        response.cache_control.immutable = True
        return response
