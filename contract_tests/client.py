"""HTTP to the target: the key only to the base URL's origin, no redirects, bounded size, time."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import requests

from .failures import TargetError

MAX_BODY_BYTES = 4 * 1024 * 1024
USER_AGENT = "postnitro-contract-tests/0.1"
_ERRNO = re.compile(r"\[Errno -?\d+\] ([^'\")\]]+)")
_SSL = re.compile(r"\[SSL[^\]]*\] ([^'\")(]+)")


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


def _reason(exc: BaseException) -> str:
    text = str(exc)
    for pattern in (_SSL, _ERRNO):
        match = pattern.search(text)
        if match:
            return match.group(1).strip()
    return type(exc).__name__


class Client:
    """Sends one request at a time to base URL + path; never follows a redirect anywhere."""

    def __init__(self, base_url: str, timeout: float):
        self.base_url = base_url.rstrip("/")
        self.origin = origin(base_url)
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})

    def always_send(self, header: str, value: str) -> None:
        """Send a header with every later request."""
        self.session.headers[header] = value

    def close(self) -> None:
        """Drop pooled connections."""
        self.session.close()

    def send(self, method: str, path: str, key: str | None, sent_with: str) -> Exchange:
        """Send a request with the key (if any) in `embed-api-key`; raise TargetError on transport
        failure, on an answer over MAX_BODY_BYTES, or after `timeout` seconds in all."""
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
            raise self._transport_failure(outcome["error"], request) from None
        return outcome["exchange"]

    def _exchange(self, method: str, path: str, headers: dict, sent_with: str,
                  deadline: float) -> Exchange:
        # allow_redirects=False: requests strips `Authorization` on a cross-origin redirect but not
        # custom headers such as `embed-api-key`, so a redirect is reported, never followed.
        with self.session.request(method, self.base_url + path, headers=headers, stream=True,
                                  allow_redirects=False,
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
                            bytes(body))

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
        elif isinstance(exc, requests.exceptions.ConnectionError):
            title = f"Cannot connect to {where}: {_reason(exc)}"
        elif isinstance(exc, requests.exceptions.RequestException):
            title = f"The exchange with {where} failed: {_reason(exc)}"
        else:
            title = f"The exchange with {where} failed unexpectedly: {type(exc).__name__}"
        return TargetError(title, request=request, received="no HTTP answer",
                           documented="an HTTP answer")


class _TooLarge(Exception):
    pass


class _Deadline(Exception):
    pass
