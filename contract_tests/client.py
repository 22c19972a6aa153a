"""HTTP to the target: the key only to the base URL's origin, no redirects, bounded size and time,
paced, and sent again when the target says to come back later (429, 503)."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import requests
import urllib3

from .failures import TargetError, show
from .throttle import RETRY_STATUSES, Log, Pacer

MAX_BODY_BYTES = 4 * 1024 * 1024
USER_AGENT = "postnitro-contract-tests/0.1"
_ERRNO = re.compile(r"\[Errno -?\d+\] ([^'\")\]]+)")
_SSL = re.compile(r"\[SSL[^\]]*\] ([^'\")(]+)")
# requests drops a proxy whose value is None, whatever HTTP(S)_PROXY/ALL_PROXY say; unlike
# `trust_env = False`, this keeps REQUESTS_CA_BUNDLE and .netrc working.
NO_PROXIES = {"http": None, "https": None, "all": None}


@dataclass
class Exchange:
    """One request and what came back (headers and at most MAX_BODY_BYTES of body)."""

    method: str
    path: str
    sent_with: str  # which key was sent, by role ("--api-key", "no key"): never the key itself
    status: int
    content_type: str | None
    location: str | None
    body: bytes
    retry_after: str | None = None

    @property
    def request(self) -> str:
        """The request line shown in failures, e.g. `GET /social-account (with --api-key)`."""
        return f"{self.method} {self.path} ({self.sent_with})"


def origin(url: str) -> str:
    """scheme://host:port of a URL, with any user:password@ left out."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}"


def proxy_for(url: str, no_proxy: bool = False) -> str | None:
    """The proxy the environment sends requests to this URL through (None: direct)."""
    if no_proxy:
        return None
    proxies = requests.utils.get_environ_proxies(url)
    scheme = urlsplit(url).scheme
    return proxies.get(scheme) or proxies.get("all")


def _reason(exc: BaseException) -> str:
    text = str(exc)
    for pattern in (_SSL, _ERRNO):
        match = pattern.search(text)
        if match:
            return match.group(1).strip()
    return type(exc).__name__


