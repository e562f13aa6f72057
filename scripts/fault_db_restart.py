"""Fault test: PostgreSQL stops in the middle of a load run and comes back.

Starts a private PostgreSQL cluster on a free loopback port (its own data folder, so
nothing else on the machine is touched), the app against it, and eight concurrent writers
creating tickets. Several times, at a random moment, the database is stopped in fast mode
(as ``pg_ctlcluster … stop`` does: sessions are ended in the middle of whatever they run,
checkout, BEGIN, a statement or the COMMIT) and started again. Checks:
- every answer is a 201 or a 503 problem with Retry-After: no 500, no reset connection;
- failures are fast (not hangs), /readyz reports each outage and the recovery;
- the app recovers by itself, without a restart;
- every ticket acknowledged with a 2xx is in the database afterwards (a ticket stored whose
  answer was lost with the connection is counted, not a failure: a client retries it with
  its Idempotency-Key).
Prints every status with its count; exits non-zero when a check fails.

    python scripts/fault_db_restart.py [--seconds 20] [--outages 3] [--outage 2]
"""

import argparse
import asyncio
import glob
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import closing
from pathlib import Path

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parent.parent
PG_BIN = sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1]
ADMIN_PASSWORD = "fault-admin-password-123"


def free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def as_postgres(*command: str) -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as the postgres user."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else list(command)


