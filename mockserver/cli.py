"""The `mockserver` command: serve a scenario, lint scenario files, print the scenario schema."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .engine import ENGINES, listen
from .errors import ConfigError, MockServerError, ScenarioError
from .loopback import is_loopback

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4010
ADMIN_TOKEN_ENV = "MOCKSERVER_ADMIN_TOKEN"
DISTRIBUTION = "postnitro-social-accounts-mock"
WILDCARDS = ("0.0.0.0", "::", "")
ORIGIN = re.compile(r"^(null|[a-z][a-z0-9+.-]*://[^/?#\s]+)$", re.IGNORECASE)


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad flag is one sentence on stderr rather than a usage dump."""

    def error(self, message: str):  # type: ignore[override]
        raise ConfigError(f"{message} (see `{self.prog} --help`)")


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--port must be a number, not {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"--port must be between 0 and 65535, not {port}")
    return port


def _origin(text: str) -> str:
    if not ORIGIN.match(text):
        raise argparse.ArgumentTypeError(
            f"--cors-origin must be an origin such as http://localhost:3000 (no path), not {text!r}"
        )
    # As a browser writes it in `Origin`, which is what it is compared with: scheme and host in
    # lower case, and no port where it is the scheme's default.
    origin = text.lower()
    head, colon, port = origin.rpartition(":")
    if colon and port.isdigit() and "//" in head:
        port = str(int(port))  # `:080` is port 80
        default = {"http": "80", "https": "443"}.get(head.split(":", 1)[0])
        origin = head if port == default else f"{head}:{port}"
    return origin


class _Version(argparse.Action):
    """`--version`: the installed package's version, looked up only when asked for."""

    def __init__(self, option_strings: Sequence[str], dest: str, **_: Any):
        super().__init__(option_strings, dest, nargs=0, help="print the version and exit")

    def __call__(self, parser, namespace, values, option_string=None):
        from importlib.metadata import PackageNotFoundError, version

        try:
            text = version(DISTRIBUTION)
        except PackageNotFoundError:
            text = "(version unknown: the package is not installed)"
        print(f"{parser.prog} {text}")
        parser.exit()


def browse_url(host: str, port: int) -> str:
    """The URL to open for a listening address: a wildcard address becomes loopback."""
    host = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(host, host)
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def serve_parser() -> argparse.ArgumentParser:
    """Flags of `mockserver` (serve)."""
    parser = _Parser(
        prog="mockserver",
        description=(
            "Serve the Social Accounts stub. Other commands: `mockserver check [PATH ...]` lints "
            "scenario files; `mockserver schema` prints the scenario-file JSON Schema; "
            "`mockserver record` writes a real workspace as an anonymised scenario; "
            "`mockserver drift` compares the real service's answers with the stub's."
        ),
    )
    parser.add_argument("--version", action=_Version)
    parser.add_argument(
        "--host", default=DEFAULT_HOST, help="address to listen on (default %(default)s)"
    )
    parser.add_argument(
        "--port", type=_port, default=DEFAULT_PORT, help="port (default %(default)s)"
    )
    parser.add_argument(
        "--fixtures",
        metavar="DIR",
        help="folder of scenario files (default: the shipped fixtures/)",
    )
    parser.add_argument(
        "--scenario",
        default="default",
        metavar="NAME|FILE",
        help="scenario name in the fixtures folder, or a file path (default %(default)s)",
    )
    parser.add_argument(
        "--validate-responses",
        action="store_true",
        help="check every response against openapi.yaml and log any departure",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=32,
        help="requests answered at once, at most; latency faults hold one each while they wait "
        "(default %(default)s)",
    )
    parser.add_argument(
        "--engine",
        choices=ENGINES,
        default="auto",
        help="HTTP engine: granian (Rust, fast) where it loads, else waitress "
        "(default %(default)s)",
    )
    parser.add_argument(
        "--cors-origin",
        type=_origin,
        action="append",
        metavar="ORIGIN",
        help="answer browsers only from this origin (repeatable; default: any "
        "origin is echoed back)",
    )
    parser.add_argument("--no-cors", action="store_true", help="send no CORS headers at all")
    parser.add_argument(
        "--no-reload",
        action="store_true",
        help="do not reload the scenario when its files change on disk",
    )
    parser.add_argument(
        "--no-replay",
        action="store_true",
        help="answer every request through the whole app, a repeat too (the answers are the "
        "same; only the speed differs)",
    )
    parser.add_argument(
        "--max-sessions",
        type=int,
        metavar="N",
        # The default is the app's (sessions.DEFAULT_LIMIT); a test keeps this text in step.
        help="sessions (X-Mock-Session) kept at once; the least recently used is ended beyond "
        "that (default 1000)",
    )
    parser.add_argument(
        "--admin-token",
        metavar="TOKEN",
        default=os.environ.get(ADMIN_TOKEN_ENV),
        help="require `Authorization: Bearer TOKEN` on /__admin/ (default: "
        f"${ADMIN_TOKEN_ENV}); needed for the admin API off loopback",
    )
    return parser


