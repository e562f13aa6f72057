"""Fault test: PostgreSQL stops in the middle of a load run and comes back.

Starts a private PostgreSQL cluster on a loopback port (its own data folder, so nothing
else on the machine is touched), the app against it, and a bounded load of ticket
creations. Midway the database is stopped for a few seconds and started again. Checks:
- requests during the outage fail fast (503 problem responses, not hangs);
- /readyz reports the outage and the recovery;
- the app recovers by itself, without a restart;
- every ticket acknowledged with a 2xx is in the database afterwards, and nothing else is.
Prints the counts; exits non-zero when a check fails.

    python scripts/fault_db_restart.py [--seconds 20] [--outage 5]
"""

import argparse
import asyncio
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
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


async def load(
    base: str, token: str, seconds: float, outage_at: float, outage: float, cluster: Cluster
) -> dict[str, object]:
    acknowledged: list[str] = []
    after_restart = 0
    failures: dict[int, int] = {}
    slowest_failure = 0.0
    ready_during_outage: list[int] = []
    headers = {"Authorization": f"Bearer {token}"}
    body = {
        "channel": "phone",
        "type": "complaint",
        "category_code": "zhandao_jingying",
        "title": "故障测试",
        "content": "数据库重启期间的工单",
        "location": {"address": "测试路1号", "district": "测试区"},
    }
    started = time.monotonic()
    stopped = restarted = False
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        while (elapsed := time.monotonic() - started) < seconds:
            if not stopped and elapsed >= outage_at:
                await asyncio.to_thread(cluster.stop)
                stopped = True
                ready_during_outage.append((await http.get("/readyz")).status_code)
            if stopped and not restarted and elapsed >= outage_at + outage:
                await asyncio.to_thread(cluster.start)
                restarted = True
            sent = time.monotonic()
            try:
                response = await http.post("/api/v1/tickets", json=body, headers=headers)
            except httpx.HTTPError:
                failures[0] = failures.get(0, 0) + 1
                continue
            if response.is_success:
                acknowledged.append(response.json()["id"])
                after_restart += restarted
            else:
                failures[response.status_code] = failures.get(response.status_code, 0) + 1
                slowest_failure = max(slowest_failure, time.monotonic() - sent)
        ready_after = (await http.get("/readyz")).status_code
    return {
        "acknowledged": acknowledged,
        "after_restart": after_restart,
        "failures": failures,
        "slowest_failure_seconds": round(slowest_failure, 2),
        "readyz_during_outage": ready_during_outage,
        "readyz_after": ready_after,
    }


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
    parser.add_argument("--outage", type=float, default=5)
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
                load(base, token, args.seconds, args.seconds / 3, args.outage, cluster)
            )
        stored = asyncio.run(stored_ids(cluster.port))
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=20)
        cluster.stop()
    acknowledged = set(result["acknowledged"])  # type: ignore[arg-type]
    lost = acknowledged - stored
    unacknowledged_stored = stored - acknowledged
    report = {
        "acknowledged": len(acknowledged),
        "stored": len(stored),
        "lost": len(lost),
        "stored_but_not_acknowledged": len(unacknowledged_stored),
        "failures_by_status": result["failures"],
        "slowest_failure_seconds": result["slowest_failure_seconds"],
        "readyz_during_outage": result["readyz_during_outage"],
        "readyz_after": result["readyz_after"],
        "acknowledged_after_restart": result["after_restart"],
    }
    print(report)
    failures: dict[int, int] = result["failures"]  # type: ignore[assignment]
    checks = {
        "nothing acknowledged was lost": not lost,
        "the outage was noticed": bool(failures),
        "outage failures were 503 problem responses": set(failures) <= {503},
        "failures were fast (under 10 s)": report["slowest_failure_seconds"] < 10,
        "readyz said 503 during the outage": result["readyz_during_outage"] == [503],
        "readyz recovered": result["readyz_after"] == 200,
        "writes resumed after the restart, with no app restart": result["after_restart"] > 0,
    }
    for name, ok in checks.items():
        print(("PASS " if ok else "FAIL ") + name)
    shutil.rmtree(folder, ignore_errors=True)
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
