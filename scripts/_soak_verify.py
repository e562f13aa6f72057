"""Nothing acknowledged is lost: every 2xx write of the soak run is in the database.

Each request carried its own ``X-Request-ID``, which the app writes into the audit event
of the creation or action it performed. So after the run, for each acknowledged write
there must be exactly one event with its request id, on its record, for its action; for
each refused one (the race losers) none; and each record must be stored in the state and
version of the last answer the client got for it.
"""

from collections import defaultdict
from typing import Any

from _loopback import ScratchDatabase
from _soak_traffic import Traffic, Write

TABLES = {"ticket": "tickets", "approval": "approvals", "case": "cases"}


async def verify_nothing_lost(database: ScratchDatabase, traffic: Traffic) -> dict[str, Any]:
    connection = await database.connect()
    try:
        stored: dict[str, tuple[str, int]] = {}
        for kind, table in TABLES.items():
            rows = await connection.fetch(
                f"SELECT id::text AS id, status, version FROM {table} WHERE id = ANY($1::uuid[])",
                [record.id for record in traffic.records[kind]],
            )
            stored.update({row["id"]: (row["status"], row["version"]) for row in rows})
        writes = traffic.acknowledged + traffic.refused + traffic.unknown
        events = await connection.fetch(
            "SELECT request_id, record_id::text AS record_id, action FROM events "
            "WHERE request_id = ANY($1::text[])",
            [write.request_id for write in writes],
        )
    finally:
        await connection.close()
    by_request: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for event in events:
        by_request[event["request_id"]].append((event["record_id"], event["action"]))

    def recorded(write: Write) -> bool:
        return by_request.get(write.request_id) == [(write.record_id, write.action)]

    summary: dict[str, Any] = {}
    for kind in TABLES:
        created = [w for w in traffic.acknowledged if w.kind == kind and w.action == "created"]
        actions = [w for w in traffic.acknowledged if w.kind == kind and w.action != "created"]
        summary[kind] = {
            "created_acknowledged": len(created),
            "created_found": sum(w.record_id in stored and recorded(w) for w in created),
            "actions_acknowledged": len(actions),
            "actions_found": sum(recorded(w) for w in actions),
        }
    # A write that got no answer may or may not have happened: its record is not compared.
    uncertain = {write.record_id for write in traffic.unknown}
    mismatched = [
        {"kind": record.kind, "id": record.id, "client": [record.status, record.version],
         "stored": stored.get(record.id)}
        for records in traffic.records.values()
        for record in records
        if record.id not in uncertain and stored.get(record.id) != (record.status, record.version)
    ]  # fmt: skip
    acknowledged = sum(
        k["created_acknowledged"] + k["actions_acknowledged"] for k in summary.values()
    )
    found = sum(k["created_found"] + k["actions_found"] for k in summary.values())
    return {
        "by_kind": summary,
        "acknowledged": acknowledged,
        "found": found,
        "refused": len(traffic.refused),
        "refused_but_recorded": sum(w.request_id in by_request for w in traffic.refused),
        "unknown_outcome": len(traffic.unknown),
        "state_mismatches": len(mismatched),
        "state_mismatch_examples": mismatched[:10],
    }
