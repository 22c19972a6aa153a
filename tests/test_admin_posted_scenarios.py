"""Scenarios posted to the admin API: hostile or oversized bodies refused whole, each name once."""

from __future__ import annotations

import io
import json
import shutil

import pytest
from conftest import DEMO_KEY
from werkzeug.test import EnvironBuilder, run_wsgi_app

from mockserver import create_app, resources
from mockserver.parsing import MAX_DOCUMENT_BYTES


@pytest.mark.parametrize(("body", "message"), [
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ('{"description": NaN}', "NaN is not a JSON number"),
    (b'{"description": "\xff"}', "not UTF-8"),
], ids=["deep", "NaN", "latin-1"])
def test_a_hostile_json_scenario_is_refused_in_one_sentence(app, client, body, message):
    before = app.extensions["mockserver"].store.snapshot
    response = client.post("/__admin/scenario", data=body, content_type="application/json")
    assert response.status_code == 400
    answer = response.get_json()
    assert message in answer["message"]
    reason = answer["message"].removeprefix("scenario refused, nothing changed: ")
    assert answer["problems"] == [reason]
    assert app.extensions["mockserver"].store.snapshot is before
    listed = client.get("/social-account", headers={"embed-api-key": DEMO_KEY})
    assert json.loads(listed.data)["success"] is True


def test_a_chunked_scenario_over_the_limit_is_413_not_cut_short(app):
    # A chunked body has no Content-Length to refuse up front: it must be neither read in full
    # nor cut at 8 MiB and parsed as if that were all of it.
    class Endless(io.RawIOBase):
        sent = 0

        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:
            if Endless.sent > 4 * MAX_DOCUMENT_BYTES:  # a bound for the test, never reached
                return 0
            buffer[:] = b"#" * len(buffer)
            Endless.sent += len(buffer)
            return len(buffer)

    environ = EnvironBuilder("/__admin/scenario", method="POST",
                             content_type="application/yaml").get_environ()
    environ.pop("CONTENT_LENGTH", None)
    environ["wsgi.input"] = io.BufferedReader(Endless())
    environ["wsgi.input_terminated"] = True  # what waitress says of a chunked body
    before = app.extensions["mockserver"].store.snapshot
    body, status, _headers = run_wsgi_app(app, environ)
    assert status == "413 REQUEST ENTITY TOO LARGE"
    assert json.loads(b"".join(body)) == {"success": False,
                                          "message": "a scenario may be at most 8 MiB"}
    assert Endless.sent < 2 * MAX_DOCUMENT_BYTES
    assert app.extensions["mockserver"].store.snapshot is before


def test_a_scenario_in_two_formats_is_listed_once(tmp_path):
    fixtures = tmp_path / "fixtures"
    shutil.copytree(resources.fixtures_dir(), fixtures)
    shutil.copy(fixtures / "empty-workspace.yaml", fixtures / "empty-workspace.yml")
    client = create_app({"TESTING": True, "FIXTURES_DIR": fixtures}).test_client()
    names = [s["name"] for s in client.get("/__admin/scenarios").get_json()["scenarios"]]
    assert names.count("empty-workspace") == 1
    message = client.post("/__admin/scenario", json={"name": "nope"}).get_json()["message"]
    assert message.count("empty-workspace") == 1
