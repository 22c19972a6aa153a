"""The document and its browser page: /openapi.yaml, /openapi.json, /docs and the page's assets."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from flask import Flask

from mockserver import create_app, docs, resources
from mockserver.spec import Spec


class Links(HTMLParser):
    """Every URL an HTML page loads or links to, and the Swagger UI root's attributes."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []
        self.root: dict[str, str | None] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.urls += [attrs[name] for name in ("src", "href") if attrs.get(name) is not None]
        if attrs.get("id") == "swagger-ui":
            self.root = attrs


def page_links(html: str) -> Links:
    """The parsed links of a page."""
    parser = Links()
    parser.feed(html)
    return parser


@pytest.fixture
def spec_bytes(app) -> bytes:
    """openapi.yaml as it is on disk."""
    return Path(app.extensions["mockserver"].spec.source).read_bytes()


def test_openapi_yaml_is_the_document_byte_for_byte(client, spec_bytes):
    response = client.get("/openapi.yaml")
    assert response.status_code == 200
    assert response.mimetype == "application/yaml"
    assert response.data == spec_bytes


def test_openapi_json_is_the_same_document(client, spec_bytes):
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert json.loads(response.data) == yaml.safe_load(spec_bytes)


@pytest.mark.parametrize("path", ["/openapi.yaml", "/openapi.json"])
def test_documents_revalidate_with_an_etag(client, path):
    first = client.get(path)
    assert first.headers["Cache-Control"] == "no-cache"
    again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.data == b""


def test_the_document_is_read_once_at_start_up(tmp_path):
    copy = tmp_path / "openapi.yaml"
    shutil.copyfile(resources.spec_path(), copy)
    client = create_app({"TESTING": True, "SPEC_PATH": str(copy)}).test_client()
    original = copy.read_bytes()
    copy.unlink()  # a per-request read would now fail
    assert client.get("/openapi.yaml").data == original
    assert "/openapi.yaml" in client.get("/docs").get_data(as_text=True)


@pytest.mark.parametrize("path", ["/docs", "/docs/"])
def test_docs_page_points_swagger_ui_at_the_document(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    links = page_links(response.get_data(as_text=True))
    assert links.root.get("data-spec-url") == "/openapi.yaml"
    assert any(url.endswith("/swagger-ui-bundle.js") for url in links.urls)


def test_docs_page_loads_nothing_from_other_hosts(client):
    html = client.get("/docs").get_data(as_text=True)
    assert not re.search(r"(?i)(https?:)?//[a-z0-9]", html), "the page names another host"
    for url in page_links(html).urls:
        assert url.startswith("/") and not url.startswith("//"), url


def test_every_asset_the_page_uses_is_served_and_cached_for_good(client):
    links = page_links(client.get("/docs").get_data(as_text=True))
    types = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}
    assert len(links.urls) == 5
    for url in links.urls:
        with client.get(url) as response:
            assert response.status_code == 200, url
            assert response.mimetype == types[Path(url).suffix], url
            assert response.data, url
            cache = response.cache_control
        assert cache.public and cache.immutable and cache.max_age == docs.ONE_YEAR, url


def test_page_works_under_a_path_prefix(app):
    client, base = app.test_client(), "http://stub.test:8080/mock"
    links = page_links(client.get("/docs", base_url=base).get_data(as_text=True))
    assert links.root.get("data-spec-url") == "/mock/openapi.yaml"
    assert links.urls and all(url.startswith("/mock/docs/assets/") for url in links.urls)
    for url in links.urls:
        with client.get(url.removeprefix("/mock"), base_url=base) as response:
            assert response.status_code == 200, url


def asset_url(client, name: str) -> str:
    """The page's URL for one of its assets."""
    urls = page_links(client.get("/docs").get_data(as_text=True)).urls
    return next(url for url in urls if url.endswith("/" + name))


@pytest.mark.parametrize(
    "name", ["VERSION", "swagger-ui.js", "index.html", "docs.py", "..%2Fdocs.py"]
)
def test_files_the_page_does_not_use_are_not_served(client, name):
    url = asset_url(client, "init.js").rsplit("/", 1)[0] + "/" + name
    response = client.get(url)
    assert response.status_code == 404
    assert response.is_json


def test_a_stale_asset_fingerprint_is_not_found(client):
    url = asset_url(client, "init.js")
    stamp = url.split("/")[-2]
    response = client.get(url.replace(stamp, "0" * len(stamp)))
    assert response.status_code == 404


def test_docs_add_routes_but_no_per_request_hooks():
    app = Flask(__name__)
    app.extensions["mockserver"] = SimpleNamespace(spec=Spec.load(resources.spec_path()))
    docs.init_app(app)
    rules = {rule.rule for rule in app.url_map.iter_rules()} - {"/static/<path:filename>"}
    assert rules == {"/openapi.yaml", "/openapi.json", "/docs", "/docs/",
                     "/docs/assets/<version>/<name>"}
    hooks = [app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs,
             app.url_value_preprocessors, app.url_default_functions]
    assert all(not funcs for funcs in hooks)


def test_a_missing_swagger_ui_file_is_a_start_up_error(monkeypatch, tmp_path):
    found = SimpleNamespace(submodule_search_locations=[str(tmp_path)])
    monkeypatch.setattr(docs.importlib.util, "find_spec", lambda _name: found)
    (tmp_path / "dist").mkdir()
    with pytest.raises(docs.SpecError, match="lacks swagger-ui.css"):
        docs.swagger_ui_dist()


def test_a_missing_swagger_ui_package_is_a_start_up_error(monkeypatch):
    monkeypatch.setattr(docs.importlib.util, "find_spec", lambda _name: None)
    with pytest.raises(docs.SpecError, match="flask-swagger-ui is not installed"):
        docs.swagger_ui_dist()


def test_the_docs_page_does_not_import_the_swagger_ui_package():
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from mockserver import create_app; "
         "create_app({'RELOAD': False}); print('flask_swagger_ui' in sys.modules)"],
        capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "False"
