"""`mockserver record`: a server built another way becomes a valid, anonymised scenario."""

from __future__ import annotations

import json
import os
import pty
import re
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml
from contract_servers.app import API_KEY, EMPTY_KEY, SEED, UNPAID_KEY, ContractServer
from contract_servers.serve import serving
from contract_servers.suite import clean_environment, run_suite
from record_servers import PLATFORMS, WorkspaceServer

from mockserver import create_app
from mockserver.anonymise import CUID, Pseudonyms
from mockserver.cli import main
from mockserver.record import parser as record_parser
from mockserver.remote import Pacer, resolve_target, retry_after_seconds

pytest_plugins = ["pytester"]
ALL_KEYS = ("--empty-api-key", EMPTY_KEY, "--unqualified-api-key", UNPAID_KEY)


@pytest.fixture(autouse=True)
def _clean(monkeypatch):
    clean_environment(monkeypatch)
    monkeypatch.delenv("CONTRACT_RATE", raising=False)


@pytest.fixture(scope="module")
def sixty():
    """The 60-account server (conforming), shared by the module: recording only reads it."""
    with serving(WorkspaceServer(60)) as server:
        yield server


def record(capsys, url: str, out: Path, *args: str, key: str | None = API_KEY):
    """Run `mockserver record` in this process; (exit code, stdout, stderr)."""
    argv = ["record", "--base-url", url, "--out", str(out), *args]
    if key is not None:
        argv += ["--api-key", key]
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _originals(server: WorkspaceServer) -> list[str]:
    values = [server.organization_id, server.workspace_id]
    for account in server.accounts:
        values += [account[n] for n in ("id", "accountHandle", "accountName", "accountLogo")]
    return values


def _served_list(app, key: str) -> dict:
    answer = app.test_client().get("/social-account", headers={"embed-api-key": key})
    assert answer.status_code == 200
    return answer.get_json()["data"]["socialAccounts"]


def test_sixty_accounts_become_a_checked_anonymised_servable_file(sixty, tmp_path, capsys):
    sixty.requests.clear()
    out = tmp_path / "customer.yaml"
    code, stdout, stderr = record(capsys, sixty.url, out, *ALL_KEYS)
    assert code == 0, stderr
    assert main(["check", str(out)]) == 0
    assert "1 scenario file(s) checked, 0 invalid" in capsys.readouterr().err
    text = out.read_text()
    leaked = [value for value in _originals(sixty) if value in text]
    assert leaked == []
    # It never sent anything but GET: the list, 60 reads, the empty and the unqualified key.
    assert Counter(method for method, _ in sixty.requests) == {"GET": 63}

    document = yaml.safe_load(text)
    keys = {w.get("access", "paid") + str(bool(w.get("socialAccounts"))): k
            for k, w in document["workspaces"].items()}
    key = keys["paidTrue"]
    assert keys.keys() == {"paidTrue", "paidFalse", "unpaidFalse"}
    assert f"--api-key              {key}" in stdout
    assert f"serve it: mockserver --scenario {out}" in stdout
    assert API_KEY not in stdout + stderr + text and EMPTY_KEY not in text
    workspace = document["workspaces"][key]
    assert re.fullmatch(r"org_\d{4}", workspace["organizationId"])
    assert re.fullmatch(r"ws_\d{4}", workspace["workspaceId"])

    app = create_app({"TESTING": True, "SCENARIO": str(out)})
    served = _served_list(app, key)
    real = {p: [a for a in sixty.accounts if a["platformType"] == p] for p in PLATFORMS}
    assert {p: len(a) for p, a in served.items()} == {p: len(a) for p, a in real.items()}
    for platform in PLATFORMS:
        for fake, original in zip(served[platform], real[platform], strict=True):
            assert CUID.match(fake["id"]) and fake["id"] != original["id"]
            for kept in ("platformType", "accountType", "accessTokenStatus"):
                assert fake[kept] == original[kept]
            read = app.test_client().get(f"/social-account/{fake['id']}",
                                         headers={"embed-api-key": key}).get_json()["data"]
            assert read["usage"] == original["usage"]
            for kept in ("tokenExpiresAt", "createdAt", "updatedAt"):
                assert read["socialAccount"][kept] == original[kept]


