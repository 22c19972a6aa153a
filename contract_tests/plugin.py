"""The pytest plugin (entry point `pytest11`): options, report header, fixtures, clean failures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from . import options
from .failures import ContractFailure, TargetError

if TYPE_CHECKING:  # the heavy modules load only when the suite actually runs
    from .api import Contract, Target
    from .lifecycle import DeleteStory
    from .stub import LocalStub

PACKAGE_DIR = Path(__file__).resolve().parent
SETTINGS = pytest.StashKey[options.Settings]()
STUB = pytest.StashKey["LocalStub | Exception | None"]()
TARGET = pytest.StashKey["Target"]()
WRITES = "contract_writes"


def pytest_addoption(parser: pytest.Parser) -> None:
    """The suite's flags: --api-key, --empty-api-key, --unqualified-api-key, ..."""
    options.add_options(parser)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Resolve the settings once; start the local stub early when the suite will need it."""
    config.addinivalue_line("markers", f"{WRITES}: the test sends DELETE (run after the reads)")
    settings = options.resolve(config)
    config.stash[SETTINGS] = settings
    if settings.base_url and hasattr(config.option, "base_url"):
        config.option.base_url = settings.base_url  # so pytest-base-url's fixture agrees
    config.stash[STUB] = None
    if not _targets_suite(config):
        return
    from .document import DocumentError, require_format_checkers

    try:
        require_format_checkers()
    except DocumentError as exc:
        raise pytest.UsageError(str(exc)) from None
    if settings.local_stub and not config.option.collectonly:
        _start_stub(config)  # started now, it boots while pytest collects


def pytest_unconfigure(config: pytest.Config) -> None:
    """Stop the local stub if this session started one."""
    stub = config.stash.get(STUB, None)
    if stub is not None and not isinstance(stub, Exception):
        stub.stop()


def _start_stub(config: pytest.Config) -> LocalStub | Exception:
    from .stub import LocalStub, StubError

    try:
        config.stash[STUB] = LocalStub()
    except (StubError, OSError) as exc:
        config.stash[STUB] = exc
    return config.stash[STUB]


def _ours(path: Path | str) -> bool:
    try:
        return Path(path).resolve().is_relative_to(PACKAGE_DIR)
    except OSError:
        return False


def _targets_suite(config: pytest.Config) -> bool:
    """Will this session run the suite? (Its header and stub are noise for other test runs.)"""
    for arg in config.args:
        target = arg.split("::", 1)[0]
        if target.replace("\\", "/").split("/")[0] == PACKAGE_DIR.name:
            return True
        path = (config.invocation_params.dir / target).resolve()
        if path.exists() and (_ours(path) or PACKAGE_DIR.is_relative_to(path)):
            return True
    return False


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    """The target, which keys were given (masked), what may be deleted, and the document."""
    settings = config.stash[SETTINGS]
    if not _targets_suite(config):
        return None
    from .client import origin

    target = (f"{origin(settings.base_url)}{_path_of(settings.base_url)}" if settings.base_url
              else "this project's stub, started on a free loopback port (no --base-url given)")
    keys = []
    for option in options.OPTIONS:
        if option.secret:
            value = getattr(settings, option.dest)
            keys.append(f"{option.flag} {options.mask(value) if value else '(not given)'}")
    deletes = (f"account {settings.delete_account_id} only" if settings.delete_account_id
               else "nothing (no --delete-account-id: no DELETE is sent)")
    fields = "failures (--strict)" if settings.strict else "warnings (--strict makes them failures)"
    return [f"contract target: {target}", f"contract keys: {', '.join(keys)}",
            f"contract deletes: {deletes}",
            f"contract document: {settings.openapi or _default_document()}; "
            f"undocumented fields are {fields}"]


def _path_of(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).path.rstrip("/")


def _default_document() -> Path:
    from .document import default_path

    return default_path()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Within the suite: the reachability probe first, the tests that DELETE last."""
    slots = [index for index, item in enumerate(items) if _ours(item.path)]

    def order(item: pytest.Item) -> int:
        if item.path.name == "test_target.py":
            return 0
        return 2 if item.get_closest_marker(WRITES) else 1

    ours = sorted((items[index] for index in slots), key=order)
    for index, item in zip(slots, ours, strict=True):
        items[index] = item


# -- fixtures ---------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def contract_settings(pytestconfig: pytest.Config) -> options.Settings:
    """The resolved options (keys included: never print this object's fields)."""
    return pytestconfig.stash[SETTINGS]


