"""The public disclosure API (公示): no sign-in, cacheable, rate-limited per address.

``/public/v1/penalty-decisions`` (行政处罚法 第四十八条) and ``/public/v1/permits``
(行政许可法 第四十条): published decisions, redacted, newest first, as JSON or RSS/Atom;
one item by its document number, a withdrawn one as its withdrawal notice.
"""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from app.core.rate_limit import count_request
from app.deps import SessionDep, SettingsDep
from app.documents.public_feed import (
    CATEGORIES,
    Format,
    PublicDisclosure,
    PublicPage,
    feed,
    one_by_number,
    public_view,
    published_page,
)
from app.errors import NotFound, problem_responses
from app.pagination import encode_cursor
from app.schemas.common import BoundedDate

router = APIRouter(prefix="/public/v1", tags=["public"])
CACHE = "public, max-age=300"
DayQuery = Annotated[BoundedDate | None, Query()]
# PostgreSQL refuses NUL in text: control characters are a 422, never a 500.
PRINTABLE = r"^[^\x00-\x1f\x7f]+$"


async def rate_limited(request: Request, session: SessionDep, settings: SettingsDep) -> None:
    address = request.client.host if request.client else "unknown"
    await count_request(session, f"public:{address}", settings.public_rate_limit_per_minute)


def _list_endpoint(category: str) -> Any:
    async def list_published(
        request: Request,
        session: SessionDep,
        department_id: uuid.UUID | None = None,
        published_from: DayQuery = None,
        published_to: DayQuery = None,
        q: Annotated[str | None, Query(max_length=100, pattern=PRINTABLE)] = None,
        cursor: Annotated[str | None, Query(max_length=512)] = None,
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
        format: Format = "json",
    ) -> Response:
        rows, more = await published_page(
            session,
            category,
            limit=limit,
            cursor=cursor,
            department_id=department_id,
            published_from=published_from,
            published_to=published_to,
            keyword=q,
        )
        items = [public_view(row) for row in rows]
        headers = {"Cache-Control": CACHE}
        if format != "json":
            media = "application/rss+xml" if format == "rss" else "application/atom+xml"
            return Response(
                feed(category, items, str(request.url), format), media_type=media, headers=headers
            )
        last = rows[-1] if more else None
        page = PublicPage(
            items=items,
            next_cursor=encode_cursor(last.published_at, last.id)
            if last and last.published_at
            else None,
        )
        return Response(page.model_dump_json(), media_type="application/json", headers=headers)

    return list_published


def _item_endpoint(category: str) -> Any:
    async def one_published(
        number: Annotated[str, Path(max_length=64, pattern=PRINTABLE)], session: SessionDep
    ) -> Response:
        row = await one_by_number(session, category, number)
        if row is None:
            raise NotFound("No such published decision")
        return Response(
            public_view(row).model_dump_json(),
            media_type="application/json",
            headers={"Cache-Control": CACHE},
        )

    return one_published


for path, category in CATEGORIES.items():
    name = path.replace("-", "_")
    router.add_api_route(
        f"/{path}",
        _list_endpoint(category),
        methods=["GET"],
        response_model=PublicPage,
        summary=f"Published {path.replace('-', ' ')} (公示)",
        description="Redacted: natural persons by surname only, no ID numbers, phones or "
        "addresses. `format=rss` or `atom` for a feed. Cursor paging, newest first.",
        operation_id=f"public_{name}",
        dependencies=[Depends(rate_limited)],
        responses={
            200: {"content": {"application/rss+xml": {}, "application/atom+xml": {}}},
            **problem_responses(400, 422, 429),
        },
    )
    router.add_api_route(
        f"/{path}/{{number}}",
        _item_endpoint(category),
        methods=["GET"],
        response_model=PublicDisclosure,
        summary=f"One published {path.replace('-', ' ')[:-1]} by its document number",
        description="The redacted decision; a withdrawn one answers its withdrawal notice "
        "(status `withdrawn`, the reason, no content). Unpublished numbers are 404.",
        operation_id=f"public_{name}_one",
        dependencies=[Depends(rate_limited)],
        responses=problem_responses(404, 429),
    )
