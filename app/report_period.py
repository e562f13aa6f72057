"""The ``from``/``to`` query parameters every statistics endpoint takes."""

from datetime import datetime
from typing import Annotated

from fastapi import Query

FromQuery = Annotated[datetime | None, Query(alias="from", description="Created at or after.")]
ToQuery = Annotated[datetime | None, Query(alias="to", description="Created before.")]
