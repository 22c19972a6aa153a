"""HTTP to a real service for `record` and `drift`: GET only, keys never shown, paced, retried."""

from __future__ import annotations

import argparse
import email.utils
import json
import os
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from .errors import ConfigError, MockServerError
from .masking import mask_key

BASE_URL_ENV = "CONTRACT_BASE_URL"
RATE_ENV = "CONTRACT_RATE"
TIMEOUT_ENV = "CONTRACT_TIMEOUT"
# (role, flag, environment variable, help): the same names as the contract suite's options.
KEYS = (
    ("api_key", "--api-key", "EMBED_API_KEY", "key of the workspace to read"),
    ("empty_api_key", "--empty-api-key", "EMBED_EMPTY_API_KEY",
     "key of a workspace with no accounts"),
    ("unqualified_api_key", "--unqualified-api-key", "EMBED_UNQUALIFIED_API_KEY",
     "key whose plan is not paid (answers 402)"),
)
DEFAULT_TIMEOUT = 10.0
MAX_BODY_BYTES = 32 * 1024 * 1024
RETRIES = 5  # a 429/503 is asked again at most this many times
MAX_WAIT = 60.0  # the longest Retry-After honoured; a longer one ends the run
DEFAULT_BACKOFF = 1.0  # a 429/503 without Retry-After
USER_AGENT = "postnitro-mockserver-recorder/0.1"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class RemoteError(MockServerError):
    """The service could not be reached, refused, or answered what the tool cannot use."""


class ToolParser(argparse.ArgumentParser):
    """argparse, but a bad flag is one sentence (a ConfigError) rather than a usage dump."""

    def error(self, message: str):  # type: ignore[override]
        raise ConfigError(f"{message} (see `{self.prog} --help`)")


def add_target_options(parser: argparse.ArgumentParser, key_help: str | None = None) -> None:
    """--base-url, the three keys, --rate and --timeout, each with its environment variable."""
    parser.add_argument("--base-url", metavar="URL",
                        help=f"the real service, e.g. https://embed-api.postnitro.ai "
                             f"[env {BASE_URL_ENV}]")
    for role, flag, env, text in KEYS:
        text = key_help if key_help and role == "api_key" else text
        parser.add_argument(flag, dest=role, metavar="KEY", help=f"{text} [env {env}]")
    parser.add_argument("--rate", metavar="N",
                        help=f"send at most N requests per second [env {RATE_ENV}; default: "
                             "no limit]")
    parser.add_argument("--timeout", metavar="SECONDS",
                        help=f"the most one request may take (default {DEFAULT_TIMEOUT:g}) "
                             f"[env {TIMEOUT_ENV}]")


@dataclass(frozen=True)
class Target:
    """Where to send requests, with which keys (by role; kept out of repr) and how fast."""

    base_url: str
    keys: Mapping[str, str] = field(repr=False)
    rate: float | None = None
    timeout: float = DEFAULT_TIMEOUT

    def redact(self, text: str) -> str:
        """The text with every key (as given or percent-encoded) masked."""
        for key in sorted(self.keys.values(), key=len, reverse=True):
            for form in {key, quote(key, safe="")}:
                text = re.sub(re.escape(form), mask_key(key) or "", text, flags=re.IGNORECASE)
        return text


def _setting(args: argparse.Namespace, dest: str, env: str) -> str | None:
    value = getattr(args, dest, None)
    if value is None:
        value = os.environ.get(env)
    # An unset CI secret arrives as an empty string: that is "not given", not an empty key.
    value = (value or "").strip()
    return value or None


def _number(text: str | None, flag: str, env: str, low: float, high: float,
            unit: str) -> float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not low < value <= high:
        # Worded as the contract suite words its own --contract-rate and --contract-timeout.
        raise ConfigError(f"{flag} ({env}) must be a number of {unit} between {low:g} and "
                          f"{high:g}, not {text!r}")
    return value


def resolve_target(args: argparse.Namespace, command: str) -> Target:
    """The target the flags and environment ask for; a bad or missing value is one sentence."""
    base_url = _setting(args, "base_url", BASE_URL_ENV)
    if base_url is None:
        raise ConfigError(f"{command} needs --base-url URL (or {BASE_URL_ENV})")
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"--base-url must be an http:// or https:// URL, not {base_url!r}")
    if parts.query or parts.fragment:
        raise ConfigError(f"--base-url must not have a query or fragment: {base_url!r}")
    keys = {}
    for role, flag, env, _ in KEYS:
        value = _setting(args, role, env)
        if value is not None and _CONTROL.search(value):
            raise ConfigError(f"{flag} ({env}) contains a control character (a line break?); "
                              "it is not sent")
        if value is not None:
            keys[role] = value
    if "api_key" not in keys:
        raise ConfigError(f"{command} needs --api-key KEY (or EMBED_API_KEY)")
    rate = _number(_setting(args, "rate", RATE_ENV), "--rate", RATE_ENV, 0, 1000,
                   "requests per second")
    timeout = _number(_setting(args, "timeout", TIMEOUT_ENV), "--timeout", TIMEOUT_ENV, 0,
                      600, "seconds")
    return Target(base_url.rstrip("/"), keys, rate, timeout or DEFAULT_TIMEOUT)


