"""Run the whole benchmark: the stub beside the bare-Flask floor, one table, one JSON file."""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python bench/run.py` puts bench/, not the checkout, on the path
    sys.path.insert(0, str(ROOT))

from bench import floor, load, make_scenario, report  # noqa: E402
from bench.procs import (  # noqa: E402
    BenchError,
    Fleet,
    Server,
    child_env,
    cpu_seconds,
    free_port,
    get,
    peak_rss_kib,
)

KEY_HEADER = {"embed-api-key": "pn-demo-key"}  # the stub's published demo key, not a secret
PATHS = {"list": "/social-account", "read": "/social-account/cmqi7jyir0003v0m91hxnyyaq"}
CONTRACT_CMD = (sys.executable, "-m", "pytest", "contract_tests", "-q", "-p", "no:cacheprovider")
# Variables that would point the contract suite somewhere else (CONTRACT_BASE_URL, EMBED_API_KEY,
# CONTRACT_DELETE_ACCOUNT_ID, PYTEST_ADDOPTS, ...): the bench times it against the local stub only.
CONTRACT_ENV_PREFIXES = ("CONTRACT_", "EMBED_", "PYTEST_")
RESULTS = ROOT / "bench" / "results" / "latest.json"
RECORD = ROOT / "bench" / "RESULTS.md"
PYCACHE = ROOT / "bench" / "results" / "pycache"
START_TIMEOUT_S = 60.0
CONTRACT_TIMEOUT_S = 120.0


def progress(message: str) -> None:
    """One line on stderr so a three-minute run shows where it is."""
    print(f"bench: {message}", file=sys.stderr, flush=True)


def parser() -> argparse.ArgumentParser:
    """The bench's flags; the defaults are the published run (about three minutes on 2 cores)."""
    p = argparse.ArgumentParser(prog="python bench/run.py", description=__doc__)
    add = p.add_argument
    add("--starts", type=int, default=7, help="start-ups per side, median (default %(default)s)")
    add("--rounds", type=int, default=7,
        help="load rounds per path and side, median (default %(default)s)")
    add("--duration", type=float, default=3.0, help="seconds per load run (default %(default)s)")
    add("--warmup", type=float, default=1.0,
        help="seconds of unmeasured load first (default %(default)s)")
    add("--connections", type=int, default=None,
        help="concurrent connections (default: the server's thread count)")
    add("--loader", choices=("auto", "wrk", "python"), default="auto",
        help="wrk, or bench/loadgen.py (default: wrk when installed)")
    add("--scale", type=int, default=10_000,
        help="accounts in the scale scenario (default %(default)s; 0 skips)")
    add("--scale-starts", type=int, default=3,
        help="start-ups on the scale scenario (default %(default)s)")
    add("--contract-runs", type=int, default=3,
        help="contract-suite runs, median (default %(default)s; 0 skips)")
    add("--out", type=Path, default=RESULTS, help="JSON results; a .md table is written beside it")
    p.add_argument("--pycache", type=Path, default=PYCACHE,
                   help="bytecode cache of the servers started (default bench/results/pycache)")
    p.add_argument("--record", action="store_true", help=f"also write {RECORD.relative_to(ROOT)}")
    return p


def machine() -> dict:
    """What the figures were measured on."""
    model = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            model = next((line.split(":", 1)[1].strip() for line in cpuinfo
                          if line.startswith("model name")), model)
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": model, "python": platform.python_version(),
            "system": f"{platform.system()} {platform.release()}",
            "loadavg_at_start": [round(x, 2) for x in os.getloadavg()]}


def contract_env(env: dict[str, str]) -> dict[str, str]:
    """The environment without any variable that configures the contract suite or pytest."""
    return {k: v for k, v in env.items() if not k.startswith(CONTRACT_ENV_PREFIXES)}


def server_threads() -> int:
    """The stub's default worker-thread count, which the floor is given too."""
    from mockserver.cli import serve_parser

    return serve_parser().get_default("threads")


class Bench:
    """One run: owns every process it starts and stops them all at the end."""

    def __init__(self, args: argparse.Namespace, workdir: Path):
        self.args = args
        self.workdir = workdir
        self.fleet = Fleet()
        self.threads = server_threads()
        self.connections = args.connections or self.threads
        self.loader = load.loader_name(args.loader)
        self.env = child_env(str(args.pycache.resolve()))

    # -- servers ---------------------------------------------------------------------------
    def start_stub(self, scenario: Path | None = None) -> Server:
        """The stub exactly as users start it: `python -m mockserver --port N`."""
        port = free_port()
        argv = [sys.executable, "-m", "mockserver", "--port", str(port)]
        if scenario is not None:
            argv += ["--scenario", str(scenario)]
        return self.fleet.start("stub", argv, port, PATHS["list"], KEY_HEADER, START_TIMEOUT_S,
                                cwd=str(ROOT), env=self.env)

    def start_floor(self, bodies_file: Path) -> Server:
        """The floor, served by waitress with the stub's thread count."""
        port = free_port()
        argv = [sys.executable, str(ROOT / "bench" / "floor.py"), "--port", str(port),
                "--threads", str(self.threads), "--bodies", str(bodies_file)]
        return self.fleet.start("floor", argv, port, PATHS["list"], KEY_HEADER, START_TIMEOUT_S,
                                cwd=str(ROOT), env=self.env)

    def capture(self, server: Server, paths: dict[str, str]) -> dict[str, tuple[int, str, bytes]]:
        """What the server answers on each path, to hand to the floor (or compare with it)."""
        return {path: get(server.port, path, KEY_HEADER) for path in paths.values()}

    def write_bodies(self, name: str, bodies: dict[str, tuple[int, str, bytes]]) -> Path:
        """The floor's `--bodies` file."""
        path = self.workdir / f"{name}.json"
        path.write_text(floor.encode_bodies(bodies), encoding="ascii")
        return path

    def check_same_bytes(self, stub: Server, floor_server: Server, paths: dict[str, str]) -> None:
        """The floor must answer byte-identical bodies, or the comparison means nothing."""
        expected, served = self.capture(stub, paths), self.capture(floor_server, paths)
        for path in paths.values():
            if expected[path] != served[path]:
                raise BenchError(f"the floor's answer to GET {path} differs from the stub's")

    def startups(self, count: int, start_stub, start_floor) -> tuple[list[float], list[float]]:
        """Start and stop each side `count` times, interleaved; seconds to the first 200."""
        stub_s, floor_s = [], []
        for index in range(count):
            for start, into in ((start_stub, stub_s), (start_floor, floor_s)):
                server = start()
                into.append(server.startup_s)
                self.fleet.stop(server)
            progress(f"  start-up {index + 1}/{count}: stub {stub_s[-1] * 1000:.0f} ms, "
                     f"floor {floor_s[-1] * 1000:.0f} ms")
        return stub_s, floor_s

    # -- load ------------------------------------------------------------------------------
    def load(self, servers: dict[str, Server], paths: dict[str, str], rounds: int) -> dict:
        """Median figures per side and path over interleaved rounds (after a warm-up)."""
        url = "http://127.0.0.1:{port}{path}"
        if self.args.warmup > 0:
            for server in servers.values():
                for path in paths.values():
                    load.run_load(self.loader, url.format(port=server.port, path=path), KEY_HEADER,
                                  self.connections, self.args.warmup)
        runs: dict[str, dict[str, list[dict]]] = {s: {p: [] for p in paths} for s in servers}
        for index in range(rounds):
            order = list(servers.items()) if index % 2 == 0 else list(servers.items())[::-1]
            for name, path in paths.items():
                for side, server in order:
                    cpu_before = cpu_seconds(server.process.pid)
                    figures = load.run_load(self.loader, url.format(port=server.port, path=path),
                                            KEY_HEADER, self.connections, self.args.duration)
                    cpu_after = cpu_seconds(server.process.pid)
                    # CPU per request barely moves with a noisy neighbour, unlike requests/s.
                    if cpu_before is not None and cpu_after is not None and figures["requests"]:
                        figures["cpu_us"] = (cpu_after - cpu_before) / figures["requests"] * 1e6
                    if figures["non_200"] or figures["errors"]:
                        raise BenchError(f"{side} GET {path}: {figures['non_200']} non-200 "
                                         f"answers, {figures['errors']} socket errors under load")
                    runs[side][name].append(figures)
                    progress(f"  {side} {name} round {index + 1}/{rounds}: "
                             f"{figures['rps']:,.0f}/s, p50 {figures['p50_ms']:.2f} ms, "
                             f"p99 {figures['p99_ms']:.2f} ms")
        return {side: {name: {
            "rps": statistics.median(r["rps"] for r in figures),
            "p50_ms": statistics.median(r["p50_ms"] for r in figures),
            "p99_ms": statistics.median(r["p99_ms"] for r in figures),
            **({"cpu_us": statistics.median(r["cpu_us"] for r in figures)}
               if all("cpu_us" in r for r in figures) else {}),
            "rounds": figures,
        } for name, figures in by_path.items()} for side, by_path in runs.items()}

    # -- phases ----------------------------------------------------------------------------
    def compare(self, name: str, start_stub, paths: dict[str, str], starts: int,
                rounds: int) -> tuple[dict, dict]:
        """Start-ups, load and peak RSS of the stub beside a floor serving the stub's bytes."""
        first = start_stub()  # not in the median: fills the bytecode and page caches
        bodies = self.capture(first, paths)
        bodies_file = self.write_bodies(name, bodies)
        self.fleet.stop(first)

        def start_floor() -> Server:
            return self.start_floor(bodies_file)

        self.fleet.stop(start_floor())
        stub_s, floor_s = self.startups(starts, start_stub, start_floor)
        servers = {"stub": start_stub(), "floor": start_floor()}
        self.check_same_bytes(servers["stub"], servers["floor"], paths)
        progress(f"{name}: load with {self.loader}, {self.connections} connections")
        figures = self.load(servers, paths, rounds)
        out = {}
        for side, server in servers.items():
            rss = peak_rss_kib(server.process.pid)
            seconds = stub_s if side == "stub" else floor_s
            out[side] = {"startup_ms": statistics.median(seconds) * 1000,
                         "startups_ms": [s * 1000 for s in seconds],
                         "peak_rss_mib": rss / 1024 if rss else None, **figures[side]}
            self.fleet.stop(server)
        return out, bodies

    def default_scenario(self) -> dict:
        """Start-up, load and peak RSS on the default scenario, stub beside floor."""
        progress("default scenario: the stub's bodies are handed to the floor")
        return self.compare("default", self.start_stub, PATHS, self.args.starts,
                            self.args.rounds)[0]

    def contract(self) -> dict:
        """Wall time of the contract suite against the local stub, pytest start-up included."""
        if self.args.contract_runs <= 0:
            return {"wall_s": None, "note": "skipped (--contract-runs 0)"}
        env = contract_env(self.env)
        walls, codes = [], []
        for index in range(self.args.contract_runs + 1):  # run 0 is unmeasured: it fills caches
            began = time.perf_counter()
            try:
                done = subprocess.run(CONTRACT_CMD, cwd=ROOT, env=env, capture_output=True,
                                      text=True, timeout=CONTRACT_TIMEOUT_S, check=False)
            except subprocess.TimeoutExpired:
                return {"wall_s": None, "note": f"timed out after {CONTRACT_TIMEOUT_S:g} s"}
            wall = time.perf_counter() - began
            if done.returncode == 5:
                return {"wall_s": None, "note": "pytest collected no contract tests"}
            tail = (done.stdout.strip().splitlines() or ["(no output)"])[-1]
            progress(f"  contract run {index}{' (warm-up)' * (index == 0)}: {wall:.2f} s, "
                     f"exit {done.returncode}: {tail}")
            if index:
                walls.append(wall)
                codes.append(done.returncode)
        worst = max(codes)
        if worst > 1:  # interrupted, internal or usage error: the suite did not run through
            return {"wall_s": None, "runs_s": walls, "exit_codes": codes,
                    "note": f"pytest exited {worst}: the suite did not run through"}
        note = "" if worst == 0 else "some contract tests failed"
        return {"wall_s": statistics.median(walls), "runs_s": walls, "exit_codes": codes,
                "note": note}

    def scale(self) -> dict:
        """Load time and list figures for a scenario with `--scale` accounts in one workspace."""
        accounts = self.args.scale
        path = make_scenario.write_scenario(self.workdir / "scale.yaml", accounts)
        progress(f"scale: {accounts} accounts, {path.stat().st_size:,} bytes of YAML")
        list_only = {"list": PATHS["list"]}
        out, bodies = self.compare("scale", lambda: self.start_stub(path), list_only,
                                   self.args.scale_starts, 1)
        return {"accounts": accounts, "file_bytes": path.stat().st_size,
                "list_body_bytes": len(bodies[PATHS["list"]][2]), **out}

    def run(self) -> dict:
        """Every phase, in an order that keeps the noisy ones apart."""
        began = time.perf_counter()
        results: dict = {
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": machine(),
            "settings": {"threads": self.threads, "connections": self.connections,
                         "loader": self.loader, "starts": self.args.starts,
                         "rounds": self.args.rounds, "duration_s": self.args.duration,
                         "warmup_s": self.args.warmup, "paths": PATHS},
        }
        if self.loader == "wrk":
            version = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
            results["settings"]["wrk"] = (version.stdout or version.stderr).split(" [")[0]
        results.update(self.default_scenario())
        progress("contract suite")
        results["contract"] = self.contract()
        if self.args.scale > 0:
            results["scale"] = self.scale()
        results["rows"] = report.evaluate(results)
        results["elapsed_s"] = time.perf_counter() - began
        return results


def markdown(results: dict) -> str:
    """The run as Markdown: when, where, how, then the table and the verdict line."""
    m, s = results["machine"], results["settings"]
    loader = s.get("wrk", s["loader"])
    return "\n".join([
        "# Benchmark results",
        "",
        f"Measured {results['date']} with `python bench/run.py` on {m['nproc']} cores "
        f"({m['cpu']}), Python {m['python']}, {m['system']}. Load: {loader}, "
        f"{s['connections']} connections, {s['rounds']} rounds of {s['duration_s']:g} s per path "
        f"(medians); both sides on waitress with {s['threads']} threads. Absolute figures are "
        "noisy on a shared machine: the ratios are what count.",
        "",
        report.table(results["rows"]),
        "",
        report.summary(results["rows"]),
        "",
    ])


def _interrupt(_signum, _frame) -> None:
    # SIGTERM unwinds like Ctrl-C, so the `finally` in main still stops every server.
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    """Run, print the table, write the JSON (and Markdown) results."""
    args = parser().parse_args(argv)
    if min(args.starts, args.rounds, args.scale_starts) < 1 or args.duration <= 0:
        print("bench: --starts, --rounds and --scale-starts must be at least 1, --duration above 0",
              file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _interrupt)
    with tempfile.TemporaryDirectory(prefix="mockserver-bench-") as workdir:
        bench = Bench(args, Path(workdir))
        try:
            results = bench.run()
        except KeyboardInterrupt:
            print("bench: interrupted; every server it started has been stopped", file=sys.stderr)
            return 130
        except (BenchError, OSError, RuntimeError, ValueError, subprocess.TimeoutExpired) as exc:
            print(f"bench: error: {exc}", file=sys.stderr)
            return 1
        finally:
            bench.fleet.stop_all()
    text = markdown(results)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    args.out.with_suffix(".md").write_text(text, encoding="utf-8")
    if args.record:
        shutil.copyfile(args.out.with_suffix(".md"), RECORD)
    progress(f"wrote {args.out} ({results['elapsed_s']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
