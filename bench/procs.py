"""Server processes for the bench: launch, probe for the first 200, read peak RSS, always stop."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

HOST = "127.0.0.1"  # the bench never sends traffic anywhere else
PROBE_INTERVAL_S = 0.002


class BenchError(Exception):
    """A bench step could not be measured; one sentence saying which and why."""


def child_env(pycache: str) -> dict[str, str]:
    """This environment, but with bytecode cached (in `pycache`) as on a user's machine.

    A sandbox may set PYTHONDONTWRITEBYTECODE, which makes every start compile every module
    from source; users' starts after the first read cached bytecode, so the bench does too.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = pycache
    return env


def free_port() -> int:
    """A port nothing listens on right now (the kernel's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def get(port: int, path: str, headers: Mapping[str, str],
        timeout: float = 5.0) -> tuple[int, str, bytes]:
    """One GET to 127.0.0.1: status, content type and body."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path, headers=dict(headers))
        response = conn.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read()
    finally:
        conn.close()


def _status_kib(pid: int, field_name: str) -> int | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field_name):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def descendants(pid: int) -> list[int]:
    """The process and every process under it (Prism may start children), from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                    ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents.setdefault(ppid, []).append(int(entry))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo += parents.get(current, [])
    return tree


def tree_kib(pid: int, field_name: str) -> int | None:
    """A /proc status figure (VmRSS:, VmHWM:) summed over the process tree; None if it is gone."""
    values = [_status_kib(p, field_name) for p in descendants(pid)]
    if values[0] is None:
        return None
    return sum(v for v in values if v is not None)


def peak_rss_kib(pid: int) -> int | None:
    """VmHWM (peak resident set) of a live process and its children, in KiB."""
    return tree_kib(pid, "VmHWM:")


def rss_kib(pid: int) -> int | None:
    """VmRSS (resident set now) of a live process and its children, in KiB."""
    return tree_kib(pid, "VmRSS:")


def cpu_seconds(pid: int) -> float | None:
    """User plus system CPU time a live process has used, in seconds; None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # Fields 14 and 15 of proc(5), counted after the parenthesised command name.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Server:
    """One running server process and the seconds it took to answer its first 200."""

    name: str
    port: int
    process: subprocess.Popen
    log: object
    startup_s: float = 0.0

    def log_tail(self, lines: int = 5) -> str:
        """The last lines the process wrote, to explain a failure."""
        self.log.flush()
        self.log.seek(0)
        text = self.log.read().decode("utf-8", "replace").strip().splitlines()
        return " | ".join(text[-lines:]) or "(no output)"

    def engine(self) -> str:
        """What the server's `engine:` line says it runs on, or '' if it printed none."""
        self.log.flush()
        self.log.seek(0)
        for line in self.log.read().decode("utf-8", "replace").splitlines():
            if "engine: " in line:
                return line.split("engine: ", 1)[1].strip()
        return ""


@dataclass
class Fleet:
    """Every process the bench starts; `stop_all` ends each of them, by its own pid."""

    servers: list[Server] = field(default_factory=list)

    def start(self, name: str, argv: Sequence[str], port: int, probe_path: str,
              probe_headers: Mapping[str, str], timeout_s: float, cwd: str | None = None,
              env: Mapping[str, str] | None = None) -> Server:
        """Launch a server and wait for its first 200 on the probe path (bounded by timeout_s)."""
        log = tempfile.TemporaryFile()
        started = time.perf_counter()
        process = subprocess.Popen(list(argv), stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, cwd=cwd,
                                   env=None if env is None else dict(env))
        server = Server(name, port, process, log)
        self.servers.append(server)
        deadline = started + timeout_s
        while True:
            try:
                status, _, _ = get(port, probe_path, probe_headers, timeout=timeout_s)
                if status == 200:
                    server.startup_s = time.perf_counter() - started
                    return server
                raise BenchError(f"{name} answered {status} to GET {probe_path}: "
                                 f"{server.log_tail()}")
            except (ConnectionRefusedError, ConnectionResetError, http.client.RemoteDisconnected):
                pass
            if process.poll() is not None:
                raise BenchError(f"{name} exited with {process.returncode} before answering: "
                                 f"{server.log_tail()}")
            if time.perf_counter() > deadline:
                raise BenchError(f"{name} did not answer within {timeout_s:g} s: "
                                 f"{server.log_tail()}")
            time.sleep(PROBE_INTERVAL_S)

    def stop(self, server: Server) -> None:
        """End one server: terminate, then kill if it lingers."""
        if server.process.poll() is None:
            server.process.terminate()
            try:
                server.process.wait(timeout=3)
            except subprocess.TimeoutExpired:
                server.process.kill()
                server.process.wait(timeout=3)
        server.log.close()
        if server in self.servers:
            self.servers.remove(server)

    def stop_all(self) -> None:
        """End every server still running (also on error or Ctrl-C)."""
        for server in list(self.servers):
            try:
                self.stop(server)
            except Exception:  # noqa: BLE001 - keep stopping the others
                if server.process.poll() is None:
                    os.kill(server.process.pid, 9)
