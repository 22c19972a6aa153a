"""Admin safety: loopback by default, a token off loopback, no DNS rebinding, no writes to disk."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest
from conftest import DEMO_KEY

from mockserver import create_app, resources
from mockserver.cli import serve_config, serve_parser
from mockserver.loopback import is_loopback, is_loopback_origin

ADMIN_CALLS = [
    ("GET", "/__admin/scenarios"),
    ("POST", "/__admin/reset"),
    ("GET", "/__admin/requests"),
    ("DELETE", "/__admin/requests"),
    ("GET", "/__admin/health"),
]
PACKAGE = Path(resources.__file__).resolve().parent


def _client(**config):
    return create_app({"TESTING": True, **config}).test_client()


@pytest.mark.parametrize(("method", "path"), ADMIN_CALLS)
def test_off_loopback_without_a_token_the_admin_api_is_closed(method, path):
    client = _client(ADMIN_OPEN=False)
    response = client.open(path, method=method)
    assert response.status_code == 403
    assert "--admin-token" in response.json["message"]
    # The product endpoints stay open.
    assert client.get("/social-account", headers={"embed-api-key": DEMO_KEY}).status_code == 200


@pytest.mark.parametrize("open_", [True, False], ids=["on loopback", "off loopback"])
@pytest.mark.parametrize(("method", "path"), ADMIN_CALLS)
def test_with_a_token_every_admin_call_needs_it(method, path, open_):
    client = _client(ADMIN_TOKEN="s3cret-token", ADMIN_OPEN=open_)
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "s3cret-token"}):
        response = client.open(path, method=method, headers=headers)
        assert response.status_code == 401, headers
        assert "s3cret" not in response.get_data(as_text=True)
    good = client.open(path, method=method, headers={"Authorization": "Bearer s3cret-token"})
    assert good.status_code == 200


@pytest.mark.parametrize(
    "host", ["evil.example", "evil.example:4010", "192.168.1.20:4010", "[::2]"]
)
def test_without_a_token_a_non_loopback_host_header_is_refused(client, host):
    # A page that rebinds its own name to 127.0.0.1 still sends its own name as Host.
    response = client.post(
        "/__admin/scenario", json={"name": "server-errors"}, headers={"Host": host}
    )
    assert response.status_code == 403
    assert client.get("/__admin/health").json["scenario"] == "default"


@pytest.mark.parametrize(
    "host", ["localhost:4010", "127.0.0.1:4010", "127.9.9.9", "[::1]:4010", "localhost"]
)
def test_loopback_host_headers_reach_the_admin_api(client, host):
    assert client.get("/__admin/health", headers={"Host": host}).status_code == 200


def test_admin_cors_only_for_pages_on_this_machine(client):
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    evil = client.options(
        "/__admin/scenario", headers={"Origin": "https://evil.example", **preflight}
    )
    assert "Access-Control-Allow-Origin" not in evil.headers
    local = client.options(
        "/__admin/scenario", headers={"Origin": "http://localhost:3000", **preflight}
    )
    assert local.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
    # The fake product endpoints answer any origin: that is what a frontend on any host needs.
    product = client.get(
        "/social-account", headers={"Origin": "https://app.example", "embed-api-key": DEMO_KEY}
    )
    assert product.headers["Access-Control-Allow-Origin"] == "https://app.example"


def test_a_listed_origin_reaches_the_admin_api():
    client = _client(CORS_ORIGINS=["https://qa.example"])
    response = client.get("/__admin/health", headers={"Origin": "https://qa.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "https://qa.example"


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", True),
        ("localhost", True),
        ("::1", True),
        ("127.1.2.3", True),
        ("0.0.0.0", False),
        ("192.168.0.2", False),
        ("example.com", False),
        ("", False),
        ("::", False),
    ],
)
def test_is_loopback(host, expected):
    assert is_loopback(host) is expected


def test_is_loopback_origin():
    assert is_loopback_origin("http://127.0.0.1:5173")
    assert not is_loopback_origin("http://localhost.evil.example")
    assert not is_loopback_origin("null")


@pytest.mark.parametrize(
    ("argv", "env", "open_", "token"),
    [
        ([], None, True, None),
        (["--host", "0.0.0.0"], None, False, None),
        (["--host", "0.0.0.0", "--admin-token", "t0k"], None, False, "t0k"),
        (["--host", "0.0.0.0"], "from-env", False, "from-env"),
    ],
)
def test_cli_closes_the_admin_api_off_loopback(monkeypatch, argv, env, open_, token):
    if env:
        monkeypatch.setenv("MOCKSERVER_ADMIN_TOKEN", env)
    else:
        monkeypatch.delenv("MOCKSERVER_ADMIN_TOKEN", raising=False)
    config = serve_config(serve_parser().parse_args(argv))
    assert (config["ADMIN_OPEN"], config["ADMIN_TOKEN"]) == (open_, token)


def test_the_stub_never_writes_a_file():
    # Fixtures are read, never written, and no state is saved: no module opens a file to write.
    # The exceptions: the developers' build step that writes the start-up cache, which no module
    # of the stub imports (tests/test_layers.py), and the one place each of `record` and `drift`
    # writes the file its flag names (--out; --json and --junitxml).
    writers = []
    for module in PACKAGE.glob("*.py"):
        if module.name == "build_cache.py":
            continue
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.Attribute) and node.attr in {
                "write_text",
                "write_bytes",
                "mkstemp",
            }:
                writers.append(f"{module.name}:{node.attr}")
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "open":
                writers.append(f"{module.name}:open")
    assert sorted(writers) == ["drift.py:write_bytes", "record.py:mkstemp"]


def test_serving_deleting_resetting_and_reloading_leave_fixture_files_untouched(tmp_path):
    fixtures = tmp_path / "fixtures"
    shutil.copytree(resources.fixtures_dir(), fixtures)
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in fixtures.iterdir()}
    app = create_app({"TESTING": True, "FIXTURES_DIR": str(fixtures)})
    client = app.test_client()
    client.delete("/social-account/cmqi7jyir0003v0m91hxnyyaq", headers={"embed-api-key": DEMO_KEY})
    client.post("/__admin/scenario", json={"name": "many-accounts"})
    client.post("/__admin/reset")
    client.get("/__admin/scenarios")
    app.extensions["mockserver.reloader"].reload_if_changed()
    after = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in fixtures.iterdir()}
    assert after == before


def test_a_posted_alias_bomb_is_refused_and_nothing_changes(client):
    bomb = ["description: bomb", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    bomb += [f"a{i}: &a{i} [{', '.join(f'*a{i - 1}' for _ in range(10))}]" for i in range(1, 9)]
    response = client.post(
        "/__admin/scenario", data="\n".join(bomb), content_type="application/yaml"
    )
    assert response.status_code == 400
    assert "aliases expand it beyond the size limit" in response.json["message"]
    assert client.get("/__admin/health").json["scenario"] == "default"


def test_yaml_tags_that_build_objects_are_refused(client):
    response = client.post(
        "/__admin/scenario",
        content_type="application/yaml",
        data="description: !!python/object/apply:os.system ['echo pwned']\n",
    )
    assert response.status_code == 400
    assert "not valid YAML" in response.json["message"]
