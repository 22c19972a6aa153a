"""The suite's settings: command line, then environment variable, then ini value; keys masked."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import unquote, urlsplit

from .errors import OptionError
from .masking import Redactor

# What the suite fills in when it starts the local stub itself (its default scenario's keys).
STUB_DEFAULTS = {
    "api_key": "pn-demo-key",
    "empty_api_key": "pn-empty-key",
    "unqualified_api_key": "pn-unpaid-key",
    # The TikTok account: deleting it leaves the page's own example account in place.
    "delete_account_id": "cmqi7kfo20009v0m9a6s2u1yt",
}
DEFAULT_TIMEOUT = 10.0
MAX_RATE = 1000.0
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off", "")


@dataclass(frozen=True)
class Option:
    """One suite option and where else its value may come from."""

    dest: str
    flag: str
    env: str
    help: str
    ini: str | None = None
    secret: bool = False
    switch: bool = False  # a flag without a value (`--contract-no-proxy`)


OPTIONS = (
    Option("api_key", "--api-key", "EMBED_API_KEY", secret=True,
           help="key of a workspace with at least one account"),
    Option("empty_api_key", "--empty-api-key", "EMBED_EMPTY_API_KEY", secret=True,
           help="key of a workspace with no accounts"),
    Option("unqualified_api_key", "--unqualified-api-key", "EMBED_UNQUALIFIED_API_KEY", secret=True,
           help="key whose plan is not paid (expects 402)"),
    Option("delete_account_id", "--delete-account-id", "CONTRACT_DELETE_ACCOUNT_ID",
           help="the one account (of --api-key's workspace) the suite may delete; the run "
                "consumes it. Without it the suite sends no DELETE"),
    Option("openapi", "--openapi", "CONTRACT_OPENAPI", ini="contract_openapi",
           help="OpenAPI document to check against (default: the shipped openapi.yaml)"),
    Option("timeout", "--contract-timeout", "CONTRACT_TIMEOUT", ini="contract_timeout",
           help=f"seconds one request may take in all (default {DEFAULT_TIMEOUT:g})"),
    Option("rate", "--contract-rate", "CONTRACT_RATE", ini="contract_rate",
           help="send at most this many requests per second (default: no pacing)"),
    Option("no_proxy", "--contract-no-proxy", "CONTRACT_NO_PROXY", switch=True,
           help="ignore HTTP_PROXY, HTTPS_PROXY and ALL_PROXY for this run"),
)


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
    rate: float | None = None
    no_proxy: bool = False
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

    @functools.cached_property
    def redact(self) -> Redactor:
        """Masks every key and the base URL's credentials in a text: `settings.redact(text)`."""
        return Redactor(self.secrets)


def _switch(option: Option, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise OptionError(f"{option.env} must be 1 or 0 (true or false), not {value!r}")


def _pick(option: Option, command_line: Mapping[str, Any], environ: Mapping[str, str],
          ini: Mapping[str, str | None]) -> Any:
    value = command_line.get(option.dest)
    if value is None or value is False:
        value = environ.get(option.env)
    if value is None and option.ini:
        value = ini.get(option.ini) or None
    if isinstance(value, str):
        # An unset CI secret arrives as an empty string: that is "not given", not an empty key.
        value = value.strip() or None
    return value


def check_base_url(value: str | None) -> str | None:
    """The base URL if it is one the suite can use (None when not given)."""
    value = (value or "").strip()
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OptionError(f"--base-url must be an http:// or https:// URL, not {value!r}")
    if parts.query or parts.fragment:
        raise OptionError(f"--base-url must not have a query or fragment: {value!r}")
    return value


def _number(option: Option, value: str, low: float, high: float, unit: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not low < number <= high:
        raise OptionError(f"{option.flag} must be a number of {unit} between {low:g} and "
                          f"{high:g}, not {value!r}")
    return number


def resolve(command_line: Mapping[str, Any], environ: Mapping[str, str] = os.environ,
            ini: Mapping[str, str | None] | None = None, *, base_url: str | None = None,
            strict: bool = False) -> Settings:
    """Settings from the command line (by dest), the environment and ini values (by ini name).

    `base_url` is --base-url as given (pytest-base-url also reads PYTEST_BASE_URL into it);
    CONTRACT_BASE_URL and then the `base_url` ini value come after it. Bad values raise
    OptionError with one sentence that never echoes a key.
    """
    ini = ini or {}
    by = {option.dest: option for option in OPTIONS}
    values = {dest: _pick(option, command_line, environ, ini) for dest, option in by.items()}
    for dest, value in values.items():
        if value is not None and by[dest].secret and _CONTROL.search(value):
            raise OptionError(f"{by[dest].flag} ({by[dest].env}) contains a control character "
                              "(a line break?); it is not sent")
    timeout = DEFAULT_TIMEOUT
    if values["timeout"] is not None:
        timeout = _number(by["timeout"], values["timeout"], 0, 600, "seconds")
    rate = None
    if values["rate"] is not None:
        rate = _number(by["rate"], values["rate"], 0, MAX_RATE, "requests per second")
    openapi = values["openapi"]
    if openapi is not None and not os.path.isfile(openapi):
        raise OptionError(f"--openapi: no such file {openapi!r}")
    url = check_base_url(base_url or environ.get("CONTRACT_BASE_URL") or ini.get("base_url"))
    secrets = [values[o.dest] for o in OPTIONS if o.secret and values[o.dest]]
    password = urlsplit(url).password if url else None
    if password and len(password) >= 4:
        secrets.append(unquote(password))  # a target may echo it back in a body
    settings = Settings(
        base_url=url, api_key=values["api_key"], empty_api_key=values["empty_api_key"],
        unqualified_api_key=values["unqualified_api_key"],
        delete_account_id=values["delete_account_id"], openapi=openapi, timeout=timeout,
        rate=rate, no_proxy=_switch(by["no_proxy"], values["no_proxy"] or False),
        strict=strict or _switch(Option("strict", "--strict", "CONTRACT_STRICT", ""),
                                 environ.get("CONTRACT_STRICT", "")),
        secrets=tuple(secrets))
    return settings.with_stub_defaults() if settings.local_stub else settings
