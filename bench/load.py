"""Concurrent load from a separate process: wrk when installed, else bench/loadgen.py."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

LOADGEN = Path(__file__).resolve().parent / "loadgen.py"
_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
_PERCENTILE = re.compile(r"^\s*(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m)\s*$", re.M)
_RPS = re.compile(r"^Requests/sec:\s+([\d.]+)", re.M)
_REQUESTS = re.compile(r"^\s*(\d+) requests in", re.M)
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_SOCKET_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


def loader_name(choice: str = "auto") -> str:
    """`wrk` if asked for or installed (with `auto`), else `python`."""
    if choice == "auto":
        return "wrk" if shutil.which("wrk") else "python"
    if choice == "wrk" and not shutil.which("wrk"):
        raise SystemExit("--loader wrk: wrk is not installed")
    return choice


def parse_wrk(text: str) -> dict:
    """Requests/s, p50/p99 in ms and error counts from `wrk --latency` output."""
    rps = _RPS.search(text)
    requests = _REQUESTS.search(text)
    percentiles = {int(p): float(v) * _UNITS_MS[u] for p, v, u in _PERCENTILE.findall(text)}
    if not rps or not requests or set(percentiles) != {50, 99}:
        raise ValueError("wrk output lacks Requests/sec or the --latency distribution")
    non_2xx = _NON_2XX.search(text)
    sockets = _SOCKET_ERRORS.search(text)
    return {
        "requests": int(requests.group(1)),
        "rps": float(rps.group(1)),
        "p50_ms": percentiles[50],
        "p99_ms": percentiles[99],
        "errors": sum(map(int, sockets.groups())) if sockets else 0,
        "non_200": int(non_2xx.group(1)) if non_2xx else 0,
    }


def run_load(loader: str, url: str, headers: Mapping[str, str], connections: int,
             duration: float) -> dict:
    """One load run against a 127.0.0.1 URL; the figures of `parse_wrk` / loadgen."""
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError(f"the bench only loads 127.0.0.1, not {url}")
    header_args = [arg for k, v in headers.items() for arg in ("-H", f"{k}: {v}")]
    if loader == "wrk":
        seconds = max(1, round(duration))  # wrk takes whole seconds
        argv = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency",
                "--timeout", "10s", *header_args, url]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 30,
                              check=False)
        if done.returncode != 0:
            raise RuntimeError(f"wrk failed: {done.stderr.strip() or done.stdout.strip()}")
        return parse_wrk(done.stdout)
    argv = [sys.executable, str(LOADGEN), url, f"--connections={connections}",
            f"--duration={duration}", *header_args]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 30, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"loadgen failed: {done.stderr.strip()}")
    return json.loads(done.stdout)
