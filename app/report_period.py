"""The ``from``/``to`` query parameters every statistics endpoint takes."""

from typing import Annotated

from fastapi import Query

from app.schemas.common import IsoDateTime

FromQuery = Annotated[IsoDateTime | None, Query(alias="from", description="Created at or after.")]
ToQuery = Annotated[IsoDateTime | None, Query(alias="to", description="Created before.")]
