"""The database's ceiling for a ``sign``: pgbench running the statements the action issues.

One transaction per ``sign``, as the engine writes it (app/workflow/engine.py
``apply_action`` → ``_write``): read the ticket (with its chain's head),
``UPDATE tickets … WHERE id AND version AND status`` (moving the head too),
``INSERT INTO events``, ``INSERT INTO outbox``, commit. The app also reads the user, the
calendar, the category and the duplicates; those reads are left out, so this is an
upper bound for the write path alone. Prepared statements, as asyncpg uses.

Each pgbench client works on its own tickets (no two clients race for one row), kept
``dispatched`` so the same statements apply again and again.
"""

import statistics
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from bench.database import BenchDatabase
from bench.pools import PGBENCH_PER_CLIENT

SCRIPT = f"""
\\set n :client_id * {PGBENCH_PER_CLIENT} + random(0, {PGBENCH_PER_CLIENT - 1})
BEGIN;
SELECT id AS tid, version AS tv, department_id AS dep, number AS num,
  last_event_seq AS last_seq, last_event_hash AS last_hash FROM tickets
  WHERE id = md5('bench-pg-' || CAST(:n AS text))::uuid \\gset
UPDATE tickets SET status = 'dispatched', signed_at = now(), clock_status = 'running',
  clock_unit = 'working_days', clock_started_at = now(), clock_amount = 5,
  due_at = now() + interval '7 days', deadline_basis = 'official', paused_at = NULL,
  paused_days = 0, is_overdue = false, overdue_for = NULL, version = :tv + 1,
  updated_at = now(), last_event_seq = :last_seq + 1,
  last_event_hash = md5(CAST(:tid AS text) || CAST(:tv AS text)) || md5(random()::text)
  WHERE id = :tid AND version = :tv AND status = 'dispatched';
INSERT INTO events (event_id, kind, record_id, seq, action, from_status, to_status,
  actor_type, actor_id, actor_name, actor_roles, occurred_at, comment, payload, changes,
  client_ip, request_id, prev_hash, hash)
  VALUES (gen_random_uuid(), 'ticket', :tid, :last_seq + 1, 'sign', 'dispatched',
  'in_progress', 'user', :handler, 'bench-handler', jsonb_build_array('handler'), now(),
  NULL, '{{}}'::jsonb,
  jsonb_build_object('signed_at', jsonb_build_object('before', NULL, 'after', now()),
    'due_at', jsonb_build_object('before', NULL, 'after', now() + interval '7 days'),
    'clock_unit', jsonb_build_object('before', 'working_days', 'after', 'working_days')),
  '127.0.0.1', 'pgbench', :last_hash, md5(random()::text) || md5(random()::text))
  RETURNING event_id AS eid \\gset
INSERT INTO outbox (event_id, event_type, kind, record_id, department_id, payload,
  created_at, dispatched_at)
  VALUES (:eid, 'ticket.sign', 'ticket', :tid, :dep,
  jsonb_build_object('kind', 'ticket', 'id', CAST(:tid AS text),
    'number', CAST(:num AS text), 'status', 'in_progress', 'version', CAST(:tv AS int) + 1,
    'department_id', CAST(:dep AS text), 'due_at', now() + interval '7 days',
    'event', jsonb_build_object('id', CAST(:eid AS text), 'seq', CAST(:last_seq AS int) + 1,
    'action', 'sign')),
  now(), NULL) RETURNING id;
END;
"""


def run(
    db: BenchDatabase, clients: int, threads: int, seconds: int, handler_id: str
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="govflow-pgbench-") as folder:
        script = Path(folder) / "sign.sql"
        script.write_text(SCRIPT, encoding="utf-8")
        command = [
            "pgbench",
            "-n",
            "-M",
            "prepared",
            "-c",
            str(clients),
            "-j",
            str(threads),
            "-T",
            str(seconds),
            "-D",
            f"handler={handler_id}",
            "-l",
            f"--log-prefix={folder}/tx",
            "-f",
            str(script),
        ]
        completed = subprocess.run(
            command,
            capture_output=True,
            text=True,
            env=db.pgbench_environment(),
            timeout=seconds + 120,
            check=False,
        )
        if completed.returncode != 0:
            raise RuntimeError(f"pgbench failed:\n{completed.stdout}\n{completed.stderr}")
        latencies = sorted(
            int(line.split()[2]) / 1000
            for log in Path(folder).glob("tx*")
            for line in log.read_text().splitlines()
            if line.strip()
        )
    failed = next((ln for ln in completed.stdout.splitlines() if "failed" in ln), "")
    transactions = len(latencies)
    return {
        "statements": "SELECT ticket, UPDATE tickets, SELECT last event, INSERT events, "
        "INSERT outbox, COMMIT",
        "clients": clients,
        "transactions": transactions,
        "rps": round(transactions / seconds, 1),
        "p50_ms": round(statistics.median(latencies), 2) if latencies else None,
        "p99_ms": round(latencies[int(0.99 * (transactions - 1))], 2) if latencies else None,
        "failed": failed.strip(),
    }
