"""The workload: paths, bodies and cursors the load generator sends, drawn from the data."""

import random
import time
import uuid
from urllib.parse import urlencode

import asyncpg
import httpx
import orjson

from app.core.id_numbers import is_resident_id, is_unified_social_credit_code
from app.tickets.workflow import STATES
from bench import vocabulary as words
from bench.dataset import TicketMaker
from bench.load_data import read_reference
from bench.pools import sample_ids

LIST = "/api/v1/tickets"
STAT_GROUPS = ("category", "district", "department", "type", "channel")
DEEP_PAGES = 50


async def read_paths(connection: asyncpg.Connection, count: int = 10_000) -> list[str]:
    return [f"{LIST}/{record_id}" for record_id in await sample_ids(connection, count)]


def two_filter_paths(count: int = 2000, seed: int = 7) -> list[str]:
    """``status`` (any state, evenly) and ``district`` (as busy as districts are)."""
    rng = random.Random(seed)
    districts = words.Weighted(words.DISTRICTS, words.zipf_weights(len(words.DISTRICTS), 0.9))
    return [
        f"{LIST}?{urlencode({'status': rng.choice(STATES), 'district': districts.draw(rng)})}"
        for _ in range(count)
    ]


def search_paths(seed: int, count: int = 1000) -> list[str]:
    """Residential compounds, evenly: common and rare ones alike, as callers name them."""
    rng = random.Random(seed + 1)
    places = words.places(2000, seed)
    return [f"{LIST}?{urlencode({'q': rng.choice(places)})}" for _ in range(count)]


async def post_bodies(connection: asyncpg.Connection, seed: int, count: int = 1000) -> list[str]:
    """TicketCreate bodies, as the loaded tickets' ``created`` events carry them."""
    maker = TicketMaker(await read_reference(connection, seed))
    rng = random.Random(seed + 2)
    return [orjson.dumps(maker.intake(rng, uuid.uuid4())["payload"]).decode() for _ in range(count)]


def deep_cursor_paths(base_url: str, token: str) -> tuple[list[str], list[float]]:
    """Walk 50 pages (httpx, one client) of a few lists; return page 51's paths and walk times.

    wrk then requests page 51 directly with those cursors: a keyset cursor is just the
    last row's (created_at, id), so the server does the same work as at the end of a walk.
    """
    starts = [{}] + [{"district": district} for district in words.DISTRICTS[:8]]
    paths, walks = [], []
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=60) as client:
        for params in starts:
            cursor, started = None, time.perf_counter()
            for _ in range(DEEP_PAGES):
                answer = client.get(
                    LIST, params={**params, **({"cursor": cursor} if cursor else {})}
                )
                answer.raise_for_status()
                cursor = answer.json()["next_cursor"]
                if cursor is None:
                    break
            if cursor is not None:
                walks.append(round(time.perf_counter() - started, 3))
                paths.append(f"{LIST}?{urlencode({**params, 'cursor': cursor})}")
    return paths, walks


def stats_path(group: str) -> str:
    return f"/api/v1/stats/tickets?group_by={group}"


async def timeline_paths(
    connection: asyncpg.Connection, tables: list[str], count: int = 1000
) -> list[str]:
    """Party timelines (一件事) of parties the loaded approvals and cases name, half from each
    table loaded: every source of the timeline (and tickets through their cases) is read.
    Only numbers the API accepts: the loader's credit codes carry no check character."""
    columns = {"approvals": "applicant_id_number", "cases": "party_id_number"}
    numbers: list[str] = []
    for table in tables:
        rows = await connection.fetch(
            f"SELECT {columns[table]} AS number FROM {table} "
            f"WHERE {columns[table]} IS NOT NULL ORDER BY random() LIMIT $1",
            count // max(len(tables), 1),
        )
        numbers += [row["number"] for row in rows if _valid_party(row["number"])]
    return [f"/api/v1/parties/{number}/timeline" for number in numbers]


def _valid_party(number: str) -> bool:
    return is_resident_id(number) or is_unified_social_credit_code(number)
