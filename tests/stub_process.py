"""Start the real `mockserver` command as a process on a free port, for end-to-end tests."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

URL_LINE = re.compile(r" at (http://\S+)$")


@contextmanager
def running_stub(args: Sequence[str] = (), command: Sequence[str] | None = None,
                 cwd: str | None = None) -> Iterator[str]:
    """Run the stub (by default `python -m mockserver --port 0`), yield its URL, stop it after."""
    argv = list(command or [sys.executable, "-m", "mockserver", "--port", "0"]) + list(args)
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               cwd=cwd)
    try:
        first = process.stdout.readline()
        match = URL_LINE.search(first.strip())
        if not match:
            process.kill()
            raise RuntimeError(f"the stub did not start: {first!r} {process.stderr.read()!r}")
        yield match.group(1)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()
        process.stderr.close()
