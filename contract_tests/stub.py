"""The local stub as a subprocess: started when no base URL is given, stopped at session end."""

from __future__ import annotations

import collections
import importlib.util
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

from .errors import SuiteError

# The stub's first line: "mockserver: scenario 'default' (...) at http://127.0.0.1:PORT".
_URL = re.compile(r" at (http://\S+)\s*$")
START_TIMEOUT = 30.0
# `python -m mockserver`, plus a thread that ends the stub when its stdin closes: if pytest is
# killed and never stops it, the stub still exits instead of living on as an orphan.
_CHILD = """
import os, sys, threading
def _orphaned():
    sys.stdin.buffer.read()
    os._exit(0)
threading.Thread(target=_orphaned, daemon=True).start()
from mockserver.cli import main
sys.exit(main(sys.argv[1:]))
"""


class StubError(SuiteError):
    """The local stub could not be started."""


class LocalStub:
    """`python -m mockserver --port 0` on 127.0.0.1 with the default scenario."""

    def __init__(self) -> None:
        spec = importlib.util.find_spec("mockserver")
        if spec is None or spec.origin is None:
            raise StubError("no --base-url was given and this project's stub (`mockserver`) is "
                            "not importable: pass --base-url, or install the project")
        env = dict(os.environ)
        # The child must import the same stub this process would, wherever pytest was started.
        root = str(Path(spec.origin).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
        env["PYTHONUNBUFFERED"] = "1"
        argv = [sys.executable, "-c", _CHILD, "--host", "127.0.0.1", "--port", "0",
                "--scenario", "default"]
        self._lines: collections.deque[str] = collections.deque(maxlen=50)
        self._url: str | None = None
        self._ready = threading.Event()
        self.process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, env=env, text=True,
                                        encoding="utf-8", errors="replace")
        # Drain the output for the whole run so the stub never blocks on a full pipe.
        self._drainer = threading.Thread(target=self._drain, name="contract-stub-output",
                                         daemon=True)
        self._drainer.start()

    def _drain(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.append(line.rstrip())
            match = _URL.search(line)
            if match and self._url is None:
                self._url = match.group(1)
                self._ready.set()
        self._ready.set()

    def url(self, timeout: float = START_TIMEOUT) -> str:
        """The stub's URL, once it has said where it listens."""
        deadline = time.monotonic() + timeout
        self._ready.wait(timeout)
        if self._url is None:
            code = self.process.poll()
            state = f"exited with code {code}" if code is not None else (
                f"said nothing within {timeout:g} s" if time.monotonic() >= deadline else "stopped")
            output = " | ".join(self._lines) or "(no output)"
            raise StubError(f"the local stub (mockserver) {state}: {output}")
        return self._url

    def stop(self) -> None:
        """Terminate the stub and wait for it."""
        if self.process.stdin is not None:
            self.process.stdin.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._drainer.join(5)
        if self.process.stdout is not None and not self._drainer.is_alive():
            self.process.stdout.close()
