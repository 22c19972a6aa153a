"""Conforming servers built another way: app.py's answers, routed and framed as other stacks do.

The stub and app.py are WSGI apps behind one kind of server. A Node/Express service behind a load
balancer differs from them in many ways the page allows; each `Quirks` value is one of those ways,
served by the standard library's HTTP server so every byte on the wire is under control.
"""

from __future__ import annotations

import collections
import gzip
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

from .app import ContractServer, _account

# express-rate-limit's default answer, and an nginx-style load balancer's overload page.
TOO_MANY = b"Too many requests, please try again later."
UNAVAILABLE = (b"<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n"
               b"<body>\r\n<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n"
               b"</body>\r\n</html>\r\n")
EXPRESS_404 = ('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error'
               '</title>\n</head>\n<body>\n<pre>Cannot {method} {path}</pre>\n</body>\n</html>\n')
EXTRA_HEADERS = {
    "X-Powered-By": "Express", "Access-Control-Allow-Origin": "*",
    "Vary": "Origin, Accept-Encoding", "Cache-Control": "no-store",
    "X-Request-Id": "3f1c2a9e-8d4b-4e57-9a61-0c2d7b5e4f10",
    "Strict-Transport-Security": "max-age=15552000; includeSubDomains",
    "Set-Cookie": "AWSALB=abc123; Expires=Tue, 08 Dec 2026 10:00:00 GMT; Path=/",
    "Server": "awselb/2.0", "X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "99",
}
MEDIA_TYPES = ("application/json", "application/json;charset=utf-8",
               'application/json; charset="UTF-8"', "Application/JSON; Charset=UTF-8")
# Accounts the page allows but app.py's seed does not show: several on one platform, values from
# the document's examples other than the page's, non-ASCII text, an account with no usage.
VARIED_SEED = [
    _account("linkedin", 1, "acme"), _account("linkedin", 5, "acme-careers"),
    {**_account("instagram", 2, "café.gram"), "accountName": "Café ☕ Ünïcode",
     "accountType": "personal"},
    {**_account("tiktok", 3, "acmetok"), "accessTokenStatus": "expired"},
    _account("threads", 4, "acme.threads"),
]
VARIED_USAGE = [{"status": "PENDING", "_count": 3}, {"status": "PUBLISHED", "_count": 12},
                {"status": "DRAFT", "_count": 0}]


@dataclass(frozen=True)
class Quirks:
    """The ways one gallery server differs from the stub (all allowed by the page)."""

    express_routing: bool = False  # non-strict routing: GET /social-account/ is the list
    gzip: bool = False  # Content-Encoding: gzip when the client accepts it
    chunked: bool = False  # Transfer-Encoding: chunked, the body in several chunks
    extra_headers: bool = False
    extra_fields: bool = False  # undocumented fields at several depths
    delay: float = 0.0  # seconds before each answer
    rate_limit_every: int = 0  # every Nth request: 429 with Retry-After: 1
    unavailable_every: int = 0  # every Nth request: 503 with an HTTP-date Retry-After
    connection_close: bool = False  # `Connection: close`, then closes
    drop_kept_alive: bool = False  # says keep-alive, then closes after each answer anyway
    http10: bool = False  # answers as HTTP/1.0
    lower_case_headers: bool = False
    media_types: tuple[str, ...] = ("application/json; charset=utf-8",)  # used in turn
    pretty: bool = False  # indented JSON, non-ASCII as raw UTF-8
    prefix: str = ""  # served under a path, as behind a load balancer's path rule
    varied_data: bool = False


GALLERY = {
    "express routing of /social-account/": Quirks(express_routing=True),
    "gzip bodies": Quirks(gzip=True),
    "chunked bodies": Quirks(chunked=True),
    "extra headers": Quirks(extra_headers=True),
    "undocumented extra fields": Quirks(extra_fields=True),
    "150 ms answers": Quirks(delay=0.15),
    "periodic 429 with Retry-After": Quirks(rate_limit_every=12),
    "periodic 503 with an HTTP-date Retry-After": Quirks(unavailable_every=15),
    "Connection: close": Quirks(connection_close=True),
    "keep-alive dropped after each answer": Quirks(drop_kept_alive=True),
    "HTTP/1.0 answers": Quirks(http10=True),
    "lower-case header names": Quirks(lower_case_headers=True),
    "charset variants": Quirks(media_types=MEDIA_TYPES),
    "pretty UTF-8 JSON and varied data": Quirks(pretty=True, varied_data=True),
    "behind a path prefix, base URL with a trailing slash": Quirks(prefix="/embed-api"),
    "all of it at once, behind a load balancer": Quirks(
        express_routing=True, gzip=True, chunked=True, extra_headers=True, delay=0.02,
        rate_limit_every=20, unavailable_every=23, drop_kept_alive=True,
        lower_case_headers=True, media_types=MEDIA_TYPES, prefix="/v0", varied_data=True),
}


def _with_extra_fields(body: Any) -> Any:
    """The body with fields no schema declares, at the top, in `data` and in every account."""
    if not isinstance(body, dict):
        return body
    body = {**body, "requestId": "req_01HZX"}
    data = body.get("data")
    if isinstance(data, dict):
        if isinstance(data.get("socialAccount"), dict):
            data["socialAccount"]["timezone"] = "Europe/Berlin"
        for accounts in (data.get("socialAccounts") or {}).values():
            for account in accounts:
                account["profileUrl"] = "https://example.test/p"
    return body