def test_the_contract_suite_passes_against_the_served_recording(sixty, tmp_path, capsys,
                                                                 pytester):
    out = tmp_path / "customer.json"
    assert record(capsys, sixty.url, out, *ALL_KEYS)[0] == 0
    document = json.loads(out.read_text())  # a .json --out is written as JSON
    by_role = {}
    for key, workspace in document["workspaces"].items():
        accounts = [a for group in (workspace.get("socialAccounts") or {}).values() for a in group]
        role = workspace.get("access", "paid") + ("" if accounts else "-empty")
        by_role[role] = (key, accounts)
    key, accounts = by_role["paid"]
    with serving(create_app({"SCENARIO": str(out), "RELOAD": False})) as stub:
        outcome = run_suite(pytester, "--base-url", stub.url, "--api-key", key,
                            "--empty-api-key", by_role["paid-empty"][0],
                            "--unqualified-api-key", by_role["unpaid-empty"][0],
                            "--delete-account-id", accounts[-1]["id"])
    assert outcome.ret == 0, outcome.output
    assert outcome.failures == {} and outcome.skipped == {} and outcome.passed >= 28


def test_the_contract_suites_own_server_records_with_its_id_style(tmp_path, capsys):
    with serving(ContractServer()) as server:
        out = tmp_path / "contract.yaml"
        code, stdout, _ = record(capsys, server.url, out)
    assert code == 0
    text = out.read_text()
    originals = [a[n] for a in SEED for n in ("id", "accountHandle", "accountName",
                                              "accountLogo")] + ["org-A", "ws-A"]
    assert [value for value in originals if value in text] == []
    ids = re.findall(r"id: (\S+)", text)
    assert len(ids) == 4 and all(re.fullmatch(r"acc_(LI|IN|TI|TH)_\d{6}", i) for i in ids)
    assert re.search(r"organizationId: org-[A-Z]\n", text)
    assert main(["check", str(out)]) == 0


def test_an_account_gone_between_list_and_read_is_left_out_and_said(tmp_path, capsys):
    server = WorkspaceServer(5)
    server.vanished = {server.accounts[2]["id"]}
    with serving(server):
        code, stdout, _ = record(capsys, server.url, tmp_path / "x.yaml")
    assert code == 0
    assert stdout.startswith("recorded 4 accounts")
    assert "1 listed account(s) answered 404 when read (disconnected meanwhile?)" in stdout


def test_a_workspace_without_accounts_records_as_an_empty_workspace(tmp_path, capsys):
    with serving(WorkspaceServer(0)) as server:
        code, stdout, _ = record(capsys, server.url, tmp_path / "x.yaml", *ALL_KEYS)
    assert code == 0 and stdout.startswith("recorded 0 accounts (linkedin 0, instagram 0, ")
    workspaces = yaml.safe_load((tmp_path / "x.yaml").read_text())["workspaces"]
    assert [w["organizationId"] for w in workspaces.values()] == [
        "org_recorded", "org_empty", "org_unpaid"]


# The contract suite's broken servers: each answer that breaks the document stops the recording.
@pytest.mark.parametrize(("breakage", "sentence"), [
    ("status", "answered 201 to GET /social-account, not 200"),
    ("content-type", "does not match openapi.yaml (its Content-Type is text/plain; "
                     "charset=utf-8, not JSON)"),
    ("missing-platform", "does not match openapi.yaml (the 200 body breaks the schema at "
                         "data/socialAccounts: 'threads' is a required property)"),
    ("wrong-platform", "the list shows account 'acc_TI_000003' under 'instagram' but its "
                       "platformType is 'tiktok'"),
    ("negative-count", "breaks the schema at data/usage/1/_count: -1 is less than the minimum"),
    ("duplicate-usage", "GET /social-account/acc_TH_000004 answers more than one usage row for "
                        "status 'PUBLISHED'"),
    ("unknown-key", None),  # not met by a recording: it only reads with a known key
    ("redirect", "answered GET /social-account with a redirect (307 to "
                 "'http://localhost:9/social-account'); redirects are not followed"),
    ("html", "answered 502 to GET /social-account, not 200"),
    ("invalid-json", "does not match openapi.yaml (the 200 body is not JSON)"),
])
def test_an_answer_that_breaks_the_document_is_exit_2(tmp_path, capsys, breakage, sentence):
    server = ContractServer()
    server.reset(breakage)
    with serving(server):
        code, _, stderr = record(capsys, server.url, tmp_path / "x.yaml")
    if sentence is None:
        assert code == 0
        return
    assert code == 2 and sentence in stderr and stderr.count("\n") == 1, stderr
    assert list(tmp_path.iterdir()) == []


def test_undocumented_fields_are_listed_and_not_written(tmp_path, capsys):
    with serving(WorkspaceServer(3, extra_field=True)) as server:
        code, stdout, _ = record(capsys, server.url, tmp_path / "x.yaml")
    assert code == 0
    assert ("undocumented fields the service sent (not written into the scenario):\n"
            "  $.data.socialAccount.internalNote (in 3 answers)") in stdout
    assert "internalNote" not in (tmp_path / "x.yaml").read_text()