class Client:
    """Sends one request at a time to base URL + path; never follows a redirect anywhere."""

    def __init__(self, base_url: str, timeout: float, rate: float | None = None,
                 no_proxy: bool = False, sleep: Callable[[float], None] = time.sleep):
        self.base_url = base_url.rstrip("/")
        self.origin = origin(base_url)
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
        self.proxies = dict(NO_PROXIES) if no_proxy else None
        self.pacer = Pacer(rate, sleep=sleep)
        self.rate_limits = Log()
        self._sleep = sleep

    def always_send(self, header: str, value: str) -> None:
        """Send a header with every later request."""
        self.session.headers[header] = value

    def close(self) -> None:
        """Drop pooled connections."""
        self.session.close()

    def send(self, method: str, path: str, key: str | None, sent_with: str) -> Exchange:
        """Send a request with the key (if any) in `embed-api-key`, paced; after a 429 or 503, wait
        as Retry-After says and send it again (a few times at most, then RateLimited)."""
        attempt, resent = 0, False
        while True:
            self.pacer.wait()
            if method != "GET":
                # What must not be sent twice never goes on a kept-alive connection, which the
                # target (or a load balancer) may close just as the request leaves.
                self.session.close()
            try:
                exchange = self._send_once(method, path, key, sent_with)
            except _Dropped as exc:
                if method != "GET" or resent:
                    raise exc.failure from None
                resent = True  # a GET is safe to send again, on a new connection
                self.rate_limits.resent += 1
                continue
            if exchange.status not in RETRY_STATUSES:
                return exchange
            attempt += 1
            seconds, why = self.rate_limits.delay(exchange.status, exchange.retry_after, attempt)
            if seconds is None:
                self.rate_limits.exhausted.append(f"{exchange.request}: {why}")
                raise RateLimited(exchange, why)
            self._sleep(seconds)

    def _send_once(self, method: str, path: str, key: str | None, sent_with: str) -> Exchange:
        """One request; raise TargetError on transport failure, on an answer over
        MAX_BODY_BYTES, or after `timeout` seconds in all."""
        quoted = quote(path, safe="/")
        headers = {"embed-api-key": key} if key is not None else {}
        outcome: dict[str, Any] = {}
        deadline = time.monotonic() + self.timeout

        def exchange() -> None:
            try:
                outcome["exchange"] = self._exchange(method, quoted, headers, sent_with, deadline)
            except BaseException as exc:  # handed to the waiting thread, which reports it
                outcome["error"] = exc

        # The read timeout bounds each socket read, not the answer: a target that drips one byte
        # at a time would never trip it. A worker thread lets the whole exchange have a deadline.
        worker = threading.Thread(target=exchange, name="contract-request", daemon=True)
        worker.start()
        worker.join(self.timeout + 0.5)
        request = f"{method} {quoted} ({sent_with})"
        if worker.is_alive() or isinstance(outcome.get("error"), _Deadline):
            raise TargetError(f"No complete answer from {self.origin} within {self.timeout:g} s",
                              request=request, received="a timeout (the answer was not finished)",
                              documented="an answer (give a slow target more --contract-timeout)")
        if "error" in outcome:
            failure = self._transport_failure(outcome["error"], request)
            if _dropped(outcome["error"]):
                raise _Dropped(failure)
            raise failure from None
        return outcome["exchange"]

    def _exchange(self, method: str, path: str, headers: dict, sent_with: str,
                  deadline: float) -> Exchange:
        # allow_redirects=False: requests strips `Authorization` on a cross-origin redirect but not
        # custom headers such as `embed-api-key`, so a redirect is reported, never followed.
        with self.session.request(method, self.base_url + path, headers=headers, stream=True,
                                  allow_redirects=False, proxies=self.proxies,
                                  timeout=(self.timeout, self.timeout)) as response:
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
                raise _TooLarge(f"a Content-Length of {int(declared)} bytes")
            body = bytearray()
            for chunk in response.iter_content(64 * 1024):
                body += chunk
                if len(body) > MAX_BODY_BYTES:
                    raise _TooLarge(f"more than {MAX_BODY_BYTES} bytes")
                if time.monotonic() > deadline:
                    raise _Deadline()
            return Exchange(method, path, sent_with, response.status_code,
                            response.headers.get("Content-Type"), response.headers.get("Location"),
                            bytes(body), response.headers.get("Retry-After"))

    def _transport_failure(self, exc: BaseException, request: str) -> TargetError:
        where = self.origin
        if isinstance(exc, _TooLarge):
            return TargetError(f"The answer from {where} is too large to check", request=request,
                               received=str(exc), documented=f"a JSON body (the suite reads at "
                               f"most {MAX_BODY_BYTES} bytes)")
        if isinstance(exc, requests.exceptions.SSLError):
            title = f"TLS error talking to {where}: {_reason(exc)}"
        elif isinstance(exc, requests.exceptions.ConnectTimeout):
            title = f"Connecting to {where} timed out after {self.timeout:g} s"
        elif isinstance(exc, requests.exceptions.ReadTimeout):
            title = f"No answer from {where} within {self.timeout:g} s"
        elif _dropped(exc):
            title = f"{where} closed the connection without answering"
        elif isinstance(exc, requests.exceptions.ConnectionError):
            title = f"Cannot connect to {where}: {_reason(exc)}"
        elif isinstance(exc, requests.exceptions.RequestException):
            title = f"The exchange with {where} failed: {_reason(exc)}"
        else:
            title = f"The exchange with {where} failed unexpectedly: {type(exc).__name__}"
        return TargetError(title, request=request, received="no HTTP answer",
                           documented="an HTTP answer")


class RateLimited(TargetError):
    """The target kept answering 429 or 503 (not a contract departure: it asked to wait)."""

    def __init__(self, exchange: Exchange, why: str):
        what = "Rate limited" if exchange.status == 429 else "The target is unavailable"
        shown = f", Retry-After: {exchange.retry_after}" if exchange.retry_after else ""
        super().__init__(f"{what}: {exchange.request} answered {exchange.status} ({why})",
                         request=exchange.request,
                         received=f"{exchange.status}{shown}: "
                                  f"{show(exchange.body, 120) or 'an empty body'}",
                         documented="an answer once the limit allows (--contract-rate N paces "
                                    "the suite under a limit)")


def _dropped(exc: BaseException) -> bool:
    """The connection closed before any answer (not a refused or timed-out connection)."""
    return (isinstance(exc, requests.exceptions.ConnectionError) and bool(exc.args)
            and isinstance(exc.args[0], urllib3.exceptions.ProtocolError))


class _Dropped(Exception):
    def __init__(self, failure: TargetError):
        super().__init__(failure.title)
        self.failure = failure


class _TooLarge(Exception):
    pass


class _Deadline(Exception):
    pass
