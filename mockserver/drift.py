"""`mockserver drift`: the same situations sent to the real service and a local stub, compared."""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .drift_compare import ASPECTS, Observed, Outcome, compare, quoted
from .drift_report import junit, report_json, table
from .errors import ConfigError, MockServerError
from .remote import (
    Answer,
    Remote,
    RemoteError,
    Target,
    ToolParser,
    account_path,
    add_target_options,
)
from .remote import resolve_target as resolve_real

LIST = "/social-account"
UNKNOWN_ID = "cdriftnosuchaccount000000"
# (name, path or None for "a listed account", key role or None for no key)
SITUATIONS: tuple[tuple[str, str | None, str | None], ...] = (
    ("list", LIST, "api_key"),
    ("read a listed account", None, "api_key"),
    ("unknown id", f"/social-account/{UNKNOWN_ID}", "api_key"),
    ("blank id", "/social-account/%20", "api_key"),
    ("no key", LIST, None),
    ("unknown key", LIST, "unknown"),
    ("empty workspace", LIST, "empty_api_key"),
    ("unqualified key", LIST, "unqualified_api_key"),
)
OPTIONAL_ROLES = ("empty_api_key", "unqualified_api_key")


def parser() -> argparse.ArgumentParser:
    """Flags of `mockserver drift`."""
    parser = ToolParser(
        prog="mockserver drift",
        description=(
            "Send the same situations (list, read of a listed account, unknown id, blank id, no "
            "key, unknown key, and the empty and unqualified keys when given) to the real "
            "service and to a local stub, and compare status, media type, envelope, JSON paths "
            "with their types, and message strings (not data values). GET only. Exit 0: no "
            "difference; 1: a difference; 2: a usage error or an unreachable service."
        ),
    )
    add_target_options(parser)
    parser.add_argument("--scenario", default="default", metavar="NAME|FILE",
                        help="the scenario the local stub serves (default %(default)s)")
    parser.add_argument("--fixtures", metavar="DIR",
                        help="folder of scenario files (default: the shipped fixtures/)")
    parser.add_argument("--json", metavar="FILE",
                        help="also write the report as JSON ('-': to stdout, instead of the table)")
    parser.add_argument("--junitxml", metavar="FILE",
                        help="also write a JUnit XML report (one test case per situation)")
    parser.add_argument("--ignore", action="append", default=[], metavar="SITUATION[:ASPECT]",
                        help="a known difference to accept: still shown, marked ignored, but "
                             "not a failure (repeatable; e.g. 'no key:status'; aspects: "
                             f"{', '.join(ASPECTS)})")
    return parser


def ignored(values: Sequence[str]) -> set[tuple[str, str | None]]:
    """The --ignore values as (situation, aspect or None for all); a bad name is one sentence."""
    out: set[tuple[str, str | None]] = set()
    names = [name for name, _, _ in SITUATIONS]
    for value in values:
        situation, _, aspect = (part.strip() for part in value.partition(":"))
        if situation not in names:
            raise ConfigError(f"--ignore {value!r}: no situation {situation!r} (situations: "
                              f"{', '.join(names)})")
        if aspect and aspect not in ASPECTS:
            raise ConfigError(f"--ignore {value!r}: no aspect {aspect!r} (aspects: "
                              f"{', '.join(ASPECTS)})")
        out.add((situation, aspect or None))
    return out


# -- the two sides ------------------------------------------------------------------------------
class Side:
    """One service (real or stub) and the keys it is sent, by role."""

    def __init__(self, remote: Remote, unknown_key: str):
        self.remote = remote
        self.unknown_key = unknown_key
        self.listed_id: str | None = None

    def observe(self, situation: str, path: str | None, role: str | None) -> Observed:
        """Send one situation (or say why it cannot be sent to this side)."""
        keys = self.remote.target.keys
        if role in OPTIONAL_ROLES and role not in keys:
            return Observed(note=f"no key for {situation}")
        if path is None:
            if self.listed_id is None:
                return Observed(note="no account is listed")
            path = account_path(self.listed_id)
        answer = self.remote.get(path, f"key={self.unknown_key}" if role == "unknown" else role)
        observed = Observed.of(answer, self.remote.target.redact)
        if situation == "list" and answer.status == 200:
            self.listed_id = _first_listed(answer)
        return observed


def _first_listed(answer: Answer) -> str | None:
    try:
        grouped = answer.json()["data"]["socialAccounts"]
        return next(a["id"] for accounts in grouped.values() for a in accounts)
    except (ValueError, KeyError, TypeError, StopIteration, AttributeError):
        return None


