"""The suite's settings: command line, then environment variable, then ini value; keys masked."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from urllib.parse import quote, urlsplit

import pytest

# What the suite fills in when it starts the local stub itself (its default scenario's keys).
STUB_DEFAULTS = {
    "api_key": "pn-demo-key",
    "empty_api_key": "pn-empty-key",
    "unqualified_api_key": "pn-unpaid-key",
    # The TikTok account: deleting it leaves the page's own example account in place.
    "delete_account_id": "cmqi7kfo20009v0m9a6s2u1yt",
}
DEFAULT_TIMEOUT = 10.0
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Option:
    """One suite option and where else its value may come from."""

    dest: str
    flag: str
    env: str
    help: str
    ini: str | None = None
    secret: bool = False


OPTIONS = (
    Option("api_key", "--api-key", "EMBED_API_KEY", secret=True,
           help="key of a workspace with at least one account"),
    Option("empty_api_key", "--empty-api-key", "EMBED_EMPTY_API_KEY", secret=True,
           help="key of a workspace with no accounts"),
    Option("unqualified_api_key", "--unqualified-api-key", "EMBED_UNQUALIFIED_API_KEY", secret=True,
           help="key whose plan is not paid (expects 402)"),
    Option("delete_account_id", "--delete-account-id", "CONTRACT_DELETE_ACCOUNT_ID",
           help="the one account (of --api-key's workspace) the suite may delete; "
                "without it the suite sends no DELETE"),
    Option("openapi", "--openapi", "CONTRACT_OPENAPI", ini="contract_openapi",
           help="OpenAPI document to check against (default: the shipped openapi.yaml)"),
    Option("timeout", "--contract-timeout", "CONTRACT_TIMEOUT", ini="contract_timeout",
           help=f"seconds one request may take in all (default {DEFAULT_TIMEOUT:g})"),
)


def add_options(parser: pytest.Parser) -> None:
    """Register the suite's flags and ini values (--base-url is pytest-base-url's)."""
    group = parser.getgroup("contract", "Social Accounts contract suite (contract_tests)")
    for option in OPTIONS:
        group.addoption(option.flag, dest=f"contract_{option.dest}", metavar="VALUE",
                        help=f"{option.help} [env {option.env}]")
        if option.ini:
            parser.addini(option.ini, help=option.help)


def mask(secret: str) -> str:
    """A key as it may be shown: its first four characters, or `****` for a short one."""
    return f"{secret[:4]}…" if len(secret) >= 8 else "****"


@dataclass(frozen=True)
class Settings:
    """Resolved settings for one session."""

    base_url: str | None
    # Keys stay out of repr(), so no traceback or --showlocals can print them.
    api_key: str | None = field(default=None, repr=False)
    empty_api_key: str | None = field(default=None, repr=False)
    unqualified_api_key: str | None = field(default=None, repr=False)
    delete_account_id: str | None = None
    openapi: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    strict: bool = False
    secrets: tuple[str, ...] = field(default=(), repr=False)

    @property
    def local_stub(self) -> bool:
        """No base URL was given: the suite starts the stub itself."""
        return self.base_url is None

    def with_stub_defaults(self) -> Settings:
        """The same settings with the stub's keys and deletable id filled in where not given."""
        filled = {name: getattr(self, name) or value for name, value in STUB_DEFAULTS.items()}
        secrets = tuple(filled[o.dest] for o in OPTIONS if o.secret)
        return replace(self, **filled, secrets=secrets)

    def redact(self, text: str) -> str:
        """The text with every key (as given, percent-encoded, in any case) masked."""
        for secret in sorted(self.secrets, key=len, reverse=True):
            shown = len(mask(secret)) - 1  # the characters mask() itself keeps (or 0 for ****)
            for form in {secret, quote(secret, safe="")}:
                text = re.sub(re.escape(form), mask(secret), text, flags=re.IGNORECASE)
                # failures.clip() may cut an echoed key short: its start before the "…" is masked.
                starts = "|".join(re.escape(form[:n]) for n in range(len(form) - 1, shown, -1))
                if starts:
                    text = re.sub(f"(?:{starts})…", mask(secret), text, flags=re.IGNORECASE)
        return text


def _raw(config: pytest.Config, option: Option) -> str | None:
    value = config.getoption(f"contract_{option.dest}")
    if value is None:
        value = os.environ.get(option.env)
    if value is None and option.ini:
        value = config.getini(option.ini) or None
    if value is None:
        return None
    # An unset CI secret arrives as an empty string: that is "not given", not an empty key.
    value = value.strip()
    return value or None


def base_url(config: pytest.Config) -> str | None:
    """--base-url (or PYTEST_BASE_URL), then CONTRACT_BASE_URL, then the `base_url` ini value."""
    value = getattr(config.option, "base_url", None) or os.environ.get("CONTRACT_BASE_URL")
    if not value:
        try:
            value = config.getini("base_url")
        except ValueError:  # pytest-base-url is not installed
            value = None
    value = (value or "").strip()
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise pytest.UsageError(f"--base-url must be an http:// or https:// URL, not {value!r}")
    if parts.query or parts.fragment:
        raise pytest.UsageError(f"--base-url must not have a query or fragment: {value!r}")
    return value


def resolve(config: pytest.Config) -> Settings:
    """Read every option; bad values are one-line usage errors that never echo a key."""
    values: dict[str, str | None] = {}
    for option in OPTIONS:
        value = _raw(config, option)
        if value is not None and option.secret and _CONTROL.search(value):
            raise pytest.UsageError(f"{option.flag} ({option.env}) contains a control character "
                                    "(a line break?); it is not sent")
        values[option.dest] = value
    timeout = DEFAULT_TIMEOUT
    if values["timeout"] is not None:
        try:
            timeout = float(values["timeout"])
        except ValueError:
            timeout = -1.0
        if not 0 < timeout <= 600:
            raise pytest.UsageError(f"--contract-timeout must be a number of seconds between 0 and "
                                    f"600, not {values['timeout']!r}")
    openapi = values["openapi"]
    if openapi is not None and not os.path.isfile(openapi):
        raise pytest.UsageError(f"--openapi: no such file {openapi!r}")
    strict = bool(getattr(config.option, "strict", False)) or (
        os.environ.get("CONTRACT_STRICT", "").strip().lower() in ("1", "true", "yes", "on"))
    settings = Settings(
        base_url=base_url(config), api_key=values["api_key"], empty_api_key=values["empty_api_key"],
        unqualified_api_key=values["unqualified_api_key"],
        delete_account_id=values["delete_account_id"], openapi=openapi, timeout=timeout,
        strict=strict,
        secrets=tuple(values[o.dest] for o in OPTIONS if o.secret and values[o.dest]))
    return settings.with_stub_defaults() if settings.local_stub else settings
