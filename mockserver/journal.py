"""The request journal: the latest requests the stub answered, newest first, keys masked."""

from __future__ import annotations

import threading
import time
from collections import deque
from datetime import datetime, timezone
from typing import Any

from flask import Flask, Response, request

from .auth import api_key
from .masking import mask_key
from .sessions import ENVIRON_KEY

DEFAULT_LIMIT = 500
_START = "mockserver.started"
ENTRY = "mockserver.journal.entry"  # the entry a request was journalled as, for a replay of it


# A 10 kB id must not make the journal's 500 entries cost megabytes.
MAX_TEXT = 1024


def _clip(text: str) -> str:
    return text if len(text) <= MAX_TEXT else f"{text[:MAX_TEXT]}… ({len(text) - MAX_TEXT} more)"


class Journal:
    """A bounded, thread-safe record of requests; the oldest entry drops out when it is full."""

    def __init__(self, limit: int = DEFAULT_LIMIT):
        self.limit = limit
        self._lock = threading.Lock()
        # Raw tuples: formatting waits until someone reads the journal, off the request path.
        self._entries: deque[tuple] = deque(maxlen=limit)

    def record(self, method: str, path: str, query: str, status: int, operation_id: str | None,
               duration_ms: float, key: str | None, session: str | None = None) -> tuple:
        """Add one request and return its entry; `key` must already be masked.

        Long paths and queries are clipped.
        """
        entry = (time.time(), method, _clip(path), _clip(query), status, operation_id,
                 duration_ms, key, session)
        with self._lock:
            self._entries.append(entry)
        return entry

    def again(self, entry: tuple, duration_ms: float) -> None:
        """Add the same request as `entry` once more, answered now in `duration_ms`."""
        _at, method, path, query, status, operation_id, _ms, key, session = entry
        again = (time.time(), method, path, query, status, operation_id, duration_ms, key,
                 session)
        with self._lock:
            self._entries.append(again)

    def entries(self, session: str | None = None) -> list[dict[str, Any]]:
        """Every entry (or only those of one session) as JSON-ready dicts, newest first."""
        with self._lock:
            raw = list(self._entries)
        if session is not None:
            raw = [entry for entry in raw if entry[-1] == session]
        return [
            {
                "time": datetime.fromtimestamp(at, timezone.utc).isoformat(timespec="milliseconds")
                .replace("+00:00", "Z"),
                "method": method,
                "path": path,
                "query": query,
                "status": status,
                "operationId": operation_id,
                "durationMs": round(duration_ms, 3),
                "key": key,
                "session": session,
            }
            for at, method, path, query, status, operation_id, duration_ms, key, session
            in reversed(raw)
        ]

    def clear(self) -> int:
        """Forget every entry; returns how many there were."""
        with self._lock:
            count = len(self._entries)
            self._entries.clear()
        return count

    def __len__(self) -> int:
        return len(self._entries)


def init_app(app: Flask, journal: Journal, operation_ids: frozenset[str], skip_prefix: str) -> None:
    """Record every request to an operation or to no route; the admin API and /docs are not."""

    inner = app.wsgi_app

    def timed(environ: dict, start_response: Any) -> Any:
        # A WSGI wrapper, not a before_request hook: no request proxy, no hook dispatch.
        environ[_START] = time.perf_counter()
        return inner(environ, start_response)

    app.wsgi_app = timed  # type: ignore[method-assign]

    @app.after_request
    def record(response: Response) -> Response:
        current = request._get_current_object()  # one proxy lookup instead of five
        environ = current.environ
        endpoint = current.endpoint
        if endpoint in operation_ids or (
            endpoint is None and not environ.get("PATH_INFO", "").startswith(skip_prefix)
        ):
            started = environ.get(_START)
            duration = 0.0 if started is None else (time.perf_counter() - started) * 1000
            query = environ.get("QUERY_STRING", "").encode("latin-1").decode("utf-8", "replace")
            environ[ENTRY] = journal.record(
                environ["REQUEST_METHOD"], current.path, query, response.status_code, endpoint,
                duration, mask_key(api_key(current.headers)), environ.get(ENVIRON_KEY))
        return response
