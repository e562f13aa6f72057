"""A local streaming replica of the bench's PostgreSQL: a second cluster from ``pg_basebackup -R``.

The copy goes to a temporary folder, is started by ``pg_ctl`` on a free port as the
``postgres`` user, follows the primary through a replication slot of its own (so the
primary keeps the WAL it still needs), and ``stop`` shuts it down, drops the slot and
removes the folder. ``lag`` reads the primary's view of it (``pg_stat_replication``).
"""

import asyncio
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import asyncpg

from bench.database import BenchDatabase
from bench.server import free_port

SLOT = "govflow_bench_replica"
BIN = Path("/usr/lib/postgresql/15/bin")
HBA_LINE = "host replication postgres 127.0.0.1/32 trust"


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _append(path: Path, text: str) -> None:
    with path.open("a") as file:
        file.write(text)


def _binary(name: str) -> str:
    found = BIN / name
    return str(found) if found.exists() else (shutil.which(name) or name)


class Replica:
    def __init__(self, primary: BenchDatabase) -> None:
        self.primary = primary
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="govflow-replica-"))
        self.data = self.folder / "data"
        if os.geteuid() == 0:
            postgres = pwd.getpwnam("postgres")
            os.chown(self.folder, postgres.pw_uid, postgres.pw_gid)
        self.started = False

    @property
    def url(self) -> str:
        parts = self.primary.parts
        return f"postgresql+asyncpg://{parts['user']}@127.0.0.1:{self.port}/{parts['dbname']}"

    async def _allow_replication(self) -> None:
        """The primary must let ``postgres`` connect for replication from loopback: the one
        line added to its pg_hba.conf if no rule allows it (the same trust its ``host all``
        line gives), and the configuration reloaded."""
        connection = await self.primary.connect()
        try:
            rules = await connection.fetchval(
                "SELECT count(*) FROM pg_hba_file_rules WHERE 'replication' = ANY(database)"
                " AND type = 'host' AND error IS NULL"
            )
            if not rules:
                hba = Path(await connection.fetchval("SHOW hba_file"))
                _append(
                    hba, f"\n# govflow bench: pg_basebackup for its local replica\n{HBA_LINE}\n"
                )
                await connection.execute("SELECT pg_reload_conf()")
                print(f"bench: added to {hba}: {HBA_LINE}", flush=True)
        finally:
            await connection.close()
        await self._drop_slot()

    async def _drop_slot(self) -> None:
        connection = await self.primary.connect()
        try:
            await connection.execute(
                "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                " WHERE slot_name = $1 AND NOT active",
                SLOT,
            )
        finally:
            await connection.close()

    def start(self) -> None:
        asyncio.run(self._allow_replication())
        parts = self.primary.parts
        subprocess.run(
            _as_postgres(
                [
                    _binary("pg_basebackup"),
                    "-h", parts["host"], "-p", parts["port"], "-U", parts["user"],
                    "-D", str(self.data), "-R", "-X", "stream", "-c", "fast",
                    "-C", "-S", SLOT,
                ]
            ),
            check=True,
        )  # fmt: skip
        # Debian keeps the configuration outside the data directory: the copy gets its own.
        config = {
            "postgresql.conf": "",
            "pg_hba.conf": "local all all trust\nhost all all 127.0.0.1/32 trust\n",
            "pg_ident.conf": "",
        }
        for name, text in config.items():
            (self.data / name).write_text(text)
            if os.geteuid() == 0:
                postgres = pwd.getpwnam("postgres")
                os.chown(self.data / name, postgres.pw_uid, postgres.pw_gid)
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.folder}"
            " -c hot_standby=on -c hot_standby_feedback=on -c max_connections=100"
            # An export or statistic running while the primary vacuums rows it reads is
            # not cancelled (hot_standby_feedback keeps them; the delay is the backstop).
            " -c max_standby_streaming_delay=300s"
        )
        subprocess.run(
            _as_postgres(
                [_binary("pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "log"),
                 "-o", options, "-w", "-t", "120", "start"]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        self.started = True

    async def lag(self) -> dict[str, Any]:
        """Replay lag as the primary sees it: time (``replay_lag``) and WAL bytes behind."""
        connection = await self.primary.connect()
        try:
            row = await connection.fetchrow(
                "SELECT r.state, extract(epoch FROM r.replay_lag) * 1000 AS replay_lag_ms,"
                " pg_wal_lsn_diff(pg_current_wal_lsn(), r.replay_lsn) AS behind_bytes"
                " FROM pg_stat_replication r JOIN pg_replication_slots s ON s.active_pid = r.pid"
                " WHERE s.slot_name = $1",
                SLOT,
            )
        finally:
            await connection.close()
        if row is None:
            return {"state": "not streaming"}
        lag_ms = row["replay_lag_ms"]
        return {
            "state": row["state"],
            "replay_lag_ms": None if lag_ms is None else round(float(lag_ms), 1),
            "behind_bytes": int(row["behind_bytes"] or 0),
        }

    async def transactions(self) -> int:
        """Transactions the replica has served (read-only ones included): which engine the
        app sent a scenario to shows here."""
        connection = await asyncpg.connect(self.url.replace("+asyncpg", ""))
        try:
            value = await connection.fetchval(
                "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = $1",
                self.primary.name,
            )
            return int(value or 0)
        finally:
            await connection.close()

    def stop(self) -> None:
        if self.started:
            subprocess.run(
                _as_postgres([_binary("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"]),
                check=False,
                stdout=subprocess.DEVNULL,
            )
            self.started = False
        asyncio.run(self._drop_slot())
        shutil.rmtree(self.folder, ignore_errors=True)
