"""The engine's own errors, which the pytest plugin turns into skips and usage errors."""


class SuiteError(Exception):
    """Something about the run itself (not the target) stops a check: one sentence, no trace."""


class OptionError(SuiteError):
    """An option has a value the suite cannot use (the plugin makes it a usage error)."""


class NotGiven(SuiteError):
    """A check needs an option that was not given (the plugin makes it a skip with this reason)."""