def test_keep_real_values_warns_and_keeps_them_but_never_the_key(tmp_path, capsys):
    out = tmp_path / "real.yaml"
    with serving(WorkspaceServer(5)) as server:
        code, stdout, stderr = record(capsys, server.url, out, "--keep-real-values")
    assert code == 0
    assert "warning: --keep-real-values writes real ids, handles, names and logo URLs" in stderr
    text = out.read_text()
    assert all(value in text for value in _originals(server))
    assert API_KEY not in text + stdout + stderr


# -- refusals: one sentence, exit 2, nothing written --------------------------------------------
def _closed_port_url() -> str:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


@pytest.mark.parametrize(("case", "sentence"), [
    ("unreachable", "cannot reach http://127.0.0.1:"),
    ("wrong key", "refused --api-key with 401 ('Unable to find embed details"),
    ("unpaid key", "refused --api-key with 402 ('Embed API requires a paid main plan"),
    ("broken answer", "does not match openapi.yaml (the 200 body breaks the schema at "
                      "data/socialAccount/accountName: 42 is not of type 'string')"),
    ("not refused", "answered 200 to --unqualified-api-key, not the 402"),
    ("rate limited", "answered 429 to GET /social-account and asks to wait 3600 s"),
])
def test_a_failure_is_one_sentence_exit_2_and_leaves_no_file(tmp_path, capsys, case, sentence):
    out = tmp_path / "customer.yaml"
    out.write_text("the previous recording\n")
    quirks = {"broken answer": {"broken_read": True},
              "rate limited": {"rate_limit": 1, "retry_after": "3600"}}.get(case, {})
    with serving(WorkspaceServer(4, **quirks)) as server:
        url = _closed_port_url() if case == "unreachable" else server.url
        key = {"wrong key": "pn-wrong-key-12345", "unpaid key": UNPAID_KEY}.get(case, API_KEY)
        extra = ("--unqualified-api-key", EMPTY_KEY) if case == "not refused" else ()
        code, stdout, stderr = record(capsys, url, out, *extra, key=key)
    assert code == 2
    assert stderr.startswith("mockserver: error: ") and stderr.count("\n") == 1, stderr
    assert sentence in stderr
    assert "Traceback" not in stderr and "pn-wrong-key-12345" not in stderr
    assert out.read_text() == "the previous recording\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["customer.yaml"]


def test_a_key_the_service_echoes_is_masked(tmp_path, capsys):
    class Echo(WorkspaceServer):
        def answer(self, environ):
            key = environ.get("HTTP_EMBED_API_KEY", "")
            return 401, {"status": False, "message": f"no such key {key}"}

    with serving(Echo(1)) as server:
        code, _, stderr = record(capsys, server.url, tmp_path / "x.yaml",
                                 key="pn-secret-echoed-key")
    assert code == 2
    assert "no such key pn-s…" in stderr and "pn-secret-echoed-key" not in stderr


@pytest.mark.parametrize(("argv", "environment", "sentence"), [
    ([], {}, "mockserver record needs --base-url URL (or CONTRACT_BASE_URL)"),
    (["--base-url", "http://x"], {}, "mockserver record needs --api-key KEY (or EMBED_API_KEY)"),
    (["--base-url", "ftp://x", "--api-key", "k"], {}, "--base-url must be an http:// or https://"),
    (["--base-url", "http://x"], {"EMBED_API_KEY": "a\nb"}, "contains a control character"),
    (["--base-url", "http://x", "--api-key", "k"], {"CONTRACT_RATE": "fast"},
     "--rate (CONTRACT_RATE) must be a number of requests per second between 0 and 1000, "
     "not 'fast'"),
    (["--base-url", "http://x", "--api-key", "k", "--timeout", "0"], {},
     "--timeout (CONTRACT_TIMEOUT) must be a number of seconds between 0 and 600, not '0'"),
])
def test_bad_settings_are_one_sentence(tmp_path, capsys, monkeypatch, argv, environment, sentence):
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert main(["record", "--out", str(tmp_path / "x.yaml"), *argv]) == 2
    assert sentence in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("out", "sentence"), [
    ("x.txt", "--out must end in .yaml, .yml, .json, not"),
    ("nowhere/x.yaml", "does not exist"),
])
def test_a_bad_out_path_is_refused_before_anything_is_sent(sixty, tmp_path, capsys, out,
                                                           sentence):
    sixty.requests.clear()
    code, _, stderr = record(capsys, sixty.url, tmp_path / out)
    assert code == 2 and sentence in stderr and sixty.requests == []