def stub_keys(workspaces: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """The scenario's keys by role: a populated paid workspace, an empty one, an unpaid one."""
    keys: dict[str, str] = {}
    for key, workspace in workspaces.items():
        access = workspace.get("access", "paid")
        count = sum(len(a) for a in (workspace.get("socialAccounts") or {}).values())
        if access == "paid" and count and "api_key" not in keys:
            keys["api_key"] = key
        elif access == "paid" and not count and "empty_api_key" not in keys:
            keys["empty_api_key"] = key
        elif access == "unpaid" and "unqualified_api_key" not in keys:
            keys["unqualified_api_key"] = key
    if "api_key" not in keys and "empty_api_key" in keys:
        keys["api_key"] = keys["empty_api_key"]
    return keys


@contextmanager
def local_stub(scenario: str, fixtures: str | None) -> Iterator[tuple[str, dict[str, str]]]:
    """The stub on a free loopback port, in this process; yields its URL and keys by role."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    from .app import create_app
    from .record import scenario_loader

    loaded = scenario_loader(fixtures).load(scenario)
    keys = stub_keys(loaded.workspaces)
    if "api_key" not in keys:
        raise ConfigError(f"--scenario {scenario}: no key of the scenario has a paid workspace")
    app = create_app({"SCENARIO": scenario, "FIXTURES_DIR": fixtures, "RELOAD": False})

    class Quiet(WSGIRequestHandler):
        def log(self, *args: Any, **kwargs: Any) -> None:
            """No access log: the report is the output."""

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)
    thread = threading.Thread(target=server.serve_forever, name="drift-stub", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", keys
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def survey(real: Side, stub: Side) -> list[Outcome]:
    """Every situation on both sides, compared."""
    outcomes = []
    for name, path, role in SITUATIONS:
        if role in OPTIONAL_ROLES and role not in real.remote.target.keys:
            continue  # only the situations the caller gave keys for
        seen = real.observe(name, path, role)
        if name == "list" and seen.status in (401, 402):
            # Every situation would differ, and none of it would be drift: the key is wrong.
            said = f" ({quoted(seen.messages)})" if seen.messages else ""
            raise RemoteError(f"{real.remote.origin} refused --api-key with {seen.status}{said}; "
                              "drift needs the key of a workspace with a paid plan")
        outcomes.append(compare(name, seen, stub.observe(name, path, role)))
    return outcomes


def _write(path: str, data: bytes) -> None:
    if path == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    try:
        Path(path).write_bytes(data)
    except OSError as exc:
        raise ConfigError(f"cannot write {path} ({exc.strerror})") from None



# -- the command --------------------------------------------------------------------------------
def run(argv: Sequence[str]) -> int:
    """Compare, print the table (and JSON / JUnit XML); 0 same, 1 different, 2 usage error."""
    args = parser().parse_args(argv)
    target = resolve_real(args, "mockserver drift")
    ignores = ignored(args.ignore)
    unknown_key = "pn-drift-unknown-" + secrets.token_hex(6)
    try:
        with local_stub(args.scenario, args.fixtures) as (stub_url, keys):
            real = Remote(target)
            stub = Remote(Target(stub_url, keys))
            try:
                outcomes = survey(Side(real, unknown_key), Side(stub, unknown_key))
            finally:
                real.close()
                stub.close()
    except RemoteError as exc:
        raise RemoteError(target.redact(str(exc))) from None
    except MockServerError as exc:
        raise type(exc)(target.redact(str(exc))) from None
    for outcome in outcomes:
        outcome.accept(ignores)
    text = target.redact(table(outcomes))
    report = report_json(outcomes, target.base_url, args.scenario)
    if args.json:
        text_json = json.dumps(report, indent=2, ensure_ascii=False)
        _write(args.json, target.redact(text_json).encode() + b"\n")
    if args.junitxml:
        _write(args.junitxml, target.redact(junit(outcomes).decode()).encode())
    if args.json != "-":
        print(text)
        differing = [o.situation for o in outcomes if o.differs]
        accepted = sum(1 for o in outcomes if o.differences and not o.differs)
        print(f"\n{len(differing)} of {len(outcomes)} situations differ"
              + (f": {', '.join(differing)}" if differing else "")
              + (f" ({accepted} more only in ways --ignore accepts)" if accepted else ""))
    return 1 if report["same"] is False else 0
