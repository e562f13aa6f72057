"""Open311 GeoReport v2 request and response shapes (http://wiki.open311.org/GeoReport_v2).

Field names and meanings are the standard's; app/open311/service.py fills them from tickets.
"""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

MEDIA_URL = r"^https?://\S+$"
Text100 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
Text200 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Text1000 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)]


class Open311Error(BaseModel):
    code: int = Field(description="The HTTP status code.")
    description: str


class Service(BaseModel):
    service_code: str = Field(description="The ticket category code.")
    service_name: str
    description: str
    metadata: bool = Field(description="Whether the service has attributes: never, here.")
    type: Literal["realtime", "batch", "blackbox"]
    keywords: str = Field(description="Comma-separated.")
    group: str = Field(description="The parent category's name (a root category's own).")


class ServiceDefinition(BaseModel):
    service_code: str
    attributes: list[dict[str, Any]] = Field(description="Categories ask for no attributes.")


class DiscoveryEndpoint(BaseModel):
    specification: str
    url: str
    changeset: datetime
    type: Literal["production", "test"]
    formats: list[str]


class Discovery(BaseModel):
    changeset: datetime
    contact: str
    key_service: str
    endpoints: list[DiscoveryEndpoint]


class RequestCreated(BaseModel):
    service_request_id: str = Field(description="The ticket number.")
    service_notice: str | None
    account_id: str | None


class ServiceRequest(BaseModel):
    service_request_id: str = Field(description="The ticket number.")
    status: Literal["open", "closed"] = Field(
        description="`closed` once the ticket is closed, merged or cancelled."
    )
    status_notes: str | None
    service_name: str | None
    service_code: str
    description: str
    agency_responsible: str | None = Field(description="The department dispatched to.")
    service_notice: str | None
    requested_datetime: datetime
    updated_datetime: datetime
    expected_datetime: datetime | None = Field(description="The running deadline.")
    address: str | None
    address_id: str | None
    zipcode: str | None
    lat: float | None
    long: float | None
    media_url: str | None


class RequestForm(BaseModel):
    """The form fields of POST requests; unknown fields (``attribute[...]``) are ignored."""

    model_config = ConfigDict(extra="ignore")

    api_key: Text200 | None = Field(default=None, description="A key with `tickets:write`.")
    jurisdiction_id: Text100 | None = None
    service_code: Annotated[Text100, StringConstraints(min_length=1, max_length=64)]
    lat: Annotated[float, Field(ge=-90, le=90)] | None = None
    long: Annotated[float, Field(ge=-180, le=180)] | None = None
    address_string: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] | None
    ) = None
    address_id: Text100 | None = None
    email: Text200 | None = None
    device_id: Text100 | None = None
    account_id: Text100 | None = None
    first_name: Text100 | None = None
    last_name: Text100 | None = None
    phone: Annotated[Text100, StringConstraints(max_length=32)] | None = None
    description: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)] | None
    ) = None
    media_url: Annotated[Text1000, StringConstraints(pattern=MEDIA_URL)] | None = None


class ServiceRequestExtended(ServiceRequest):
    """A request with mySociety's extended attributes (``extensions=true``)."""

    extended_attributes: dict[str, Any]


UpdateStatus = Literal[
    "OPEN",
    "ACTION_SCHEDULED",
    "IN_PROGRESS",
    "INTERNAL_REFERRAL",
    "CLOSED",
    "DUPLICATE",
    "NO_FURTHER_ACTION",
]


class RequestUpdate(BaseModel):
    """mySociety's service request update: one status change of a request."""

    update_id: str = Field(description="The audit event's id.")
    service_request_id: str = Field(description="The ticket number.")
    status: UpdateStatus
    updated_datetime: datetime
    description: str
    media_url: str | None
    external_status_code: str = Field(description="The ticket's own state.")
