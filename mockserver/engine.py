"""The HTTP engine under the app: granian (Rust) in this process, else waitress."""

from __future__ import annotations

import errno
import gc
import importlib.util
import os
import signal
import socket
import sys
import threading
from collections.abc import Callable
from typing import Any

from .errors import ConfigError

ENGINES = ("auto", "granian", "waitress")
# The app answers a request head over fallbacks.HEAD_LIMIT with a JSON 431; the engines are
# given room above that, so only a head past this reaches their own (non-JSON) refusal.
ENGINE_HEAD_BYTES = 1024 * 1024
BACKLOG = 1024


class Engine:
    """A bound listener: `name` and `port` for the banner, `run()` serves until a signal."""

    name = ""
    port = 0

    def run(self) -> None:
        """Serve until Ctrl-C or SIGTERM."""
        # What start-up built lives until exit: out of every collection, requests pause less
        # and the process ends at once on Ctrl-C instead of collecting it all first.
        gc.freeze()
        self._serve()

    def _serve(self) -> None:
        raise NotImplementedError


def listen(app: Callable, host: str, port: int, threads: int, choice: str = "auto") -> Engine:
    """Bind host:port with the chosen engine; `auto` takes granian where it loads, else waitress.

    A port that can't be bound is a ConfigError, whatever the engine.
    """
    if choice != "waitress":
        try:
            return _Granian(app, host, port, threads)
        except _Unavailable as exc:
            if choice == "granian":
                raise ConfigError(f"--engine granian: {exc}") from None
            fallback = f" (granian unavailable: {exc})"
    else:
        fallback = ""
    engine = _Waitress(app, host, port, threads)
    engine.name += fallback
    return engine


class _Unavailable(Exception):
    """granian is not installed here, or not the version whose in-process API this uses."""


def _cannot_listen(host: str, port: int, exc: OSError) -> ConfigError:
    reason = os.strerror(exc.errno) if exc.errno else str(exc)
    where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    message = f"cannot listen on {where} ({reason})"
    if exc.errno == errno.EADDRINUSE:
        message += (": another program holds that port, so stop it or pick another with --port "
                    "(--port 0 takes any free one)")
    return ConfigError(message)


def _enter_granian() -> None:
    """Make `granian` importable for its worker parts without running granian/__init__.py yet.

    That __init__ also imports granian's multi-process server (multiprocessing and its glue):
    about a third of granian's import time, for a class this stub never uses. The package is
    registered unexecuted instead (as importlib's lazy loading does); the first use of any name
    of `granian` itself, by anyone in this process, runs its __init__ then, so `import granian`
    elsewhere still gets the whole package.
    """
    if "granian" in sys.modules:
        return
    found = importlib.util.find_spec("granian")
    if found is None or found.loader is None or not found.submodule_search_locations:
        raise ImportError("No module named 'granian'")
    package = importlib.util.module_from_spec(found)
    lock, started = threading.RLock(), []

    def complete(name: str) -> Any:
        # Once, under a lock: another thread asking meanwhile waits for the whole package.
        with lock:
            if not started:
                started.append(True)
                found.loader.exec_module(package)
                del package.__dict__["__getattr__"]
        try:
            return package.__dict__[name]
        except KeyError:
            raise AttributeError(f"module 'granian' has no attribute {name!r}") from None

    package.__getattr__ = complete  # type: ignore[method-assign]
    sys.modules["granian"] = package


