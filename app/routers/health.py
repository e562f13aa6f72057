from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from app.errors import problem_response, problem_responses

router = APIRouter(tags=["operations"])


@router.get(
    "/healthz",
    summary="Liveness",
    description="The process is up. Touches no database.",
    operation_id="healthz",
)
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Readiness",
    description="The database answers; 503 when it does not.",
    responses=problem_responses(503),
    operation_id="readyz",
)
async def readyz(request: Request) -> Response:
    try:
        async with request.app.state.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception:
        return problem_response(
            503, "service_unavailable", "The database is not reachable", instance="/readyz"
        )
    return JSONResponse({"status": "ready", "database": "ok"})


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    description="Request counts and latencies in the Prometheus text format.",
    response_class=Response,
    operation_id="metrics",
)
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
