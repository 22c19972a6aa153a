"""A Python load generator, for machines without wrk: keep-alive connections on threads."""

from __future__ import annotations

import argparse
import http.client
import json
import math
import sys
import threading
import time
from urllib.parse import urlsplit


def percentile(sorted_values: list[float], fraction: float) -> float:
    """The nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return 0.0
    # ceil(p * n) is the rank; the epsilon keeps 0.99 * 100 from rounding up past 99.
    rank = max(0, min(len(sorted_values) - 1, math.ceil(fraction * len(sorted_values) - 1e-9) - 1))
    return sorted_values[rank]


def _worker(host: str, port: int, path: str, headers: dict, stop_at: float,
            latencies: list, counts: dict, lock: threading.Lock) -> None:
    conn = http.client.HTTPConnection(host, port, timeout=10)
    mine, errors, non_200 = [], 0, 0
    try:
        while time.perf_counter() < stop_at:
            began = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                errors += 1
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=10)
                continue
            mine.append(time.perf_counter() - began)
            if response.status != 200:
                non_200 += 1
    finally:
        conn.close()
        with lock:
            latencies.extend(mine)
            counts["errors"] += errors
            counts["non_200"] += non_200


def run(url: str, headers: dict, connections: int, duration: float) -> dict:
    """Load one URL for `duration` seconds; requests/s and latency percentiles in ms."""
    parts = urlsplit(url)
    if parts.hostname not in ("127.0.0.1", "localhost"):
        raise SystemExit("loadgen only sends traffic to 127.0.0.1")
    latencies: list[float] = []
    counts = {"errors": 0, "non_200": 0}
    lock = threading.Lock()
    began = time.perf_counter()
    threads = [threading.Thread(target=_worker, daemon=True, args=(
        parts.hostname, parts.port, parts.path or "/", headers, began + duration,
        latencies, counts, lock)) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(duration + 15)
    elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed if elapsed else 0.0,
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "errors": counts["errors"],
        "non_200": counts["non_200"],
    }


def main(argv: list[str] | None = None) -> int:
    """`python bench/loadgen.py URL --connections C --duration S [-H 'name: value']` -> JSON."""
    parser = argparse.ArgumentParser(prog="loadgen", description=__doc__)
    parser.add_argument("url")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("-H", "--header", action="append", default=[])
    args = parser.parse_args(argv)
    headers = dict(h.split(":", 1) for h in args.header)
    headers = {k.strip(): v.strip() for k, v in headers.items()}
    print(json.dumps(run(args.url, headers, args.connections, args.duration)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
