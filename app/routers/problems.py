"""The pages a problem document's ``type`` points at: ``/problems/<code>``.

JSON by default; HTML when a browser asks for it (``Accept: text/html``), so a person who
follows the link from an error reads what it means and what to do.
"""

from html import escape
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel

from app.errors import PROBLEM_TYPE_BASE, NotFound, problem_responses, status_title
from app.problem_catalogue import PROBLEMS, ProblemKind

router = APIRouter(prefix=PROBLEM_TYPE_BASE.rstrip("/"), tags=["operations"])


class ProblemTypePublic(BaseModel):
    code: str
    type: str
    status: int
    title: str
    means: str
    fix: str


def _public(code: str, kind: ProblemKind) -> ProblemTypePublic:
    return ProblemTypePublic(
        code=code,
        type=PROBLEM_TYPE_BASE + code,
        status=kind.status,
        title=status_title(kind.status),
        means=kind.means,
        fix=kind.fix,
    )


def _wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "application/json" not in accept


def _html(title: str, entries: list[ProblemTypePublic]) -> HTMLResponse:
    rows = "".join(
        f'<section id="{escape(e.code)}"><h2><a href="{escape(e.type)}">{escape(e.code)}</a>'
        f" — {e.status} {escape(e.title)}</h2><p>{escape(e.means)}</p>"
        f"<p><strong>What to do:</strong> {escape(e.fix)}</p></section>"
        for e in entries
    )
    return HTMLResponse(
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}'
        f"</title></head><body><h1>{escape(title)}</h1>{rows}"
        f'<p><a href="{PROBLEM_TYPE_BASE.rstrip("/")}">Every problem code</a></p></body></html>'
    )


@router.get(
    "",
    response_model=list[ProblemTypePublic],
    summary="Every problem code",
    description="Each `code` an error answer may carry, with its status, what it means and "
    "what to do. A problem's `type` is `/problems/<code>`. HTML for `Accept: text/html`.",
    operation_id="problems_list",
)
async def list_problems(request: Request) -> Response:
    entries = [_public(code, kind) for code, kind in sorted(PROBLEMS.items())]
    if _wants_html(request):
        return _html("govflow problem codes", entries)
    return JSONResponse([entry.model_dump() for entry in entries])


@router.get(
    "/{code}",
    response_model=ProblemTypePublic,
    summary="One problem code",
    description="What a problem `code` means and what to do. HTML for `Accept: text/html`.",
    responses=problem_responses(404),
    operation_id="problems_get",
)
async def read_problem(
    request: Request, code: Annotated[str, Path(max_length=64, pattern=r"^[a-z_]+$")]
) -> Response:
    kind = PROBLEMS.get(code)
    if kind is None:
        raise NotFound(f"No problem code {code!r}: see {PROBLEM_TYPE_BASE.rstrip('/')}")
    entry = _public(code, kind)
    if _wants_html(request):
        return _html(f"{code}: {entry.status} {entry.title}", [entry])
    return JSONResponse(entry.model_dump())
