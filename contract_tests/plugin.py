"""The pytest plugin (entry point `pytest11`): the engine's options, fixtures and reports in pytest.

Everything else lives in the engine (the other modules), which never imports pytest: it raises
NotGiven (made a skip here), OptionError (a usage error) and ContractFailure (a clean failure).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from . import options
from .errors import NotGiven, OptionError, SuiteError
from .failures import ContractFailure
from .masking import Redactor, hide_url_credentials

if TYPE_CHECKING:  # the heavy modules load only when the suite actually runs
    from .api import Contract, Target
    from .lifecycle import DeleteStory

PACKAGE_DIR = Path(__file__).resolve().parent
SETTINGS = pytest.StashKey[options.Settings]()
GIVEN_BASE_URL = pytest.StashKey["str | None"]()
TARGET = pytest.StashKey["Target"]()
WRITES = "contract_writes"


def pytest_addoption(parser: pytest.Parser) -> None:
    """The suite's flags: --api-key, --empty-api-key, --unqualified-api-key, ..."""
    group = parser.getgroup("contract", "Social Accounts contract suite (contract_tests)")
    for option in options.OPTIONS:
        how: dict[str, Any] = ({"action": "store_true", "default": None} if option.switch
                               else {"metavar": "VALUE"})
        group.addoption(option.flag, dest=f"contract_{option.dest}",
                        help=f"{option.help} [env {option.env}]", **how)
        if option.ini:
            parser.addini(option.ini, help=option.help)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Register the marker; keep --base-url as given, before pytest-base-url adds its ini value
    to it (the suite puts CONTRACT_BASE_URL between the two)."""
    config.addinivalue_line("markers", f"{WRITES}: the test sends DELETE (run after the reads)")
    config.stash[GIVEN_BASE_URL] = getattr(config.option, "base_url", None)


@pytest.hookimpl(wrapper=True)
def pytest_report_header(config: pytest.Config) -> Iterator[None]:
    """Every plugin's header lines, pytest-base-url's `baseurl:` too, without URL credentials."""
    lines = yield
    return [hide_url_credentials(line) if isinstance(line, str)
            else [hide_url_credentials(part) for part in line] for line in lines]


def _ours(path: Path | str) -> bool:
    try:
        return Path(path).resolve().is_relative_to(PACKAGE_DIR)
    except OSError:
        return False


def settings_of(config: pytest.Config) -> options.Settings:
    """The run's settings, resolved on first use (OptionError for a value the suite can't use)."""
    settings = config.stash.get(SETTINGS, None)
    if settings is None:
        ini = {option.ini: config.getini(option.ini) for option in options.OPTIONS if option.ini}
        try:
            ini["base_url"] = config.getini("base_url")
        except ValueError:  # pytest-base-url is not installed
            pass
        given = {o.dest: config.getoption(f"contract_{o.dest}") for o in options.OPTIONS}
        settings = options.resolve(given, os.environ, ini, base_url=config.stash[GIVEN_BASE_URL],
                                   strict=bool(getattr(config.option, "strict", False)))
        config.stash[SETTINGS] = settings
        if settings.base_url and hasattr(config.option, "base_url"):
            config.option.base_url = settings.base_url  # so pytest-base-url's fixture agrees
    return settings


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Within the suite: the reachability probe first, the tests that DELETE last. Once a test of
    the suite is collected, a bad option or an unusable document is a usage error."""
    slots = [index for index, item in enumerate(items) if _ours(item.path)]
    if not slots:
        return
    from .document import DocumentError, require_format_checkers

    try:
        settings_of(config)
        require_format_checkers()
    except (OptionError, DocumentError) as exc:
        raise pytest.UsageError(str(exc)) from None

    def order(item: pytest.Item) -> int:
        if item.path.name == "test_target.py":
            return 0
        return 2 if item.get_closest_marker(WRITES) else 1

    ours = sorted((items[index] for index in slots), key=order)
    for index, item in zip(slots, ours, strict=True):
        items[index] = item


def pytest_report_collectionfinish(config: pytest.Config, items: list[pytest.Item]
                                   ) -> list[str] | None:
    """The target, keys (masked), what may be deleted, pacing, proxy and document, once the
    suite is among the collected tests."""
    if config.option.verbose < 0 or not any(_ours(item.path) for item in items):
        return None
    from .report import header

    try:
        return header(settings_of(config))
    except OptionError:  # pytest runs this hook even after the usage error that says why
        return None


# -- fixtures ---------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def contract_settings(pytestconfig: pytest.Config) -> options.Settings:
    """The resolved options (keys included: never print this object's fields)."""
    try:
        return settings_of(pytestconfig)
    except OptionError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="session")
def contract_target(pytestconfig: pytest.Config, contract_settings: options.Settings
                    ) -> Iterator[Target]:
    """The base URL (or the local stub, started now), probed once; the document it is checked
    against."""
    from .api import Target

    try:
        target = Target.open(contract_settings)
    except SuiteError as exc:
        pytest.fail(str(exc), pytrace=False)
    pytestconfig.stash[TARGET] = target
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


# -- outcomes and reports ---------------------------------------------------------------------

@pytest.hookimpl(wrapper=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> Iterator[None]:
    """A check whose option was not given is skipped, with the engine's reason."""
    try:
        return (yield)
    except NotGiven as exc:
        pytest.skip(str(exc))


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
    error = call.excinfo.value if call.excinfo is not None else None
    clean = isinstance(error, (ContractFailure, SuiteError))
    if ours and clean:
        # Its text replaces the traceback below; formatting the traceback (and the exceptions
        # chained to it) first would parse the source of every frame for nothing, ~0.5 s each.
        error.__cause__ = error.__context__ = None
        in_test = [entry for entry in call.excinfo.traceback if entry.path == item.path]
        call.excinfo.traceback = type(call.excinfo.traceback)(in_test[-1:])
    report = yield
    if not ours:
        return report
    settings = item.config.stash.get(SETTINGS, None)
    redact = settings.redact if settings is not None else Redactor()
    path, lineno = item.location[0], (item.location[1] or 0) + 1
    if report.failed and clean:
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
    """What the target sent beyond the document, and how often it asked the suite to wait."""
    target = config.stash.get(TARGET, None)
    if target is None:
        return
    for title, lines in target.summary():
        terminalreporter.section(title, sep="-", yellow=True)
        for line in lines:
            terminalreporter.line(target.settings.redact(line))