@dataclass
class GalleryServer:
    """app.py's API with one set of quirks at a time; counts what it did, to prove the quirk."""

    quirks: Quirks = field(default_factory=Quirks)
    url: str = ""
    api: ContractServer = field(default_factory=ContractServer)
    seen: collections.Counter[str] = field(default_factory=collections.Counter)
    paths: list[str] = field(default_factory=list)
    ports: list[int] = field(default_factory=list)  # the client's port of each request
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self, quirks: Quirks, breakage: str | None = None) -> None:
        """Serve fresh data with these quirks (and, for a broken variant, one breakage)."""
        seed = (VARIED_SEED, VARIED_USAGE) if quirks.varied_data else (None, None)
        self.api = ContractServer(seed=seed[0], usage=seed[1])
        self.api.reset(breakage)
        self.quirks = quirks
        self.seen.clear()
        self.paths.clear()
        self.ports.clear()

    def base_url(self) -> str:
        """Where the suite should point: with the prefix, and a trailing slash when there is one."""
        return f"{self.url}{self.quirks.prefix}/" if self.quirks.prefix else self.url

    def count(self) -> int:
        """Count one request; its number in this run."""
        with self._lock:
            self.seen["requests"] += 1
            return self.seen["requests"]


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"  # keep-alive unless a quirk says otherwise

    def log_message(self, format: str, *args: Any) -> None:
        """No access log: the tests read the suite's output."""

    def do_GET(self) -> None:
        self._answer()

    def do_DELETE(self) -> None:
        self._answer()

    def _answer(self) -> None:
        gallery, quirks = self.server.gallery, self.server.gallery.quirks
        number = gallery.count()
        path = urlsplit(self.path).path
        gallery.paths.append(path)
        gallery.ports.append(self.client_address[1])
        if quirks.delay:
            time.sleep(quirks.delay)
        if quirks.rate_limit_every and number % quirks.rate_limit_every == 0:
            gallery.seen["429"] += 1
            limits = {"Retry-After": "1", "RateLimit-Policy": "100;w=60", "RateLimit-Limit": "100",
                      "RateLimit-Remaining": "0", "RateLimit-Reset": "1"}
            return self._send(429, TOO_MANY, "text/html; charset=utf-8", limits)
        if quirks.unavailable_every and number % quirks.unavailable_every == 0:
            gallery.seen["503"] += 1
            later = {"Retry-After": formatdate(time.time() + 1, usegmt=True)}
            return self._send(503, UNAVAILABLE, "text/html", later)
        if quirks.prefix:
            if not path.startswith(quirks.prefix + "/"):
                return self._send(404, b"Not Found", "text/plain", {})
            path = path[len(quirks.prefix):]
        if quirks.express_routing and path == "/social-account/":
            if self.command != "GET":
                page = EXPRESS_404.format(method=self.command, path=path).encode()
                return self._send(404, page, "text/html; charset=utf-8", {})
            gallery.seen["express list"] += 1
            path = "/social-account"
        environ = {"REQUEST_METHOD": self.command, "PATH_INFO": unquote(path)}
        key = self.headers.get("embed-api-key")
        if key is not None:
            environ["HTTP_EMBED_API_KEY"] = key
        status, body, headers = gallery.api.answer(environ)
        code = int(status.split(" ", 1)[0])
        if headers.get("Content-Type", "").startswith("application/json"):
            document = json.loads(body)
            if quirks.extra_fields:
                document = _with_extra_fields(document)
            indent = 2 if quirks.pretty else None
            body = json.dumps(document, indent=indent, ensure_ascii=not quirks.pretty)
            media = quirks.media_types[number % len(quirks.media_types)]
        else:
            media = headers.get("Content-Type", "text/plain")
        data = body.encode("utf-8") if isinstance(body, str) else bytes(body)
        self._send(code, data, media, {})

    def _send(self, code: int, data: bytes, media: str, headers: dict[str, str]) -> None:
        gallery, quirks = self.server.gallery, self.server.gallery.quirks
        headers = {"Content-Type": media, **headers}
        if quirks.extra_headers:
            headers.update(EXTRA_HEADERS, ETag=f'W/"{len(data):x}-{hash(data) & 0xFFFF:x}"')
        if quirks.gzip and "gzip" in self.headers.get("Accept-Encoding", "") and data:
            data = gzip.compress(data)
            headers["Content-Encoding"] = "gzip"
            gallery.seen["gzip"] += 1
        chunked = quirks.chunked and not quirks.http10
        if chunked:
            headers["Transfer-Encoding"] = "chunked"
            gallery.seen["chunked"] += 1
        else:
            headers["Content-Length"] = str(len(data))
        if quirks.connection_close:
            headers["Connection"] = "close"
        elif quirks.drop_kept_alive:
            # ... and closes anyway once it has answered, as a load balancer that drains does.
            headers.update({"Connection": "keep-alive", "Keep-Alive": "timeout=5"})
        close = quirks.connection_close or quirks.drop_kept_alive or quirks.http10
        self.send_response(code)
        for name, value in headers.items():
            self.send_header(name.lower() if quirks.lower_case_headers else name, value)
        self.end_headers()
        self.close_connection = close  # after send_header, which sets it from `Connection`
        if chunked:
            for start in range(0, len(data), 97):
                piece = data[start:start + 97]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.wfile.write(data)
        if self.close_connection:
            gallery.seen["closed"] += 1

    def send_response(self, code: int, message: str | None = None) -> None:
        """As BaseHTTPRequestHandler, in the protocol version of the quirk."""
        self.protocol_version = "HTTP/1.0" if self.server.gallery.quirks.http10 else "HTTP/1.1"
        super().send_response(code, message)

    def version_string(self) -> str:
        return "gallery"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    gallery: GalleryServer


@contextmanager
def serving_gallery() -> Iterator[GalleryServer]:
    """A gallery server on a free loopback port for the length of a `with` block."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.gallery = GalleryServer()
    server.gallery.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, name="gallery-server", daemon=True)
    thread.start()
    try:
        yield server.gallery
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
