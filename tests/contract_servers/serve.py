"""Serve a WSGI app on a loopback thread for the length of a `with` block."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from werkzeug.serving import WSGIRequestHandler, make_server


class _Quiet(WSGIRequestHandler):
    def log(self, *args, **kwargs) -> None:
        """No access log: the tests read the suite's output, not the server's."""


@contextmanager
def serving(app) -> Iterator[str]:
    """Yield the base URL of `app` served on 127.0.0.1 on a free port."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
    thread = threading.Thread(target=server.serve_forever, name="contract-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


class Collector:
    """An app that records the headers of every request it gets (the far end of a redirect)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, str]] = []

    def __call__(self, environ, start_response):
        self.requests.append({k: str(v) for k, v in environ.items() if k.startswith("HTTP_")})
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b"{}"]
