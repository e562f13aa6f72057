"""Shared pieces of the loopback scripts: a scratch PostgreSQL database, the app as deployed,
and what the kernel says about its processes (memory, file descriptors, sockets).

Linux only: process figures come from /proc.
"""

import os
import re
import secrets
import socket
import subprocess
import sys
import time
from collections import Counter
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parent.parent
# The scripts reset their database: only names made for them are accepted.
SCRATCH_DATABASE = re.compile(r"^gf_soak[a-z0-9_]*$")


def free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def reachable(host: str, port: int, timeout: float = 2.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


@dataclass
class ScratchDatabase:
    """A database of its own on a PostgreSQL server, dropped and created afresh."""

    host: str
    port: int
    name: str
    user: str = "postgres"

    def __post_init__(self) -> None:
        if not SCRATCH_DATABASE.match(self.name):
            raise SystemExit(f"refusing to reset {self.name!r}: use a name starting gf_soak")

    @property
    def app_url(self) -> str:
        return f"postgresql+asyncpg://{self.user}@{self.host}:{self.port}/{self.name}"

    async def connect(self, database: str | None = None) -> asyncpg.Connection:
        return await asyncpg.connect(
            host=self.host, port=self.port, user=self.user, database=database or self.name
        )

    async def reset(self) -> None:
        connection = await self.connect("postgres")
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            await connection.execute(f'CREATE DATABASE "{self.name}"')
        finally:
            await connection.close()


async def connections_by_state(monitor: asyncpg.Connection, database: str) -> dict[str, int]:
    """The server's connections to ``database``, by state (active, idle, idle in transaction)."""
    rows = await monitor.fetch(
        "SELECT coalesce(state, 'unknown') AS state, count(*) AS n FROM pg_stat_activity "
        "WHERE datname = $1 AND pid <> pg_backend_pid() GROUP BY 1",
        database,
    )
    return {row["state"]: int(row["n"]) for row in rows}


async def waits(monitor: asyncpg.Connection, database: str) -> dict[str, int]:
    """What the connections to ``database`` that are inside a transaction wait for.

    ``Lock:*`` is a row or counter lock another transaction holds; ``IO:*`` and
    ``LWLock:WAL*`` the disk (a commit's flush); ``Client:ClientRead`` inside a transaction
    the app, which holds the connection while it computes.
    """
    rows = await monitor.fetch(
        "SELECT coalesce(w.wait_event_type || ':' || w.wait_event, 'running') AS wait, "
        "left(regexp_replace(w.query, '\\s+', ' ', 'g'), 60) AS query, "
        "(SELECT b.state || ': ' || left(regexp_replace(b.query, '\\s+', ' ', 'g'), 60) "
        " FROM pg_stat_activity b WHERE b.pid = (pg_blocking_pids(w.pid))[1]) AS blocker "
        "FROM pg_stat_activity w WHERE w.datname = $1 "
        "AND w.state IN ('active', 'idle in transaction') AND w.pid <> pg_backend_pid()",
        database,
    )
    found: Counter[str] = Counter()
    for row in rows:
        # A lock wait names the statement that waits and the state and last statement of
        # the transaction it waits for: which lock it is, and why it is held.
        if row["wait"].startswith("Lock:"):
            found[f"{row['wait']} {row['query']} <- {row['blocker']}"] += 1
        else:
            found[row["wait"]] += 1
    return dict(found)


def production_env(database_url: str, **settings: str) -> dict[str, str]:
    """The environment of a production deployment: a random secret, structured logs."""
    return {
        **os.environ,
        "GOVFLOW_ENV": "production",
        "GOVFLOW_SECRET_KEY": secrets.token_hex(32),
        "GOVFLOW_DATABASE_URL": database_url,
        "GOVFLOW_LOG_JSON": "true",
        **{f"GOVFLOW_{name.upper()}": value for name, value in settings.items()},
    }


def migrate(env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )


@dataclass
class AppServer:
    """``uvicorn app.main:app`` as the container runs it, on a loopback port."""

    env: dict[str, str]
    log_path: Path
    workers: int = 2
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    _log: IO[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> None:
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "app.main:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                str(self.workers),
                "--loop",
                "uvloop",
                "--http",
                "httptools",
                "--no-access-log",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"uvicorn exited early; see {self.log_path}")
            ready = len(self.worker_pids()) == self.workers
            try:
                if ready and httpx.get(f"{self.base_url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the app did not become ready in {timeout:.0f} s; see {self.log_path}")

    def worker_pids(self) -> list[int]:
        """The worker processes: children of the uvicorn master that serve requests."""
        if self.process is None:
            return []
        return sorted(
            pid for pid in children(self.process.pid) if "resource_tracker" not in cmdline(pid)
        )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._log is not None:
            self._log.close()


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # The command name (field 2) may hold spaces: the parent is after its closing ")".
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry))
    return found


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def cpu_seconds(pid: int) -> float | None:
    """User and system CPU time the process has used."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # utime and stime are fields 14 and 15 of stat(5); the split starts at field 3.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _socket_ports() -> dict[str, tuple[int, int]]:
    """Socket inode → (local port, remote port), for TCP over IPv4 and IPv6."""
    ports = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            local, remote, inode = parts[1], parts[2], parts[9]
            ports[inode] = (int(local.rsplit(":", 1)[1], 16), int(remote.rsplit(":", 1)[1], 16))
    return ports


def open_fds(pid: int, app_port: int, db_port: int) -> dict[str, int] | None:
    """A process's open file descriptors: total, and the sockets among them by peer.

    ``clients`` are connections accepted on the app's port (as many as the load generator
    keeps open), ``database`` those to PostgreSQL (at most the pool size); ``other`` is
    everything else (files, pipes, the listening socket, the event loop's own), which a
    long-running worker must not accumulate.
    """
    try:
        targets = []
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                targets.append(os.readlink(f"/proc/{pid}/fd/{fd}"))
            except OSError:
                continue
    except OSError:
        return None
    ports = _socket_ports()
    kinds: Counter[str] = Counter()
    for target in targets:
        local, remote = ports.get(target.removeprefix("socket:[").rstrip("]"), (0, 0))
        if target.startswith("socket:[") and local == app_port and remote != 0:
            kinds["clients"] += 1
        elif target.startswith("socket:[") and remote == db_port:
            kinds["database"] += 1
        else:
            kinds["other"] += 1
    return {"total": len(targets), **{k: kinds[k] for k in ("clients", "database", "other")}}


# What pool exhaustion or a lost database leaves in the log, and what an error does.
POOL_PROBLEMS = ("QueuePool limit", "TimeoutError", "database_unavailable")
ERRORS = (
    "Traceback", "database_error", "unhandled_error", '"level": "error"', '"level": "critical"',
)  # fmt: skip


def log_problems(log_path: Path, limit: int = 5) -> dict[str, Any]:
    """Lines of the server's log that show pool exhaustion or an unhandled error.

    Lines of a request carry its ``request_id``; the others come from the background jobs
    (deadline sweeper, webhook delivery), which log a failure and try again later.
    """
    found: dict[str, Counter[str]] = {
        f"{source}_{kind}": Counter()
        for source in ("requests", "background")
        for kind in ("pool", "errors")
    }
    excerpts: list[str] = []
    with open(log_path, errors="replace") as log:
        for line in log:
            source = "requests" if '"request_id"' in line else "background"
            pool = [pattern for pattern in POOL_PROBLEMS if pattern in line]
            errors = [pattern for pattern in ERRORS if pattern in line]
            found[f"{source}_pool"].update(pool)
            found[f"{source}_errors"].update(errors)
            if (pool or errors) and len(excerpts) < limit:
                excerpts.append(line.strip()[:2000])
    return {**{name: dict(counts) for name, counts in found.items()}, "excerpts": excerpts}
