"""Run the whole benchmark: the stub beside bare-Flask floors and Prism, tables and JSON."""

from __future__ import annotations

import argparse
import datetime
import importlib.util
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
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python bench/run.py` puts bench/, not the checkout, on the path
    sys.path.insert(0, str(ROOT))

from bench import floor, load, make_scenario, prism, report  # noqa: E402
from bench.procs import (  # noqa: E402
    BenchError,
    Fleet,
    Server,
    child_env,
    cpu_seconds,
    free_port,
    get,
    peak_rss_kib,
    rss_kib,
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
SPEC = ROOT / "openapi.yaml"
START_TIMEOUT_S = 60.0
CONTRACT_TIMEOUT_S = 120.0
IDLE_SETTLE_S = 1.0  # after the first 200, before the idle RSS is read
INSTALL_HINT = "pip install -e '.[bench]'"


def progress(message: str) -> None:
    """One line on stderr so a several-minute run shows where it is."""
    print(f"bench: {message}", file=sys.stderr, flush=True)


def parser() -> argparse.ArgumentParser:
    """The bench's flags; the defaults are the published run."""
    p = argparse.ArgumentParser(prog="python bench/run.py", description=__doc__)
    add = p.add_argument
    add("--starts", type=int, default=11, help="start-ups per side, median (default %(default)s)")
    add("--prism-starts", type=int, default=3,
        help="start-ups of Prism, which takes seconds each (default %(default)s)")
    add("--rounds", type=int, default=7,
        help="load rounds per path and side, median (default %(default)s)")
    add("--duration", type=float, default=3.0, help="seconds per load run (default %(default)s)")
    add("--warmup", type=float, default=1.0,
        help="seconds of unmeasured load first (default %(default)s)")
    add("--connections", type=int, default=16,
        help="concurrent connections (default %(default)s)")
    add("--loader", choices=("auto", "wrk", "python"), default="auto",
        help="wrk, or bench/loadgen.py (default: wrk when installed)")
    add("--no-prism", action="store_true", help="leave Prism out (its targets then fail as n/a)")
    add("--scale", default="1000,10000",
        help="account counts of the scale scenarios, comma-separated (default %(default)s; "
             "0 skips)")
    add("--scale-starts", type=int, default=5,
        help="start-ups on each scale scenario (default %(default)s)")
    add("--contract-runs", type=int, default=3,
        help="contract-suite runs, median (default %(default)s; 0 skips)")
    add("--out", type=Path, default=RESULTS, help="JSON results; a .md table is written beside it")
    add("--pycache", type=Path, default=PYCACHE,
        help="bytecode cache of the servers started (default bench/results/pycache)")
    add("--record", action="store_true", help=f"also write {RECORD.relative_to(ROOT)}")
    return p


def scale_counts(text: str) -> list[int]:
    """`--scale 1000,10000` as numbers; `0` (or nothing) skips the scale runs."""
    try:
        counts = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise ValueError(f"--scale takes account counts such as 1000,10000, not {text!r}") \
            from None
    if any(n < 0 for n in counts):
        raise ValueError(f"--scale takes counts of 0 or more, not {text!r}")
    return sorted({n for n in counts if n > 0})


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
    """The stub's default thread count, which the floors are given too."""
    from mockserver.cli import serve_parser

    return serve_parser().get_default("threads")


def contract_result(walls: list[float], codes: list[int], tails: list[str]) -> dict:
    """The contract figure: a median wall time only when every run passed, else why not."""
    failed = [(code, tail) for code, tail in zip(codes, tails, strict=True) if code != 0]
    if not walls:
        return {"wall_s": None, "note": "not run"}
    if failed:
        code, tail = failed[0]
        return {"wall_s": None, "runs_s": walls, "exit_codes": codes,
                "note": f"pytest exited {code}: {tail}"}
    return {"wall_s": statistics.median(walls), "runs_s": walls, "exit_codes": codes, "note": ""}


class Bench:
    """One run: owns every process it starts and stops them all at the end."""

    def __init__(self, args: argparse.Namespace, workdir: Path):
        self.args = args
        self.workdir = workdir
        self.fleet = Fleet()
        self.threads = server_threads()
        self.connections = args.connections
        self.loader = load.loader_name(args.loader)
        self.env = child_env(str(args.pycache.resolve()))
        self.prism: Path | None = None
        self.prism_note = "skipped (--no-prism)"
        self.engines: dict[str, str] = {}

    # -- servers ---------------------------------------------------------------------------
    def _started(self, side: str, server: Server) -> Server:
        self.engines.setdefault(side, server.engine())
        return server

    def start_stub(self, scenario: Path | None = None, replays: bool = True) -> Server:
        """The stub exactly as users start it: `python -m mockserver --port N`.

        Without `replays`, with `--no-replay`: each request goes through Flask, as a request
        that differs from every earlier one does.
        """
        port = free_port()
        argv = [sys.executable, "-m", "mockserver", "--port", str(port)]
        if scenario is not None:
            argv += ["--scenario", str(scenario)]
        side = "stub" if replays else "stub_fresh"
        if not replays:
            argv.append("--no-replay")
        return self._started(side, self.fleet.start(
            side, argv, port, PATHS["list"], KEY_HEADER, START_TIMEOUT_S, cwd=str(ROOT),
            env=self.env))

    def start_floor(self, bodies_file: Path, engine: str) -> Server:
        """The floor on one of the stub's engines, with the stub's thread count."""
        port = free_port()
        argv = [sys.executable, str(ROOT / "bench" / "floor.py"), "--port", str(port),
                "--threads", str(self.threads), "--engine", engine, "--bodies", str(bodies_file)]
        side = f"floor_{engine}"
        return self._started(side, self.fleet.start(
            side, argv, port, PATHS["list"], KEY_HEADER, START_TIMEOUT_S, cwd=str(ROOT),
            env=self.env))

    def start_prism(self) -> Server:
        """Prism mocking the same openapi.yaml, logging off."""
        port = free_port()
        return self.fleet.start("prism", prism.argv(self.prism, SPEC, port), port, PATHS["list"],
                                KEY_HEADER, START_TIMEOUT_S, cwd=str(ROOT), env=self.env)

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
                raise BenchError(f"{floor_server.name}'s answer to GET {path} differs from the "
                                 "stub's")

    def startups(self, starters: dict[str, Callable[[], Server]],
                 counts: dict[str, int]) -> dict[str, list[float]]:
        """Start and stop each side its count of times, interleaved; seconds to the first 200."""
        seconds: dict[str, list[float]] = {side: [] for side in starters}
        for index in range(max(counts.values())):
            for side, start in starters.items():
                if index < counts[side]:
                    server = start()
                    seconds[side].append(server.startup_s)
                    self.fleet.stop(server)
            progress(f"  start-up {index + 1}: " + ", ".join(
                f"{side} {values[-1] * 1000:.0f} ms" for side, values in seconds.items()
                if len(values) == index + 1))
        return seconds

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
                    if not figures["requests"]:
                        raise BenchError(f"{side} GET {path}: no answer within "
                                         f"{self.args.duration:g} s of load")
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
    def compare(self, name: str, start_stub: Callable[[], Server], paths: dict[str, str],
                engines: Sequence[str], with_prism: bool, starts: int, rounds: int,
                start_fresh: Callable[[], Server] | None = None) -> dict:
        """Start-ups, idle and peak RSS and load of the stub, floors serving its bytes, Prism."""
        first = start_stub()  # not in the median: fills the bytecode and page caches
        bodies_file = self.write_bodies(name, self.capture(first, paths))
        self.fleet.stop(first)
        starters: dict[str, Callable[[], Server]] = {"stub": start_stub}
        if start_fresh is not None:
            starters["stub_fresh"] = start_fresh
        for engine in engines:
            starters[f"floor_{engine}"] = lambda e=engine: self.start_floor(bodies_file, e)
        counts = dict.fromkeys(starters, starts)
        if with_prism:
            starters["prism"] = self.start_prism
            counts["prism"] = min(starts, self.args.prism_starts)
        for side, start in starters.items():
            if side != "stub":
                self.fleet.stop(start())  # warm caches, as for the stub
        seconds = self.startups(starters, counts)
        servers = {side: start() for side, start in starters.items()}
        time.sleep(IDLE_SETTLE_S)
        idle = {side: rss_kib(server.process.pid) for side, server in servers.items()}
        for side, server in servers.items():
            if side not in ("stub", "prism"):
                self.check_same_bytes(servers["stub"], server, paths)
        progress(f"{name}: load with {self.loader}, {self.connections} connections")
        figures = self.load(servers, paths, rounds)
        out = {}
        for side, server in servers.items():
            peak = peak_rss_kib(server.process.pid)
            out[side] = {"startup_ms": statistics.median(seconds[side]) * 1000,
                         "startups_ms": [s * 1000 for s in seconds[side]],
                         "idle_rss_mib": idle[side] / 1024 if idle[side] else None,
                         "peak_rss_mib": peak / 1024 if peak else None, **figures[side]}
            self.fleet.stop(server)
        return out

    def default_scenario(self) -> dict:
        """Every side on the default scenario; the stub's bodies are handed to the floors."""
        progress("default scenario: stub (replays on, off), floors on granian and waitress"
                 + (", Prism" if self.prism else f"; Prism {self.prism_note}"))
        return self.compare("default", self.start_stub, PATHS, ("granian", "waitress"),
                            self.prism is not None, self.args.starts, self.args.rounds,
                            lambda: self.start_stub(replays=False))

    def contract(self) -> dict:
        """Wall time of the contract suite against the local stub, pytest start-up included.

        Only a run in which every test passed is a measurement: anything else is `n/a`.
        """
        if self.args.contract_runs <= 0:
            return {"wall_s": None, "note": "skipped (--contract-runs 0)"}
        if importlib.util.find_spec("pytest") is None:
            return {"wall_s": None, "note": f"pytest is not installed: {INSTALL_HINT}"}
        env = contract_env(self.env)
        walls, codes, tails = [], [], []
        for index in range(self.args.contract_runs + 1):  # run 0 is unmeasured: it fills caches
            began = time.perf_counter()
            try:
                done = subprocess.run(CONTRACT_CMD, cwd=ROOT, env=env, capture_output=True,
                                      text=True, timeout=CONTRACT_TIMEOUT_S, check=False)
            except subprocess.TimeoutExpired:
                return {"wall_s": None, "note": f"timed out after {CONTRACT_TIMEOUT_S:g} s"}
            wall = time.perf_counter() - began
            said = (done.stdout.strip() or done.stderr.strip() or "(no output)").splitlines()
            progress(f"  contract run {index}{' (warm-up)' * (index == 0)}: {wall:.2f} s, "
                     f"exit {done.returncode}: {said[-1]}")
            if index:
                walls.append(wall)
                codes.append(done.returncode)
                tails.append(said[-1])
        return contract_result(walls, codes, tails)

    def scale(self, accounts: int) -> dict:
        """Load time, list figures and memory with `accounts` accounts in one workspace."""
        path = make_scenario.write_scenario(self.workdir / f"scale-{accounts}.yaml", accounts)
        progress(f"scale: {accounts} accounts, {path.stat().st_size:,} bytes of YAML")
        out = self.compare(f"scale-{accounts}", lambda: self.start_stub(path),
                           {"list": PATHS["list"]}, ("granian",), False,
                           self.args.scale_starts, 1)
        return {"accounts": accounts, "file_bytes": path.stat().st_size, **out}

    def run(self) -> dict:
        """Every phase, in an order that keeps the noisy ones apart."""
        began = time.perf_counter()
        if not self.args.no_prism:
            progress(f"Prism: looking for {prism.PACKAGE} in {prism.CACHE}")
            self.prism, self.prism_note = prism.locate()
        results: dict = {
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": machine(),
            "settings": {"threads": self.threads, "connections": self.connections,
                         "loader": self.loader, "starts": self.args.starts,
                         "prism_starts": self.args.prism_starts, "rounds": self.args.rounds,
                         "duration_s": self.args.duration, "warmup_s": self.args.warmup,
                         "paths": PATHS},
            "prism": {"version": prism.version(self.prism) if self.prism else None,
                      "note": self.prism_note},
        }
        if self.loader == "wrk":
            version = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
            results["settings"]["wrk"] = (version.stdout or version.stderr).split(" [")[0]
        results["sides"] = self.default_scenario()
        progress("contract suite")
        results["contract"] = self.contract()
        results["scale"] = {str(n): self.scale(n) for n in scale_counts(self.args.scale)}
        results["engines"] = dict(self.engines)
        results["rows"] = report.evaluate(results)
        results["elapsed_s"] = time.perf_counter() - began
        return results


def markdown(results: dict) -> str:
    """The run as Markdown: when, where, how, then the figures, the targets and the verdict."""
    m, s = results["machine"], results["settings"]
    loader = s.get("wrk", s["loader"])
    engines = results.get("engines", {})
    served = "; ".join(f"{report.LABELS[side]} on {engines[side]}" for side in report.SIDES
                       if engines.get(side))
    peer = (f"Prism {results['prism']['version']} (`prism mock -v silent`)"
            if results["prism"]["version"] else f"Prism {results['prism']['note']}")
    lines = [
        "# Benchmark results",
        "",
        f"Measured {results['date']} with `python bench/run.py` on {m['nproc']} cores "
        f"({m['cpu']}), Python {m['python']}, {m['system']}, load average "
        f"{m['loadavg_at_start'][0]:g} at the start. Load: {loader}, {s['connections']} "
        f"connections, {s['rounds']} rounds of {s['duration_s']:g} s per path and side "
        f"(medians), interleaved. Served: {served}. Peer: {peer}. The floors are bare Flask "
        "apps answering the stub's exact bytes. Absolute figures are noisy on a shared "
        "machine: the ratios, measured side by side in one run, are what count.",
        "",
        report.figures_table(results["sides"]),
        "",
        "Targets (a figure not measured is n/a, and does not pass):",
        "",
        report.targets_table(results["rows"]),
        "",
    ]
    if results.get("scale"):
        lines += ["Scale (one workspace holding N accounts, YAML scenario):", "",
                  report.scale_table(results["scale"]), ""]
    lines += [report.summary(results["rows"]), ""]
    return "\n".join(lines)


def _interrupt(_signum, _frame) -> None:
    # SIGTERM unwinds like Ctrl-C, so the `finally` in main still stops every server.
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    """Run, print the table, write the JSON (and Markdown) results."""
    args = parser().parse_args(argv)
    if min(args.starts, args.prism_starts, args.rounds, args.scale_starts) < 1 \
            or args.duration <= 0:
        print("bench: --starts, --prism-starts, --rounds and --scale-starts must be at least 1, "
              "--duration above 0", file=sys.stderr)
        return 2
    try:
        scale_counts(args.scale)
    except ValueError as exc:
        print(f"bench: {exc}", file=sys.stderr)
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
