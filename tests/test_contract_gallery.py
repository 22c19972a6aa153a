"""Servers that follow the page but are built another way pass the whole suite."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import requests
from contract_servers.app import SECRETS
from contract_servers.gallery import GALLERY, GalleryServer, serving_gallery
from contract_servers.suite import ALL_KEYS, TESTS, Outcome, clean_environment, run_suite
from stub_process import running_stub

pytest_plugins = ["pytester"]


def _times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


def _blank_id_probed_with_white_space(outcome: Outcome, server: GalleryServer) -> None:
    assert "/social-account/%20" in server.paths and "/social-account/" not in server.paths
    assert server.seen["express list"] == 0  # the suite never asked for the list that way


def _rate_limits_waited_out(outcome: Outcome, server: GalleryServer) -> None:
    n = server.seen["429"]
    assert n > 0
    assert f"The target answered 429 {_times(n)}; the suite waited {float(n):.1f} s" in (
        outcome.output)
    assert "Every such request succeeded on a retry." in outcome.output


def _overload_waited_out(outcome: Outcome, server: GalleryServer) -> None:
    assert server.seen["503"] > 0
    assert f"The target answered 503 {_times(server.seen['503'])}" in outcome.output


def _fields_listed(outcome: Outcome, server: GalleryServer) -> None:
    assert "contract: undocumented fields" in outcome.output
    for field in ("$.requestId in DELETE /social-account/{id} 200",
                  "$.data.socialAccounts.linkedin[*].profileUrl in GET /social-account 200",
                  "$.data.socialAccount.timezone in GET /social-account/{id} 200"):
        assert field in outcome.output


def _did(*what: str) -> Callable[[Outcome, GalleryServer], None]:
    def check(outcome: Outcome, server: GalleryServer) -> None:
        for done in what:
            assert server.seen[done] > 0, f"the server never did {done!r}: {dict(server.seen)}"
    return check


# quirk -> what else the run must show, so that a pass proves the quirk was met
EXERCISED: dict[str, Callable[[Outcome, GalleryServer], None]] = {
    "express routing of /social-account/": _blank_id_probed_with_white_space,
    "gzip bodies": _did("gzip"),
    "chunked bodies": _did("chunked"),
    "undocumented extra fields": _fields_listed,
    "periodic 429 with Retry-After": _rate_limits_waited_out,
    "periodic 503 with an HTTP-date Retry-After": _overload_waited_out,
    "Connection: close": _did("closed"),
    "keep-alive dropped after each answer": _did("closed"),
    "HTTP/1.0 answers": _did("closed"),
    "all of it at once, behind a load balancer": _did("gzip", "chunked", "429", "503", "closed"),
}


@pytest.fixture(scope="module")
def gallery():
    """One gallery server for the module; each test picks its quirks."""
    with serving_gallery() as server:
        yield server


@pytest.fixture
def suite(gallery, pytester, monkeypatch):
    """Run the whole suite against the gallery server with one set of quirks."""
    clean_environment(monkeypatch)

    def run(name, *args):
        gallery.reset(GALLERY[name])
        return run_suite(pytester, "--base-url", gallery.base_url(), *ALL_KEYS, *args)

    return run


@pytest.mark.parametrize("name", list(GALLERY))
def test_a_conforming_server_built_another_way_passes(suite, gallery, name):
    outcome = suite(name)
    assert outcome.ret == 0, outcome.output[-4000:]
    assert outcome.passed == TESTS and outcome.failures == {} and outcome.skipped == {}
    EXERCISED.get(name, lambda *_: None)(outcome, gallery)
    if "closed a kept-alive connection" in outcome.output:  # a race: some runs meet it
        assert "sent those GETs again on a new connection" in outcome.output
    assert not any(secret in outcome.output for secret in SECRETS)
    assert "Traceback" not in outcome.output


def test_undocumented_extra_fields_fail_with_strict_naming_the_field(suite):
    outcome = suite("undocumented extra fields", "--strict")
    assert outcome.ret == 1
    text = outcome.failure("test_the_list_answers_200_with_the_documented_body")
    assert "Undocumented fields in the answer (a failure because of --strict)" in text
    assert "$.requestId" in text and "$.data.socialAccounts.linkedin[0].profileUrl" in text


NODE_KEYS = ("--api-key", "pn-node-populated-5d1e8c", "--empty-api-key", "pn-node-empty-77a0b2",
             "--unqualified-api-key", "pn-node-unpaid-c4f913",
             "--delete-account-id", "clx0tiktok000000000000004")


@pytest.fixture(scope="module")
def node_server():
    """tests/contract_servers/express_like.js under Node: a stack that shares no code with ours."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the independent Node server can't run")
    script = Path(__file__).parent / "contract_servers" / "express_like.js"
    with running_stub(command=[node, str(script)]) as url:
        yield url


@pytest.mark.parametrize("strict", [False, True], ids=["default", "--strict"])
def test_an_independent_node_server_passes(node_server, pytester, monkeypatch, strict):
    clean_environment(monkeypatch)
    requests.post(f"{node_server}/__reset", timeout=10)
    args = ("--strict",) if strict else ()
    outcome = run_suite(pytester, "--base-url", node_server, *NODE_KEYS, *args)
    assert outcome.ret == 0, outcome.output[-4000:]
    assert outcome.passed == TESTS and outcome.failures == {} and outcome.skipped == {}
    stats = requests.get(f"{node_server}/__stats", timeout=10).json()
    assert stats["gzip"] > 0 and stats["chunked"] > 0 and stats["429"] > 0, stats
    assert "/social-account/%20" in stats["paths"] and "/social-account/" not in stats["paths"]
    assert f"The target answered 429 {_times(stats['429'])}" in outcome.output
    assert "contract: undocumented fields" not in outcome.output
