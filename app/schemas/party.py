"""The party (当事人) of an enforcement case: a person or an organisation.

Its own module because hotline tickets name one when escalating to a case, and the
ticket module must not depend on the case module's other shapes.
"""

from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from app.core.id_numbers import checked_id_number
from app.schemas.common import Phone, ShortText

PartyType = Literal["person", "organisation"]
IdNumber = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64, to_upper=True)
]


class Party(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "type": "person",
                    "name": "张三",
                    "id_number": "110101199001011237",
                    "phone": "13812345678",
                }
            ]
        },
    )

    type: PartyType
    name: ShortText
    id_number: IdNumber | None = Field(
        default=None,
        description="Resident ID (person) or unified social credit code (organisation), "
        "checked by its check character; may be left out when the party gave none.",
    )
    address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] = ""
    phone: Phone | None = None

    @model_validator(mode="after")
    def _id_number_checks(self) -> Self:
        if self.id_number is not None:
            self.id_number = checked_id_number(self.type, self.id_number)
        return self
