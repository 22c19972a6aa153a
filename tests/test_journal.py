"""The journal's timing and query recording, taken in a WSGI wrapper and from the environ."""

from __future__ import annotations

import pytest
from conftest import DEMO_KEY

from mockserver import create_app


@pytest.fixture
def journal_app(tmp_path):
    """A stub whose list answers after 60 ms of added latency (a scenario fault)."""
    scenario = tmp_path / "slowish.yaml"
    scenario.write_text("description: slowish list\nextends: default\nfaults:\n"
                        "  - {operation: listSocialAccounts, latencyMs: 60}\n")
    return create_app({"TESTING": True, "SCENARIO": str(scenario)})


def _entries(app):
    return app.extensions["mockserver.journal"].entries()


def test_the_duration_covers_the_handler(journal_app):
    client = journal_app.test_client()
    client.get("/social-account", headers={"embed-api-key": DEMO_KEY})
    client.get("/social-account/nope", headers={"embed-api-key": DEMO_KEY})
    read, listed = _entries(journal_app)
    # The clock starts before routing, so the added latency is inside the duration.
    assert listed["operationId"] == "listSocialAccounts" and listed["durationMs"] >= 60
    assert read["status"] == 404 and 0 <= read["durationMs"]


@pytest.mark.parametrize(("raw", "recorded"), [
    ("", ""),
    ("a=1&b=%20x", "a=1&b=%20x"),
    # WSGI hands over the raw bytes as latin-1 characters; the journal shows them as UTF-8.
    ("name=caf\xc3\xa9", "name=café"),
    ("bad=\xff", "bad=\ufffd"),
], ids=["none", "percent-encoded", "raw UTF-8", "not UTF-8"])
def test_the_query_is_the_raw_query_string(raw, recorded):
    app = create_app({"TESTING": True})
    client = app.test_client()
    client.get("/social-account", headers={"embed-api-key": DEMO_KEY},
               environ_overrides={"QUERY_STRING": raw})
    (entry,) = _entries(app)
    assert entry["query"] == recorded


def test_a_request_that_bypasses_the_wrapper_is_still_recorded():
    # Something that calls the Flask app below the wrapper gets duration 0, not an error.
    app = create_app({"TESTING": True})
    with app.test_request_context("/social-account", headers={"embed-api-key": DEMO_KEY}):
        response = app.full_dispatch_request()
    assert response.status_code == 200
    (entry,) = _entries(app)
    assert entry["durationMs"] == 0.0 and entry["key"] == "pn-d…"


def test_long_paths_and_queries_are_clipped_in_the_journal(client):
    client.get("/social-account/" + "x" * 10_240 + "?q=" + "y" * 5000,
               headers={"embed-api-key": "pn-demo-key"})
    entry = client.get("/__admin/requests").get_json()["requests"][0]
    assert entry["path"] == "/social-account/" + "x" * 1008 + "… (9232 more)"
    assert entry["query"].startswith("q=yyy") and entry["query"].endswith("… (3978 more)")
