"""Answers replayed: a GET answered again from the bytes of the same request's last answer.

A load test sends the same few requests thousands of times, and most of a request's cost is
Flask's dispatch, not the stub's work. The view marks the answers that depend only on the
request's path, query and headers and on the state (`routing.REPLAYABLE`: no session, fault,
override or latency). Such an answer is kept whole, status, headers and body, with the state
snapshot it was built from; the same request gets it again, without Flask, for as long as that
snapshot is the store's. Any change (a delete, a reset, a scenario switch, a reload) makes a
new snapshot, and the table starts afresh. A replay is journalled like the first answer.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from .fallbacks import head_size
from .journal import ENTRY, Journal
from .routing import REPLAYABLE
from .store import Store

DEFAULT_LIMIT = 1024  # distinct requests kept; past it the oldest kept goes
# A request whose head (path, query, header names and values) takes more than this is answered,
# not kept: the table stays small, and a head near the 431 limit is always checked afresh.
MAX_KEY_BYTES = 8 * 1024
# Tracing headers, new on every request of an instrumented client or load tool, that nothing
# in the stub reads (a test holds that): left out of the key, or no such request would replay.
UNREAD = frozenset({
    "HTTP_TRACEPARENT", "HTTP_TRACESTATE", "HTTP_BAGGAGE", "HTTP_B3", "HTTP_X_B3_TRACEID",
    "HTTP_X_B3_SPANID", "HTTP_X_B3_PARENTSPANID", "HTTP_X_B3_SAMPLED", "HTTP_X_REQUEST_ID",
    "HTTP_X_CORRELATION_ID", "HTTP_X_AMZN_TRACE_ID", "HTTP_X_CLOUD_TRACE_CONTEXT",
    "HTTP_SENTRY_TRACE", "HTTP_UBER_TRACE_ID",
})


def request_key(environ: dict) -> tuple | None:
    """What decides a replayable answer: path, query and every header read or unknown.

    None if the head is too large to keep (measured as the 431 check measures it).
    """
    if head_size(environ) > MAX_KEY_BYTES:
        return None
    headers = [(name, value) for name, value in environ.items()
               if name[:5] == "HTTP_" and name not in UNREAD]
    return (environ.get("SCRIPT_NAME", ""), environ.get("PATH_INFO", ""),
            environ.get("QUERY_STRING", ""), environ.get("CONTENT_TYPE"), *headers)


class AnswerCache:
    """The replayable answers of one store's current snapshot, by request."""

    def __init__(self, store: Store, journal: Journal, limit: int = DEFAULT_LIMIT):
        self.store = store
        self.journal = journal
        self.limit = limit
        self._lock = threading.Lock()
        # The snapshot the answers were built from, and the answers, read together in one step:
        # a request replays only answers built from the snapshot it found current.
        self._table: tuple[object, dict[tuple, tuple]] = (None, {})

    def __len__(self) -> int:
        snapshot, answers = self._table
        return len(answers) if snapshot is self.store.snapshot else 0

    def _keep(self, key: tuple, snapshot: object, answer: tuple[str, list, bytes, tuple]) -> None:
        with self._lock:
            if snapshot is not self.store.snapshot:  # changed since: the answer is of the past
                return
            kept, answers = self._table
            if kept is not snapshot:
                answers = {}
                self._table = (snapshot, answers)
            elif len(answers) >= self.limit:
                del answers[next(iter(answers))]
            answers[key] = answer

    def wrap(self, app: Callable) -> Callable:
        """The WSGI app that replays what it can and passes everything else to `app`."""
        store, journal = self.store, self.journal

        def serve(environ: dict, start_response: Callable) -> Iterable[bytes]:
            if environ.get("REQUEST_METHOD") != "GET":
                return app(environ, start_response)
            started = time.perf_counter()
            key = request_key(environ)
            snapshot = store.snapshot
            kept, answers = self._table
            if key is not None and kept is snapshot:
                answer = answers.get(key)
                if answer is not None:
                    status, headers, body, entry = answer
                    start_response(status, list(headers))
                    journal.again(entry, (time.perf_counter() - started) * 1000)
                    return [body]
            seen: list = []

            def capture(status: str, headers: list, exc_info: Any = None) -> Any:
                seen[:] = (status, headers)
                return start_response(status, headers, exc_info)

            result = app(environ, capture)
            entry = environ.get(ENTRY)
            if (key is None or not environ.get(REPLAYABLE) or entry is None or not seen
                    or seen[0][:1] == "5" or store.snapshot is not snapshot):
                return result
            try:
                body = b"".join(result)
            finally:
                if hasattr(result, "close"):
                    result.close()
            self._keep(key, snapshot, (seen[0], list(seen[1]), body, entry))
            return [body]

        return serve


def init_app(app: Any, store: Store, journal: Journal, limit: int = DEFAULT_LIMIT) -> AnswerCache:
    """Put the cache in front of everything else the app does (it must be hung last)."""
    cache = AnswerCache(store, journal, limit)
    app.wsgi_app = cache.wrap(app.wsgi_app)
    return cache
