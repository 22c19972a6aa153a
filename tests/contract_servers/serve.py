"""Serve a WSGI app on a loopback thread for the length of a `with` block."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from werkzeug.serving import WSGIRequestHandler, make_server


class _Quiet(WSGIRequestHandler):
    def log(self, *args, **kwargs) -> None:
        """No access log: the tests read the suite's output, not the server's."""


@contextmanager
def serving(app: Any) -> Iterator[Any]:
    """Serve `app` on 127.0.0.1 on a free port; yield it with its base URL set as `app.url`."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
    thread = threading.Thread(target=server.serve_forever, name="contract-server", daemon=True)
    thread.start()
    app.url = f"http://127.0.0.1:{server.server_port}"
    try:
        yield app
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


class Collector:
    """An app that records the headers of every request it gets (the far end of a redirect)."""

    def __init__(self) -> None:
        self.url = ""
        self.requests: list[dict[str, str]] = []

    def __call__(self, environ, start_response):
        self.requests.append({k: str(v) for k, v in environ.items() if k.startswith("HTTP_")})
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b"{}"]
