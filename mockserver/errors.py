"""The stub's own error hierarchy: each error is one sentence that says what and where."""

from __future__ import annotations


class MockServerError(Exception):
    """A problem with the stub's inputs (document, scenarios, flags, overrides): one line."""

    def __init__(self, message: str, *, source: str | None = None, path: str | None = None):
        self.message = message
        self.source = source
        self.path = path
        super().__init__(str(self))

    def __str__(self) -> str:
        where = [part for part in (self.source, self.path) if part]
        return ": ".join([*where, self.message])


class SpecError(MockServerError):
    """openapi.yaml is unreadable, invalid, or disagrees with the handlers."""


class ScenarioError(MockServerError):
    """A scenario file is unreadable or does not match the document."""

    problems: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_problems(cls, source: str, problems: list[tuple[str, str]]) -> ScenarioError:
        """One error for a list of (path, reason): the first names itself, the rest are counted."""
        path, reason = problems[0]
        more = len(problems) - 1
        error = cls(
            reason + (f" (and {more} more problem{'s' * (more > 1)})" if more else ""),
            source=source,
            path=path,
        )
        error.problems = tuple(problems)
        return error

    def lines(self) -> list[str]:
        """Every problem as a `file: path: reason` line."""
        if not self.problems:
            return [str(self)]
        return [f"{self.source}: {path}: {reason}" for path, reason in self.problems]


class ConfigError(MockServerError):
    """A flag or configuration value is invalid."""


class OverrideError(MockServerError):
    """A request asks for an answer (`Prefer`, `?__code=`, `?__example=`) the document lacks."""


class SessionError(MockServerError):
    """A session request the stub refuses: a bad name, an unknown scenario, another scenario."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status  # the HTTP status it is answered with


class ResponseValidationError(MockServerError):
    """The stub produced a response that the document does not allow (a bug in the stub)."""
