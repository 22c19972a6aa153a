"""`mockserver drift`: the real service and the stub in the same situations, side by side."""

from __future__ import annotations

import json
import re
from collections import Counter
from xml.etree import ElementTree

import pytest
from contract_servers.app import API_KEY, EMPTY_KEY, SECRETS, UNPAID_KEY, ContractServer
from contract_servers.serve import serving
from contract_servers.suite import clean_environment
from record_servers import WorkspaceServer

from mockserver.cli import main
from mockserver.drift_compare import Observed, compare
from mockserver.drift_report import table

KEYS = ("--api-key", API_KEY, "--empty-api-key", EMPTY_KEY, "--unqualified-api-key", UNPAID_KEY)


@pytest.fixture(autouse=True)
def _clean(monkeypatch):
    clean_environment(monkeypatch)
    monkeypatch.delenv("CONTRACT_RATE", raising=False)
    monkeypatch.setenv("COLUMNS", "140")


def drift(capsys, url: str, *args: str, keys=KEYS):
    """Run `mockserver drift` in this process: (exit code, stdout, stderr)."""
    code = main(["drift", "--base-url", url, *keys, *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_conforming_server_built_another_way_shows_no_drift(capsys, tmp_path):
    with serving(WorkspaceServer(60)) as server:
        code, stdout, stderr = drift(capsys, server.url, "--json", str(tmp_path / "d.json"),
                                     "--junitxml", str(tmp_path / "d.xml"))
        methods = Counter(method for method, _ in server.requests)
    assert code == 0, stdout + stderr
    assert "0 of 8 situations differ" in stdout
    assert methods == {"GET": 8}  # never a DELETE
    report = json.loads((tmp_path / "d.json").read_text())
    assert report["same"] is True
    assert [s["same"] for s in report["situations"]] == ["yes"] * 8
    suite = ElementTree.parse(tmp_path / "d.xml").getroot().find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("8", "0", "0")
    assert not any(secret in stdout + (tmp_path / "d.json").read_text() for secret in SECRETS)


def test_a_changed_404_message_is_drift_shown_side_by_side(capsys, tmp_path):
    with serving(WorkspaceServer(3, not_found_message="Social account does not exist")) as server:
        code, stdout, _ = drift(capsys, server.url, "--json", str(tmp_path / "d.json"))
    assert code == 1
    rows = [line for line in stdout.splitlines() if line.startswith("  message")]
    assert len(rows) == 1
    assert re.match(r'  message +"Social account does not exist" +"Social account not found" +NO$',
                    rows[0])
    assert "1 of 8 situations differ: unknown id" in stdout
    report = json.loads((tmp_path / "d.json").read_text())
    differing = {s["situation"]: s["differences"] for s in report["situations"]
                 if s["differences"]}
    assert differing == {"unknown id": [{"aspect": "message",
                                         "real": '"Social account does not exist"',
                                         "stub": '"Social account not found"',
                                         "ignored": False}]}


def test_the_contract_suites_server_differs_exactly_where_it_really_does(capsys, tmp_path):
    # It reads with accountType (the stub's read omits it, as the page's example does) and
    # answers no key with the other documented answer, 422 "Token is required for this call.".
    with serving(ContractServer()) as server:
        code, stdout, _ = drift(capsys, server.url, "--json", "-")
    assert code == 1
    report = json.loads(stdout)
    differing = {s["situation"]: s["differences"] for s in report["situations"]
                 if s["differences"]}
    assert differing == {
        "read a listed account": [{"aspect": "paths", "stub": "(same)", "ignored": False,
                                   "real": "$.data.socialAccount.accountType: string (only here)"}],
        "no key": [{"aspect": "status", "real": "422", "stub": "401", "ignored": False},
                   {"aspect": "message", "real": '"Token is required for this call."',
                    "stub": '"Unauthorized"', "ignored": False}],
    }


def test_a_known_difference_can_be_accepted_and_stays_shown(capsys, tmp_path):
    with serving(ContractServer()) as server:
        code, stdout, _ = drift(capsys, server.url, "--ignore", "no key",
                                "--ignore", "read a listed account:paths",
                                "--junitxml", str(tmp_path / "d.xml"))
        again, partly, _ = drift(capsys, server.url, "--ignore", "no key:message")
    assert code == 0
    assert re.search(r"no key +422 application/json status: false +401 application/json "
                     r"status: false +ignored", stdout)
    assert re.search(r'  message +"Token is required for this call." +"Unauthorized" +ignored',
                     stdout)
    assert "0 of 8 situations differ (2 more only in ways --ignore accepts)" in stdout
    suite = ElementTree.parse(tmp_path / "d.xml").getroot().find("testsuite")
    assert suite.get("failures") == "0"
    # Accepting the message alone leaves the status: still drift.
    assert again == 1
    assert "2 of 8 situations differ: read a listed account, no key" in partly


@pytest.mark.parametrize(("value", "sentence"), [
    ("no keys", "--ignore 'no keys': no situation 'no keys' (situations: list, read a listed "
                "account, unknown id"),
    ("no key:body", "--ignore 'no key:body': no aspect 'body' (aspects: status, media type, "
                    "envelope, message, paths)"),
])
def test_an_unknown_ignore_name_is_a_usage_error(capsys, value, sentence):
    assert main(["drift", "--base-url", "http://127.0.0.1:9", "--api-key", "k",
                 "--ignore", value]) == 2
    assert sentence in capsys.readouterr().err


def test_the_junit_report_fails_the_differing_situation(capsys, tmp_path):
    with serving(WorkspaceServer(2, not_found_message="Gone")) as server:
        assert drift(capsys, server.url, "--junitxml", str(tmp_path / "d.xml"))[0] == 1
    suite = ElementTree.parse(tmp_path / "d.xml").getroot().find("testsuite")
    failed = {case.get("name"): case.find("failure") for case in suite.iter("testcase")
              if case.find("failure") is not None}
    assert list(failed) == ["unknown id"]
    assert 'real: "Gone"\n  stub: "Social account not found"' in failed["unknown id"].text


def test_the_scenario_option_changes_the_stub(capsys):
    with serving(WorkspaceServer(3)) as server:
        code, stdout, _ = drift(capsys, server.url, "--scenario", "empty-workspace",
                                keys=("--api-key", API_KEY))
    # The stub has no account to read: not compared, and not drift; an empty list hides nothing.
    assert code == 0
    assert re.search(r"read a listed account +200 application/json success: true +no account "
                     r"is listed +not compared", stdout)
    assert "0 of 6 situations differ" in stdout


def test_only_the_situations_with_keys_are_sent(capsys):
    with serving(WorkspaceServer(1)) as server:
        code, stdout, _ = drift(capsys, server.url, keys=("--api-key", API_KEY))
    assert code == 0
    assert "empty workspace" not in stdout and "unqualified key" not in stdout


@pytest.mark.parametrize(("args", "sentence"), [
    (["--api-key", "k"], "mockserver drift needs --base-url URL (or CONTRACT_BASE_URL)"),
    (["--base-url", "http://127.0.0.1:9"], "mockserver drift needs --api-key KEY"),
    (["--base-url", "http://127.0.0.1:9", "--api-key", "k", "--scenario", "nope"],
     "'nope': no such scenario"),
    (["--base-url", "http://127.0.0.1:9", "--api-key", "k", "--bogus"],
     "unrecognized arguments: --bogus"),
])
def test_a_usage_error_is_exit_2_in_one_sentence(capsys, args, sentence):
    assert main(["drift", *args]) == 2
    err = capsys.readouterr().err
    assert sentence in err and err.count("\n") == 1


def test_an_unreachable_service_is_exit_2(capsys):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    code, stdout, stderr = drift(capsys, url)
    assert code == 2 and stdout == ""
    assert stderr.startswith(f"mockserver: error: cannot reach {url} (")
    assert API_KEY not in stderr


@pytest.mark.parametrize(("key", "sentence"), [
    ("pn-not-a-real-key-1", 'refused --api-key with 401 ("Unable to find embed details'),
    (UNPAID_KEY, 'refused --api-key with 402 ("Embed API requires a paid main plan'),
])
def test_a_refused_key_is_exit_2_not_drift(capsys, key, sentence):
    with serving(WorkspaceServer(1)) as server:
        code, stdout, stderr = drift(capsys, server.url, keys=("--api-key", key))
    assert code == 2 and stdout == ""
    assert sentence in stderr and stderr.count("\n") == 1 and key not in stderr


def test_the_key_an_answer_echoes_is_masked_in_every_report(capsys, tmp_path):
    class Echo(WorkspaceServer):
        def answer(self, environ):
            status, body = super().answer(environ)
            if status == 404:
                body = {"success": False, "message": f"{body['message']} for {API_KEY}"}
            return status, body

    with serving(Echo(1)) as server:
        code, stdout, _ = drift(capsys, server.url, "--json", str(tmp_path / "d.json"),
                                "--junitxml", str(tmp_path / "d.xml"))
    assert code == 1
    for text in (stdout, (tmp_path / "d.json").read_text(), (tmp_path / "d.xml").read_text()):
        assert "SECRET" not in text and "sk-c…" in text


# -- the comparison itself ----------------------------------------------------------------------
def _observed(status: int, body) -> Observed:
    from mockserver.remote import Answer

    return Observed.of(Answer("/x", status, "application/json", json.dumps(body).encode()))


def test_a_type_change_is_drift_and_values_are_not():
    real = _observed(200, {"data": {"usage": [{"status": "A", "_count": "3"}]}})
    stub = _observed(200, {"data": {"usage": [{"status": "B", "_count": 7}]}})
    outcome = compare("read", real, stub)
    assert [(d.aspect, d.real, d.stub) for d in outcome.differences] == [
        ("paths", "$.data.usage[]._count: string", "$.data.usage[]._count: integer")]
    assert compare("read", stub, _observed(200, {"data": {"usage": [
        {"status": "Z", "_count": 0}]}})).differences == []


def test_paths_under_an_empty_array_are_not_compared():
    real = _observed(200, {"a": [{"id": "x", "extra": 1}], "b": []})
    stub = _observed(200, {"a": [], "b": [{"id": "y"}]})
    assert compare("list", real, stub).differences == []
    missing = compare("list", _observed(200, {"a": [{"id": "x"}]}), _observed(200, {"a": [{}]}))
    assert [(d.real, d.stub) for d in missing.differences] == [
        ("$.a[].id: string (only here)", "(same)")]


def test_the_table_wraps_long_cells_side_by_side():
    long = "Embed API requires a paid main plan with the API Credits add-on, or an active one."
    outcome = compare("unqualified key", _observed(402, {"status": False, "message": long}),
                      _observed(402, {"status": False, "message": "Payment required"}))
    lines = table([outcome], width=100).splitlines()
    assert lines[2].startswith("unqualified key") and lines[2].endswith("NO")
    message = next(i for i, line in enumerate(lines) if line.startswith("  message"))
    assert lines[message].endswith("NO") and '"Payment required"' in lines[message]
    assert '"Embed API requires' in lines[message] and "add-on" in lines[message + 2]
    assert all(len(line) <= 100 for line in lines)
