"""Field types the oversight bodies share: codes, shares, points and quantities."""

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.schemas.common import AsciiDecimal

Code = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_\-]{0,63}$")]
Share = Annotated[Decimal, AsciiDecimal, Field(ge=0, le=1, max_digits=5, decimal_places=4)]
Points = Annotated[Decimal, AsciiDecimal, Field(ge=0, le=100, max_digits=6, decimal_places=2)]
Quantity = Annotated[Decimal, AsciiDecimal, Field(ge=0, max_digits=14, decimal_places=2)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")
