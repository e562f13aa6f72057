"""A page of keyword search on PostgreSQL, by the plan the term's frequency calls for.

The planner picks between walking the created_at index newest first (a common term fills
a page in a few hundred rows) and the trigram index (a rare term's few hundred matches,
sorted) from a 1,000-sample histogram that cannot tell a term in 0.02% of the rows from
one in 1%: at 200,000 tickets it walked the whole table for a term matching 42 of them
(0.5–1.8 s), the searches' p99. So the newest rows are probed first, in a window whose
size caps the walk: a page found there is the page; a few hits say the walk will finish
soon; fewer say the term is rare, and the trigram index is read behind a fence the
planner cannot turn back into a walk. Every plan returns the same page: the first
``limit + 1`` matches, newest first, after the cursor.
"""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, CompoundSelect, Select, func, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

PROBE_ROWS = 1000
# A probe with this many hits has the term in at least ~0.5% of the rows: a walk then
# reads a few thousand rows, fewer than the trigram index's matches at a million tickets.
WALK_FROM_HITS = 5
WALK_ROWS = 20_000


@dataclass(frozen=True)
class KeywordMatch:
    """The keyword clause among a list's clauses, and the term it matches."""

    term: str
    clause: ColumnElement[bool]


class FilterClauses(list[Any]):
    """A list's WHERE clauses; ``keyword`` names the one that is a keyword search."""

    keyword: KeywordMatch | None = None


def keyword_of(clauses: list[Any]) -> KeywordMatch | None:
    return clauses.keyword if isinstance(clauses, FilterClauses) else None


def _newest_first(model: Any) -> tuple[Any, Any]:
    return model.created_at.desc(), model.id.desc()


def walked_ids(
    model: Any, where: list[Any], match: ColumnElement[bool], rows: int, wanted: int
) -> Select[Any]:
    """The first ``wanted`` matches among the newest ``rows`` rows: a walk that must stop."""
    newest = (
        select(model.id, model.created_at, match.label("hit"))
        .where(*where)
        .order_by(*_newest_first(model))
        .limit(rows)
        .subquery("newest")
    )
    return (
        select(newest.c.id)
        .where(newest.c.hit)
        .order_by(newest.c.created_at.desc(), newest.c.id.desc())
        .limit(wanted)
    )


def indexed_ids(
    model: Any, where: list[Any], match: ColumnElement[bool], wanted: int
) -> Select[Any]:
    """The first ``wanted`` matches of all: OFFSET 0 keeps the planner from walking."""
    matching = (
        select(model.id, model.created_at).where(*where, match).offset(0).subquery("matching")
    )
    return (
        select(matching.c.id)
        .order_by(matching.c.created_at.desc(), matching.c.id.desc())
        .limit(wanted)
    )


def page_ids(
    model: Any, where: list[Any], match: ColumnElement[bool], wanted: int
) -> CompoundSelect[Any]:
    """The ids of the page, in one statement: the probe's count opens one of three branches.

    A branch whose condition is false is never run (PostgreSQL's one-time filter), so a
    rare term costs the probe and the trigram index, a common one the probe alone.
    """
    probe = walked_ids(model, where, match, PROBE_ROWS, wanted).cte("probe")
    walk = walked_ids(model, where, match, WALK_ROWS, wanted).cte("walk")
    indexed = indexed_ids(model, where, match, wanted).subquery("indexed")
    probed = select(func.count()).select_from(probe).scalar_subquery()
    walked = select(func.count()).select_from(walk).scalar_subquery()
    return union_all(
        select(probe.c.id).where(probed >= wanted),
        select(walk.c.id).where(probed < wanted, probed >= WALK_FROM_HITS, walked >= wanted),
        select(indexed.c.id).where(probed < wanted, or_(probed < WALK_FROM_HITS, walked < wanted)),
    )


async def search_page(
    session: AsyncSession,
    model: Any,
    load_options: tuple[Any, ...],
    where: list[Any],
    keyword: KeywordMatch,
    wanted: int,
) -> list[Any]:
    """``wanted`` records matching ``where`` (the keyword clause among them), newest first."""
    others = [clause for clause in where if clause is not keyword.clause]
    ids = page_ids(model, others, keyword.clause, wanted).subquery("page")
    query = (
        select(model)
        .where(model.id.in_(select(ids.c.id)))
        .order_by(*_newest_first(model))
        .options(*load_options)
    )
    return list((await session.scalars(query)).all())
