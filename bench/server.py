"""The app as deployed: uvicorn with uvloop and httptools, N workers, on loopback.

Its output goes to a file, so logging costs what it costs in production without the
terminal in the way. ``stop`` ends the whole process group it started, and nothing else.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bench.database import ROOT


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command may hold spaces and parentheses: the parent pid follows the last ')'.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process has used (``/proc/<pid>/stat``)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # After the command: state is field 3, utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / TICKS


class Server:
    def __init__(
        self,
        workers: int,
        environment: dict[str, str],
        log_path: Path,
        application: str = "app.main:app",
        app_dir: Path = ROOT,
    ) -> None:
        self.application = application
        self.app_dir = app_dir
        self.workers = workers
        self.environment = environment
        self.log_path = log_path
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 90.0) -> None:
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            self.application,
            "--app-dir",
            str(self.app_dir),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--loop",
            "uvloop",
            "--http",
            "httptools",
            "--workers",
            str(self.workers),
            "--no-access-log",
        ]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=self.environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"the server exited ({self.process.returncode}): {self.log_path}"
                )
            try:
                ready = httpx.get(f"{self.base_url}/readyz", timeout=2).status_code == 200
                if ready and len(self.worker_pids()) == self.workers:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"the server did not become ready in {timeout:.0f}s: {self.log_path}")

    def worker_pids(self) -> list[int]:
        """The processes that serve requests: the server itself with one worker."""
        assert self.process is not None
        if self.workers == 1:
            return [self.process.pid]
        workers = []
        for pid in _children(self.process.pid):
            try:
                command = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if b"spawn_main" in command:
                workers.append(pid)
        return sorted(workers)

    def cpu_seconds(self) -> float:
        """The serving processes' CPU time so far, summed."""
        return sum(cpu_seconds(pid) for pid in self.worker_pids())

    def settle(self, timeout: float = 120.0) -> float:
        """Wait until the workers are idle (under a tenth of a core over half a second):
        requests wrk gave up on are still being served, and would be charged to the next
        scenario. Returns the seconds waited."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            before = self.cpu_seconds()
            time.sleep(0.5)
            if self.cpu_seconds() - before < 0.05:
                break
        return round(time.monotonic() - started, 1)

    def rss(self) -> dict[int, float | None]:
        return {pid: rss_mb(pid) for pid in self.worker_pids()}

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        group = self.process.pid  # start_new_session: the group is ours alone
        os.killpg(group, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(group, signal.SIGKILL)
            self.process.wait(timeout=10)