def serve_config(args: argparse.Namespace) -> dict[str, Any]:
    """The app configuration the serve flags ask for."""
    if args.threads < 1:
        raise ConfigError(f"--threads must be at least 1, not {args.threads}")
    if args.max_sessions is not None and args.max_sessions < 1:
        raise ConfigError(f"--max-sessions must be at least 1, not {args.max_sessions}")
    if args.no_cors and args.cors_origin:
        raise ConfigError("--no-cors and --cors-origin contradict each other; give one")
    if args.fixtures and not Path(args.fixtures).is_dir():
        raise ScenarioError(
            "the fixtures folder does not exist", source=f"--fixtures {args.fixtures}"
        )
    config = {
        "FIXTURES_DIR": args.fixtures,
        "SCENARIO": args.scenario,
        "VALIDATE_RESPONSES": args.validate_responses,
        "CORS": not args.no_cors,
        "CORS_ORIGINS": args.cors_origin,
        "RELOAD": not args.no_reload,
        "ADMIN_TOKEN": args.admin_token or None,
        "ADMIN_OPEN": is_loopback(args.host),
    }
    if args.max_sessions is not None:
        config["MAX_SESSIONS"] = args.max_sessions
    if args.no_replay:
        config["REPLAY_LIMIT"] = 0
    return config


def _describe(app, url: str, host: str = DEFAULT_HOST, broken: Sequence[str] = ()) -> str:
    from .admin import PREFIX

    stub = app.extensions["mockserver"]
    scenario = stub.store.scenario
    lines = [f"mockserver: scenario {scenario.name!r} ({scenario.description}) at {url}"]
    if host in WILDCARDS:
        lines.append(f"listening on every address of this machine ({host or '0.0.0.0'})")
    lines.append("keys:")
    for key, workspace in stub.store.snapshot.workspaces.items():
        state = (
            f"{len(workspace.accounts)} account{'s' * (len(workspace.accounts) != 1)}"
            if workspace.access == "paid"
            else f"refused: {workspace.access}"
        )
        lines.append(f"  {key:<24} {state}")
    names = ", ".join(
        f"{name} (broken, see above)" if name in broken else name for name in stub.scenarios.names()
    )
    lines.append(f"scenarios: {names} (switch: POST {url}{PREFIX}/scenario)")
    lines.append(
        f"sessions: X-Mock-Session or ?__session= gives a test its own state; at most "
        f"{stub.sessions.limit}, the least recently used is ended beyond that (--max-sessions)"
    )
    if app.config["ADMIN_TOKEN"]:
        lines.append("admin API: every call needs `Authorization: Bearer <token>`")
    elif not app.config["ADMIN_OPEN"]:
        lines.append(
            f"admin API: closed, since this address is not loopback; "
            f"start with --admin-token or ${ADMIN_TOKEN_ENV} to open it"
        )
    return "\n".join(lines)


def serve(argv: Sequence[str]) -> int:
    """Build the app and serve it until interrupted (Ctrl-C or SIGTERM)."""
    args = serve_parser().parse_args(argv)
    config = serve_config(args)
    # Start-up builds much and frees little, so collecting garbage during it is wasted time
    # (about 5% of it); collection resumes before the first request.
    collecting = gc.isenabled()
    gc.disable()
    app = None
    try:
        from .app import create_app

        _log_to_stderr()
        app = create_app(config)
        server = listen(app, args.host, args.port, args.threads, args.engine)
        broken = _warn_broken_scenarios(app)
        print(_describe(app, browse_url(args.host, server.port), args.host, broken), flush=True)
        print(f"engine: {server.name}", flush=True)
        if collecting:
            gc.enable()
        server.run()
    finally:
        if collecting:
            gc.enable()
        if app is not None:
            app.extensions["mockserver.reloader"].stop()
    return 0


