"""Responses of models the app has built and validated already."""

from fastapi import Response
from pydantic import BaseModel


def json_response(
    model: BaseModel, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """``model`` as JSON, without FastAPI validating it a second time.

    Handed back as a model, it would be validated again against the route's
    ``response_model`` before serialising; the route keeps declaring that model for the
    OpenAPI document.
    """
    return Response(
        model.model_dump_json(by_alias=True),
        status_code=status_code,
        media_type="application/json",
        headers=headers,
    )