class _Granian(Engine):
    """granian's WSGI worker run in this process, so the app's in-memory state is shared.

    granian's own server class starts a second process (the worker) from a fresh interpreter;
    its worker object, used here directly as granian's thread-based server does, keeps one.
    """

    def __init__(self, app: Callable, host: str, port: int, threads: int):
        try:
            _enter_granian()
            from granian._futures import _new_cbscheduler
            from granian._granian import SocketHolder, WorkerSignal, WSGIWorker, __version__
            from granian._loops import loops
            from granian.http import HTTP1Settings
        except ImportError as exc:
            raise _Unavailable(str(exc)) from None
        # Bound here, not by granian: its listener sets SO_REUSEPORT, so a second stub on a
        # taken port would share it silently instead of being refused.
        try:
            sock = socket.create_server((host, port), backlog=BACKLOG)
        except OSError as exc:
            raise _cannot_listen(host, port, exc) from None
        self.port = sock.getsockname()[1]
        sock.setblocking(False)  # as granian's own listeners are
        try:
            if sys.platform == "win32":
                listener = SocketHolder(sock.fileno())
            else:
                listener = SocketHolder(sock.fileno(), False, BACKLOG)
        except TypeError as exc:
            sock.close()
            raise _Unavailable(f"granian {__version__} is not supported: {exc}") from None
        sock.detach()  # the descriptor is granian's now
        self._stop = WorkerSignal()
        self._stopped = threading.Event()
        self._stop.add_cb(self._stopped.set)
        self._loop = loops.get("auto")
        try:
            self._worker = WSGIWorker(
                1, (None, listener), None,  # worker id, (spec, socket), no IPC
                1, 512,  # Rust runtime threads and its blocking pool (I/O only)
                threads, 30,  # Python threads at most; idle ones end after 30 s
                BACKLOG,  # backpressure: requests admitted at once
                "1",  # HTTP/1.1 only, as waitress
                HTTP1Settings(max_buffer_size=ENGINE_HEAD_BYTES), None,
                None,  # no static files
                False, None, None, None, "tls1.3", None, [], False,  # no TLS
                (None, None),  # no metrics
            )
            self._scheduler = _new_cbscheduler(self._loop, _wsgi_glue(app), impl_asyncio=False)
        except (TypeError, AttributeError) as exc:  # another granian release's signature
            raise _Unavailable(f"granian {__version__} is not supported: {exc}") from None
        self.name = f"granian {__version__}, {threads} Python threads"

    def _serve(self) -> None:
        def stop(_signum: int, _frame: Any) -> None:
            self._stop.set()
            self._stopped.set()

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        if sys.platform == "win32":
            signal.signal(signal.SIGBREAK, stop)
        self._worker.serve_mtr(self._scheduler, self._loop, self._stop)
        # A timed wait, so Ctrl-C is seen at once on every platform.
        while not self._stopped.wait(0.2):
            pass


class _StartResponse:
    __slots__ = ("status", "headers")

    def __call__(self, status: str, headers: list, exc_info: Any = None) -> None:
        self.status = int(status.split(" ", 1)[0])
        self.headers = headers


def _wsgi_glue(app: Callable) -> Callable:
    """What granian calls per request: its own WSGI glue, less two costs the stub never needs.

    granian's copies all of os.environ into every request's environ, and hands a body to the
    engine chunk by chunk through the iterator protocol; the stub's answers are small, whole.
    """
    base = {
        "GATEWAY_INTERFACE": "CGI/1.1", "SCRIPT_NAME": "", "SERVER_SOFTWARE": "granian",
        "wsgi.errors": sys.stderr, "wsgi.input_terminated": True, "wsgi.multiprocess": False,
        "wsgi.multithread": True, "wsgi.run_once": False, "wsgi.version": (1, 0),
    }

    def run(proto: Any, scope: dict) -> int:
        start = _StartResponse()
        result = app(base | scope, start)
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        proto.response_bytes(start.status, start.headers, body)
        return start.status

    return run


class _Waitress(Engine):
    """waitress: pure Python, threads; the fallback where granian does not load."""

    def __init__(self, app: Callable, host: str, port: int, threads: int):
        import waitress

        try:
            self._server = waitress.create_server(
                app, host=host, port=port, threads=threads, ident="mockserver",
                max_request_header_size=ENGINE_HEAD_BYTES,
            )
        except OSError as exc:
            raise _cannot_listen(host, port, exc) from None
        self.port = int(self._server.effective_port)
        self.name = f"waitress {_version('waitress')}, {threads} threads"

    def _serve(self) -> None:
        try:
            self._server.run()  # SIGTERM ends the process at once (its default action)
        except KeyboardInterrupt:
            pass


def _version(distribution: str) -> str:
    from importlib.metadata import version

    return version(distribution)
