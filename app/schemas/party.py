"""The party (当事人) of an enforcement case: a person or an organisation.

Its own module because hotline tickets name one when escalating to a case, and the
ticket module must not depend on the case module's other shapes.
"""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints

from app.schemas.common import Phone, ShortText

PartyType = Literal["person", "organisation"]
IdNumber = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64, to_upper=True)
]


class Party(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: PartyType
    name: ShortText
    id_number: IdNumber | None = None
    address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] = ""
    phone: Phone | None = None