@pytest.fixture(scope="session")
def contract_target(pytestconfig: pytest.Config, contract_settings: options.Settings
                    ) -> Iterator[Target]:
    """The base URL (or the local stub), probed once; the document it is checked against."""
    from .api import Target
    from .document import DocumentError, default_path, load
    from .stub import StubError

    try:
        document = load(contract_settings.openapi or default_path())
    except DocumentError as exc:
        pytest.fail(f"Cannot load the OpenAPI document: {exc}", pytrace=False)
    failure = None
    if contract_settings.local_stub:
        stub = pytestconfig.stash.get(STUB, None) or _start_stub(pytestconfig)
        try:
            if isinstance(stub, Exception):
                raise stub
            url = stub.url()
        except (StubError, OSError) as exc:
            url, failure = "http://127.0.0.1", TargetError(
                "Could not start the local stub", received=str(exc),
                documented="a running stub: pass --base-url, or install this project")
    else:
        url = contract_settings.base_url
    target = Target(url, contract_settings, document)
    pytestconfig.stash[TARGET] = target
    if failure is None:
        target.probe()
        if target.unreachable is None:
            target.join_session(known_stub=contract_settings.local_stub)
    else:
        target.unreachable = failure
    yield target
    target.close()


@pytest.fixture
def contract(request: pytest.FixtureRequest, contract_target: Target) -> Contract:
    """Documented requests to the target; every answer is checked before the test sees it."""
    from .api import Contract

    if contract_target.unreachable is not None:
        # A failure, not a skip: with test_target.py deselected (`-k`, one module) a skip would
        # pass the run against a dead target. The report hook then stops the session.
        raise contract_target.unreachable.with_traceback(None)
    redact = contract_target.settings.redact

    def record(name: str, value: str) -> None:
        entry = (name, redact(value))
        if entry not in request.node.user_properties:
            request.node.user_properties.append(entry)

    return Contract(contract_target, record)


@pytest.fixture(scope="session")
def contract_deletion(contract_target: Target) -> DeleteStory:
    """The delete lifecycle of --delete-account-id, sent once when a test first asks."""
    from .lifecycle import DeleteStory

    return DeleteStory(contract_target)


# -- reporting --------------------------------------------------------------------------------

class _Crash:
    def __init__(self, path: str, lineno: int, message: str):
        self.path, self.lineno, self.message = path, lineno, message


class CleanRepr:
    """A failure shown as its text alone: no traceback, no source lines, no local variables."""

    def __init__(self, text: str, path: str, lineno: int):
        self.text = text
        self.reprcrash = _Crash(path, lineno, text.splitlines()[0] if text else "")

    def toterminal(self, tw: Any) -> None:
        """Write the text (pytest calls this for the terminal and for junitxml)."""
        lines = self.text.splitlines() or [""]
        tw.line(lines[0], red=True, bold=True)
        for line in lines[1:]:
            tw.line(line)
        tw.line(f"{self.reprcrash.path}:{self.reprcrash.lineno}: contract failure")

    def __str__(self) -> str:
        return self.text


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[Any]:
    """The suite's failures read as their text, and no key appears in any report of the suite."""
    ours = _ours(item.path)
    if ours and call.excinfo is not None and isinstance(call.excinfo.value, ContractFailure):
        # Its text replaces the traceback below; formatting the traceback first would parse the
        # source of every frame (requests, urllib3, ...) for nothing, at ~0.5 s a failure.
        in_test = call.excinfo.traceback.filter(lambda entry: entry.path == item.path)
        call.excinfo.traceback = in_test
    report = yield
    if not ours:
        return report
    redact = item.config.stash[SETTINGS].redact
    path, lineno = item.location[0], (item.location[1] or 0) + 1
    error = call.excinfo.value if call.excinfo is not None else None
    if report.failed and isinstance(error, ContractFailure):
        report.longrepr = CleanRepr(redact(str(error)), path, lineno)
        target = item.config.stash.get(TARGET, None)
        if target is not None and error is target.unreachable:
            # Every other check would fail the same way: one failure says it all.
            item.session.shouldfail = redact(f"the target did not answer ({error.title}); "
                                             "nothing else was checked")
    elif report.failed and report.longrepr is not None and not isinstance(report.longrepr, tuple):
        text = str(report.longrepr)
        if redact(text) != text:
            report.longrepr = CleanRepr(redact(text), path, lineno)
    report.sections = [(title, redact(content)) for title, content in report.sections]
    return report


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """List the undocumented fields seen (warnings unless --strict), once each."""
    target = config.stash.get(TARGET, None)
    if target is None or not target.notes:
        return
    redact = config.stash[SETTINGS].redact
    terminalreporter.section("contract: undocumented fields", sep="-", yellow=True)
    for field, where in sorted(target.notes.items()):
        terminalreporter.line(redact(f"{field} in {', '.join(sorted(where))}"))
    terminalreporter.line("These are warnings: pass --strict (or set CONTRACT_STRICT=1) to make "
                          "them failures.")