def account_path(account_id: str) -> str:
    """The read path of one account id, percent-encoded (an id may hold any character)."""
    return "/social-account/" + quote(account_id, safe="")


def origin(url: str) -> str:
    """scheme://host:port of a URL, with any user:password@ left out."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{host}{f':{parts.port}' if parts.port else ''}"


@dataclass(frozen=True)
class Answer:
    """One answer: status, media type and body (at most MAX_BODY_BYTES)."""

    path: str
    status: int
    content_type: str | None
    body: bytes
    retry_after: str | None = None

    @property
    def media_type(self) -> str:
        """The Content-Type without parameters, lower case (`application/json`), or `none`."""
        return (self.content_type or "none").split(";")[0].strip().lower() or "none"

    def json(self) -> Any:
        """The body as JSON; ValueError if it is not."""
        return json.loads(self.body)


def retry_after_seconds(value: str | None, now: float | None = None) -> float:
    """Seconds a Retry-After header asks to wait (delta seconds or an HTTP date)."""
    if value is None or not value.strip():
        return DEFAULT_BACKOFF
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return DEFAULT_BACKOFF
    return max(0.0, when - (time.time() if now is None else now))


class Pacer:
    """Keeps request starts at least 1/rate seconds apart (no limit without a rate)."""

    def __init__(self, rate: float | None, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self.interval = 1.0 / rate if rate else 0.0
        self.clock, self.sleep = clock, sleep
        self._next = 0.0

    def wait(self) -> None:
        """Sleep until the next request may start."""
        if not self.interval:
            return
        now = self.clock()
        if now < self._next:
            self.sleep(self._next - now)
            now = self._next
        self._next = now + self.interval


class Remote:
    """Sends GETs to one base URL. It has no other method: it can never send a DELETE."""

    def __init__(self, target: Target, sleep: Callable[[float], None] = time.sleep):
        import requests  # only the commands that talk to a service pay for it

        self.target = target
        self.origin = origin(target.base_url)
        self.sleep = sleep
        self.pacer = Pacer(target.rate, sleep=sleep)
        self.rate_limited = 0  # answers 429/503 that were waited out and asked again
        self.session = requests.Session()
        self.session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})

    def close(self) -> None:
        """Drop pooled connections."""
        self.session.close()

    def get(self, path: str, role: str | None) -> Answer:
        """GET base URL + path (already percent-encoded) with the key of `role`.

        `role` is a role of the target's keys, None for no key, or `key=...` for a literal key.
        """
        if role is None:
            headers = {}
        elif role.startswith("key="):
            headers = {"embed-api-key": role[4:]}
        else:
            headers = {"embed-api-key": self.target.keys[role]}
        quoted = path
        for attempt in range(RETRIES + 1):
            self.pacer.wait()
            answer = self._exchange(quoted, headers)
            if answer.status not in (429, 503) or attempt == RETRIES:
                break
            wait = retry_after_seconds(answer.retry_after)
            if wait > MAX_WAIT:
                raise RemoteError(f"{self.origin} answered {answer.status} to GET {quoted} and "
                                  f"asks to wait {wait:.0f} s, more than the {MAX_WAIT:.0f} s "
                                  "this tool waits; try again later or with a lower --rate")
            self.rate_limited += 1
            self.sleep(wait)
        if answer.status in (429, 503):
            raise RemoteError(f"{self.origin} still answered {answer.status} to GET {quoted} "
                              f"after {RETRIES} retries (rate limited); try a lower --rate")
        return answer

    def _exchange(self, path: str, headers: dict[str, str]) -> Answer:
        import requests

        url = self.target.base_url + path
        try:
            # No redirects: requests would carry `embed-api-key` to wherever one points.
            with self.session.get(url, headers=headers, stream=True, allow_redirects=False,
                                  timeout=(self.target.timeout, self.target.timeout)) as response:
                if response.is_redirect:
                    raise RemoteError(
                        f"{self.origin} answered GET {path} with a redirect "
                        f"({response.status_code} to {response.headers.get('Location')!r}); "
                        "redirects are not followed, so the key goes nowhere else: give the "
                        "final URL as --base-url")
                body = bytearray()
                for chunk in response.iter_content(64 * 1024):
                    body += chunk
                    if len(body) > MAX_BODY_BYTES:
                        raise RemoteError(f"{self.origin} answered GET {path} with more than "
                                          f"{MAX_BODY_BYTES // (1024 * 1024)} MiB")
                return Answer(path, response.status_code, response.headers.get("Content-Type"),
                              bytes(body), response.headers.get("Retry-After"))
        except requests.exceptions.Timeout:
            raise RemoteError(f"no answer from {self.origin} to GET {path} within "
                              f"{self.target.timeout:g} s (--timeout)") from None
        except requests.exceptions.RequestException as exc:
            raise RemoteError(f"cannot reach {self.origin} ({_reason(exc)})") from None


def _reason(exc: BaseException) -> str:
    text = str(exc)
    match = re.search(r"\[Errno -?\d+\] ([^'\")\]]+)", text) or re.search(
        r"\[SSL[^\]]*\] ([^'\")(]+)", text)
    return match.group(1).strip() if match else type(exc).__name__