class Cluster:
    def __init__(self, folder: Path, port: int) -> None:
        self.data, self.port = folder / "data", port
        self.log = folder / "postgres.log"

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.data.parent, "postgres")
        subprocess.run(
            as_postgres(
                f"{PG_BIN}/initdb",
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
            ),
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        subprocess.run(
            as_postgres(
                f"{PG_BIN}/pg_ctl",
                "-D",
                str(self.data),
                "-l",
                str(self.log),
                "-o",
                f"-p {self.port} -k /tmp -c listen_addresses=127.0.0.1",
                "-w",
                "start",
            ),
            check=True,
            capture_output=True,
        )

    def stop(self) -> None:
        subprocess.run(
            as_postgres(f"{PG_BIN}/pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop"),
            check=False,
            capture_output=True,
        )


WRITERS = 8


class Load:
    """Eight writers creating tickets as fast as the app lets them, half of them with an
    ``Idempotency-Key`` (whose middleware has transactions of its own)."""

    def __init__(self, http: httpx.AsyncClient, token: str) -> None:
        self.http = http
        self.headers = {"Authorization": f"Bearer {token}"}
        self.acknowledged: list[str] = []
        self.statuses: Counter[str] = Counter()
        self.without_retry_after = 0
        self.slowest_failure = 0.0
        self.after_last_restart = 0
        self.restarted_all = False
        self.running = True

    async def writer(self, number: int) -> None:
        body = {
            "channel": "phone",
            "type": "complaint",
            "category_code": "zhandao_jingying",
            "title": "故障测试",
            "content": "数据库重启期间的工单",
            "location": {"address": "测试路1号", "district": "测试区"},
        }
        sent_count = 0
        while self.running:
            sent_count += 1
            headers = dict(self.headers)
            if number % 2:
                headers["Idempotency-Key"] = f"writer-{number}-{sent_count}"
            sent = time.monotonic()
            try:
                response = await self.http.post("/api/v1/tickets", json=body, headers=headers)
            except httpx.HTTPError as exc:
                self.statuses[f"transport error {type(exc).__name__}"] += 1
                continue
            self.statuses[str(response.status_code)] += 1
            if response.is_success:
                self.acknowledged.append(response.json()["id"])
                self.after_last_restart += self.restarted_all
                continue
            self.slowest_failure = max(self.slowest_failure, time.monotonic() - sent)
            if response.status_code == 503 and "retry-after" not in response.headers:
                self.without_retry_after += 1


async def load(
    base: str, token: str, seconds: float, outages: int, outage: float, cluster: Cluster
) -> dict[str, object]:
    """Run the writers for ``seconds``; stop PostgreSQL in fast mode ``outages`` times, each
    at a random moment of its slice of the run, for about ``outage`` seconds."""
    ready_during_outages: list[int] = []
    limits = httpx.Limits(max_connections=WRITERS, max_keepalive_connections=WRITERS)
    started = time.monotonic()
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as http:
        run = Load(http, token)
        writers = [asyncio.create_task(run.writer(n)) for n in range(WRITERS)]
        # The last slice's end is kept for writes after the last restart.
        slice_seconds = seconds * 0.8 / outages
        for number in range(outages):
            stop_at = number * slice_seconds + random.uniform(0.2, 0.5) * slice_seconds
            await asyncio.sleep(max(0.0, started + stop_at - time.monotonic()))
            await asyncio.to_thread(cluster.stop)
            ready_during_outages.append((await http.get("/readyz")).status_code)
            await asyncio.sleep(random.uniform(0.5, 1.0) * outage)
            await asyncio.to_thread(cluster.start)
        run.restarted_all = True
        await asyncio.sleep(max(0.0, started + seconds - time.monotonic()))
        run.running = False
        await asyncio.gather(*writers)
        ready_after = (await http.get("/readyz")).status_code
    return {
        "acknowledged": run.acknowledged,
        "after_restart": run.after_last_restart,
        "statuses": dict(run.statuses),
        "503_without_retry_after": run.without_retry_after,
        "slowest_failure_seconds": round(run.slowest_failure, 2),
        "readyz_during_outages": ready_during_outages,
        "readyz_after": ready_after,
    }


def problems_logged(log: Path) -> list[str]:
    """The app's log lines for errors it did not expect: what a 500 would have been."""
    lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    return [line for line in lines if "unhandled_error" in line or "Traceback" in line]


async def stored_ids(port: int) -> set[str]:
    connection = await asyncpg.connect(
        host="127.0.0.1", port=port, user="postgres", database="govflow"
    )
    try:
        rows = await connection.fetch("SELECT id FROM tickets")
        return {str(row["id"]) for row in rows}
    finally:
        await connection.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--outages", type=int, default=3)
    parser.add_argument("--outage", type=float, default=2, help="longest outage, seconds")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="govflow-fault-"))
    cluster = Cluster(folder, free_port())
    app_port = free_port()
    cluster.init()
    cluster.start()
    server: subprocess.Popen[bytes] | None = None
    try:
        subprocess.run(
            as_postgres(
                f"{PG_BIN}/createdb",
                "-h",
                "127.0.0.1",
                "-p",
                str(cluster.port),
                "-U",
                "postgres",
                "govflow",
            ),
            check=True,
        )
        url = f"postgresql+asyncpg://postgres@127.0.0.1:{cluster.port}/govflow"
        env = {
            **os.environ,
            "GOVFLOW_DATABASE_URL": url,
            "GOVFLOW_RUN_SCHEDULER": "false",
            "GOVFLOW_ADMIN_PASSWORD": ADMIN_PASSWORD,
            "GOVFLOW_DB_POOL_TIMEOUT_SECONDS": "2",
            "GOVFLOW_LOG_JSON": "true",
        }
        subprocess.run(
            [sys.executable, "-m", "alembic", "upgrade", "head"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        with open(folder / "app.log", "wb") as log:
            server = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "app.main:app", "--port", str(app_port)],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            base = f"http://127.0.0.1:{app_port}"
            for _ in range(100):
                try:
                    if httpx.get(f"{base}/healthz").status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            token = httpx.post(
                f"{base}/api/v1/auth/token", data={"username": "admin", "password": ADMIN_PASSWORD}
            ).json()["access_token"]
            operator = httpx.post(
                f"{base}/api/v1/users",
                headers={"Authorization": f"Bearer {token}"},
                json={
                    "username": "fault-operator",
                    "password": "operator-password-1",
                    "roles": ["operator"],
                },
            )
            operator.raise_for_status()
            token = httpx.post(
                f"{base}/api/v1/auth/token",
                data={"username": "fault-operator", "password": "operator-password-1"},
            ).json()["access_token"]
            result = asyncio.run(
                load(base, token, args.seconds, args.outages, args.outage, cluster)
            )
        stored = asyncio.run(stored_ids(cluster.port))
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=20)
        cluster.stop()
    acknowledged = set(result["acknowledged"])  # type: ignore[arg-type]
    lost = acknowledged - stored
    statuses: dict[str, int] = result["statuses"]  # type: ignore[assignment]
    ready_during: list[int] = result["readyz_during_outages"]  # type: ignore[assignment]
    unexpected = problems_logged(folder / "app.log")
    report = {
        "statuses": statuses,
        "acknowledged": len(acknowledged),
        "stored": len(stored),
        "lost": len(lost),
        "stored_but_not_acknowledged": len(stored - acknowledged),
        "503_without_retry_after": result["503_without_retry_after"],
        "slowest_failure_seconds": result["slowest_failure_seconds"],
        "readyz_during_outages": ready_during,
        "readyz_after": result["readyz_after"],
        "acknowledged_after_last_restart": result["after_restart"],
        "unexpected_errors_logged": len(unexpected),
    }
    print(report)
    checks = {
        "nothing acknowledged was lost": not lost,
        "the outages were noticed": statuses.get("503", 0) > 0,
        "every answer was a 201 or a 503 (no 500, no reset connection)": set(statuses)
        <= {"201", "503"},
        "every 503 said Retry-After": result["503_without_retry_after"] == 0,
        "no unexpected error was logged": not unexpected,
        "failures were fast (under 10 s)": float(report["slowest_failure_seconds"]) < 10,  # type: ignore[arg-type]
        "readyz said 503 during every outage": ready_during == [503] * args.outages,
        "readyz recovered": result["readyz_after"] == 200,
        "writes resumed after the last restart, with no app restart": int(
            result["after_restart"]  # type: ignore[call-overload]
        )
        > 0,
    }
    for name, ok in checks.items():
        print(("PASS " if ok else "FAIL ") + name)
    for line in unexpected[:5]:
        print("LOGGED " + line[:2000])
    shutil.rmtree(folder, ignore_errors=True)
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