def _warn_broken_scenarios(app) -> list[str]:
    """Warn, one line per file, about the scenario files besides the active one that don't load."""
    stub = app.extensions["mockserver"]
    origin = stub.store.scenario.origin
    problems = stub.scenarios.broken(besides=origin if isinstance(origin, Path) else None)
    for problem in problems:
        print(f"mockserver: warning: {problem}", file=sys.stderr, flush=True)
    return [Path(problem.source).stem for problem in problems]


def _log_to_stderr() -> None:
    # Hot reload and the self-check report through the "mockserver" logger; stdout stays the
    # start-up banner that scripts parse.
    logger = logging.getLogger("mockserver")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("mockserver: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


def check(argv: Sequence[str]) -> int:
    """Lint scenario files: `file: path: reason` lines and exit 1 if any is invalid."""
    parser = _Parser(
        prog="mockserver check", description="Lint scenario files against openapi.yaml."
    )
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="scenario files or folders (default: the shipped fixtures/)",
    )
    parser.add_argument("--fixtures", metavar="DIR", help="folder that `extends` names resolve in")
    args = parser.parse_args(argv)
    from . import resources
    from .scenarios import SUFFIXES, ScenarioLoader
    from .spec import Spec

    spec = Spec.load(resources.spec_path())
    # `extends` resolves next to each file first, then in this folder.
    loader = ScenarioLoader(spec, args.fixtures or resources.fixtures_dir())
    targets: list[Path] = []
    for raw in args.paths or [str(args.fixtures or resources.fixtures_dir())]:
        path = Path(raw)
        if path.is_dir():
            targets += sorted(p for p in path.iterdir() if p.suffix in SUFFIXES and p.is_file())
        elif path.is_file():
            targets.append(path)
        else:
            print(f"{raw}: no such file or folder", file=sys.stderr)
            return 2
    failed = 0
    for path in targets:
        if path.name.endswith(".schema.json"):
            continue
        try:
            loader.load(path)
        except ScenarioError as exc:
            failed += 1
            for line in exc.lines():
                print(line)
    checked = sum(1 for p in targets if not p.name.endswith(".schema.json"))
    print(f"{checked} scenario file(s) checked, {failed} invalid", file=sys.stderr)
    return 1 if failed else 0


def schema(argv: Sequence[str]) -> int:
    """Print the scenario-file JSON Schema (the repo ships it as fixtures/scenario.schema.json)."""
    _Parser(prog="mockserver schema", description=schema.__doc__).parse_args(argv)
    from . import resources
    from .scenario_schema import build_scenario_schema, dumps
    from .spec import Spec

    sys.stdout.write(dumps(build_scenario_schema(Spec.load(resources.spec_path()))))
    return 0


def record(argv: Sequence[str]) -> int:
    """Record a real workspace into an anonymised scenario file (mockserver/record.py)."""
    from . import record as recorder

    return recorder.run(argv)


def drift(argv: Sequence[str]) -> int:
    """Compare the real service's answers with the stub's (mockserver/drift.py)."""
    from . import drift as comparer

    return comparer.run(argv)


COMMANDS = {"check": check, "schema": schema, "record": record, "drift": drift}


def _unknown_command(word: str) -> ConfigError:
    import difflib

    close = difflib.get_close_matches(word, COMMANDS, n=1)
    if close:
        return ConfigError(f"`{word}` is not a command; did you mean `{close[0]}`?")
    return ConfigError(
        f"`{word}` is not a command (the commands are {', '.join(COMMANDS)}; serving takes only "
        "flags, see `mockserver --help`)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: dispatch, and turn the stub's own errors into one line on stderr."""
    argv = list(sys.argv[1:] if argv is None else argv)
    command = COMMANDS.get(argv[0]) if argv else None
    try:
        if argv and command is None and not argv[0].startswith("-"):
            raise _unknown_command(argv[0])
        return command(argv[1:]) if command else serve(argv)
    except MockServerError as exc:
        print(f"mockserver: error: {exc}", file=sys.stderr)
        return 2