def test_ctrl_c_midway_writes_nothing_and_prints_no_traceback(tmp_path):
    class Interrupting(WorkspaceServer):
        victim = 0

        def answer(self, environ):
            if len(self.requests) == 3:  # the recorder waits for this answer: interrupt it
                os.kill(self.victim, signal.SIGINT)
            return super().answer(environ)

    with serving(Interrupting(6)) as server:
        process = subprocess.Popen(
            [sys.executable, "-m", "mockserver", "record", "--base-url", server.url, "--out",
             str(tmp_path / "x.yaml")], env={**os.environ, "EMBED_API_KEY": API_KEY},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        server.victim = process.pid
        stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    out = tmp_path / "x.yaml"
    assert stderr.strip() == f"mockserver record: interrupted; {out} was not written"
    assert list(tmp_path.iterdir()) == []


# -- pacing, 429 and the terminal ---------------------------------------------------------------
def test_429_is_waited_out_and_counted(tmp_path, capsys):
    with serving(WorkspaceServer(6, rate_limit=3, retry_after="0")) as server:
        code, stdout, _ = record(capsys, server.url, tmp_path / "x.yaml")
        statuses = len(server.requests)
    assert code == 0
    assert "rate limited 3 time(s); waited as Retry-After asked" in stdout
    assert statuses == 1 + 6 + 3


def test_the_rate_comes_from_the_flag_then_contract_rate(monkeypatch):
    monkeypatch.setenv("CONTRACT_RATE", "4")
    base = ["--out", "x.yaml", "--base-url", "http://x", "--api-key", "k"]
    assert resolve_target(record_parser().parse_args(base), "r").rate == 4
    assert resolve_target(record_parser().parse_args([*base, "--rate", "0.5"]), "r").rate == 0.5


def test_the_pacer_spaces_requests_by_one_over_the_rate():
    now, slept = [100.0], []

    def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds

    pacer = Pacer(4, clock=lambda: now[0], sleep=sleep)
    for _ in range(5):
        pacer.wait()
    now[0] += 1.0  # a slow answer: no wait needed after it
    pacer.wait()
    assert slept == [0.25, 0.25, 0.25, 0.25]
    assert Pacer(None, sleep=sleep).interval == 0


def test_retry_after_in_seconds_or_as_a_date():
    assert retry_after_seconds("7") == 7
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:30 GMT", now=1445412480) == 30
    assert retry_after_seconds(None) == retry_after_seconds("soon") == 1.0


def _stderr_on_a_terminal(argv) -> str:
    leader, follower = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "mockserver", *argv],
                               env={**os.environ, "EMBED_API_KEY": API_KEY},
                               stdout=subprocess.DEVNULL, stderr=follower)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    assert process.wait(timeout=120) == 0
    os.close(leader)
    return b"".join(chunks).decode()


def test_a_progress_bar_only_on_a_terminal(tmp_path, capsys):
    with serving(WorkspaceServer(10)) as server:
        argv = ["record", "--base-url", server.url, "--out", str(tmp_path / "x.yaml")]
        on_terminal = _stderr_on_a_terminal(argv)
        assert "reading accounts 1/10 [###" in on_terminal
        assert f"\rreading accounts 10/10 [{'#' * 30}]" in on_terminal
        code, _, elsewhere = record(capsys, server.url, tmp_path / "y.yaml")  # not a terminal
    assert code == 0 and elsewhere == ""


# -- pseudonyms ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("real", "style"), [
    ("cmqi7jyir0003v0m91hxnyyaq", r"c[a-z0-9]{24}"),
    ("org_123", r"org_\d{3}"),
    ("acc_TH_000004", r"acc_TH_\d{6}"),
    ("ws-A", r"ws-[A-Z]"),
    ("550e8400-e29b-41d4-a716-446655440000", r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-"
                                              r"[0-9a-f]{12}"),
    ("user-johnsmith-42", r"user-[a-z]{9}-\d\d"),
])
def test_a_pseudonym_keeps_the_ids_style_and_is_stable(real, style):
    names = Pseudonyms()
    fake = names.id(real)
    assert re.fullmatch(style, fake) and fake != real
    assert names.id(real) == fake and names.id(real + "x") != fake


def test_pseudonyms_never_equal_a_real_value():
    names = Pseudonyms(seed=1)
    names.reserve(["account-1", "Account 1", *(f"org_{n}" for n in range(10))])
    assert names.handle("alice") == "account-2" and names.handle("alice") == "account-2"
    assert names.name("Alice") == "Account 2"
    assert names.logo("") == ""
    fakes = {names.id(f"org_{n}") for n in range(10)}
    # Ten one-digit ids cannot all get another one-digit id: the rest grow by a digit.
    assert len(fakes) == 10 and not fakes & {f"org_{n}" for n in range(10)}
    assert all(re.fullmatch(r"org_\d+", fake) for fake in fakes)
