import datetime as dt
import uuid
from typing import Annotated, Self

from fastapi import APIRouter, Query, Response, status
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from app.core import calendar
from app.core.calendar import FIRST_YEAR, LAST_YEAR, MAX_AMOUNT, Basis, DaySource, Period, Unit
from app.deps import AdminActor, CurrentActor, RegistryDep, SessionDep, SettingsDep
from app.errors import problem_responses
from app.models.calendar import DayKind
from app.schemas.common import BoundedDate, in_year_range
from app.workflow.recompute import recompute_estimated_deadlines

router = APIRouter(prefix="/api/v1/calendar", tags=["calendar"])

MAX_LISTED_DAYS = 366


def _date_or_datetime(value: object) -> object:
    # Pydantic's date | datetime union reads "2026-09-30T00:00:00Z" as a bare date
    # and "2026-09-30" as a naive datetime; ISO length tells them apart.
    if isinstance(value, str):
        text = value.strip()
        try:
            if len(text) == len("2026-09-30"):
                return dt.date.fromisoformat(text)
            return dt.datetime.fromisoformat(text)
        except ValueError:
            raise ValueError("not an ISO 8601 date or date-time") from None
    return value


def _in_calendar(value: dt.date) -> dt.date:
    return in_year_range(value, FIRST_YEAR, LAST_YEAR)


# The years the calendar knows: a date outside them would overflow its arithmetic.
CalendarDate = Annotated[BoundedDate, AfterValidator(_in_calendar)]
DateOrDatetime = Annotated[
    dt.date | dt.datetime, BeforeValidator(_date_or_datetime), AfterValidator(_in_calendar)
]


class DeadlinePublic(BaseModel):
    start: dt.date | dt.datetime
    days: int = Field(description="The amount, in `unit`s (hours when `unit` is `hours`).")
    unit: Unit
    due_date: dt.date = Field(description="The last day of the period, in the agency's zone.")
    due_at: dt.datetime = Field(description="The end of the period, in the agency's zone.")
    basis: Basis


class WorkdaysQuery(BaseModel):
    from_: CalendarDate = Field(alias="from", description="The first day listed.")
    to: CalendarDate = Field(description=f"The last day listed; at most {MAX_LISTED_DAYS} days on.")

    @model_validator(mode="after")
    def _span_is_bounded(self) -> Self:
        if self.to < self.from_:
            raise ValueError("`to` is before `from`")
        if (self.to - self.from_).days > MAX_LISTED_DAYS:
            raise ValueError(f"list at most {MAX_LISTED_DAYS} days at a time")
        return self


class WorkdaysPublic(BaseModel):
    model_config = ConfigDict(validate_by_name=True)

    from_: dt.date = Field(alias="from")
    to: dt.date
    workdays: list[dt.date]
    basis: Basis


class DayPublic(BaseModel):
    date: dt.date
    kind: DayKind
    name: str
    source: DaySource
    basis: Basis


class DayEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: DayKind
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] = ""


class DayEntryPublic(BaseModel):
    date: dt.date
    kind: DayKind
    name: str
    updated_by_id: uuid.UUID | None
    updated_at: dt.datetime


def _aware(start: dt.date | dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    """A plain date is midnight in the agency's zone; a date-time without offset is read there."""
    if not isinstance(start, dt.datetime):
        return dt.datetime.combine(start, dt.time(), zone)
    return start if start.tzinfo is not None else start.replace(tzinfo=zone)


@router.get(
    "/add",
    response_model=DeadlinePublic,
    summary="Compute a deadline",
    description="The deadline `days` working days, natural days or hours after `start`. "
    "The day `start` falls on is not counted; a natural-day period ending on a holiday "
    "runs on to the next working day (民事诉讼法 第八十五条). `basis` is `estimated` when a "
    "year on the way has no official holiday schedule yet.",
    responses=problem_responses(401, 422),
    operation_id="calendar_add",
)
async def add(
    session: SessionDep,
    settings: SettingsDep,
    _: CurrentActor,
    start: Annotated[
        DateOrDatetime,
        Query(description="A date (midnight in the agency's zone) or an ISO 8601 date-time."),
    ],
    days: Annotated[int, Query(ge=0, le=MAX_AMOUNT, description="How many `unit`s.")],
    unit: Annotated[Unit, Query(description="What `days` counts.")] = Unit.working_days,
) -> DeadlinePublic:
    work_calendar = await calendar.load_calendar(session, settings.zone)
    begin = _aware(start, settings.zone)
    deadline = work_calendar.add(begin, Period(days, unit))
    due_at = deadline.due_at.astimezone(settings.zone)
    return DeadlinePublic(
        start=begin if isinstance(start, dt.datetime) else start,
        days=days,
        unit=unit,
        due_date=due_at.date(),
        due_at=due_at,
        basis=deadline.basis,
    )


@router.get(
    "/workdays",
    response_model=WorkdaysPublic,
    summary="List working days",
    description=f"The working days from `from` to `to`, both included; "
    f"at most {MAX_LISTED_DAYS} days at a time.",
    responses=problem_responses(401, 422),
    operation_id="calendar_workdays",
)
async def list_workdays(
    query: Annotated[WorkdaysQuery, Query()],
    session: SessionDep,
    settings: SettingsDep,
    _: CurrentActor,
) -> WorkdaysPublic:
    work_calendar = await calendar.load_calendar(session, settings.zone)
    return WorkdaysPublic(
        from_=query.from_,
        to=query.to,
        workdays=work_calendar.workdays(query.from_, query.to),
        basis=work_calendar.basis_between(query.from_, query.to),
    )


@router.get(
    "/days/{date}",
    response_model=DayPublic,
    summary="Read a day",
    description="Whether a day is worked, and whether an administrator or the holiday "
    "packages say so.",
    responses=problem_responses(401, 422),
    operation_id="calendar_day_get",
)
async def read_day(
    date: CalendarDate, session: SessionDep, settings: SettingsDep, _: CurrentActor
) -> DayPublic:
    work_calendar = await calendar.load_calendar(session, settings.zone)
    day = work_calendar.effective_day(date)
    return DayPublic(date=day.day, kind=day.kind, name=day.name, source=day.source, basis=day.basis)


@router.put(
    "/days/{date}",
    response_model=DayEntryPublic,
    summary="Enter an official day",
    description="Admin only. Makes a day a holiday or a working day over what the holiday "
    "packages say, e.g. for a schedule published after the packages were released. "
    "Entering any day of a year makes that year's deadlines `official`; open records' "
    "estimated deadlines are then recomputed, each change audited as `deadline_recomputed`.",
    responses=problem_responses(401, 403, 422),
    operation_id="calendar_day_put",
)
async def put_day(
    date: CalendarDate,
    entry: DayEntry,
    session: SessionDep,
    actor: AdminActor,
    registry: RegistryDep,
    settings: SettingsDep,
) -> DayEntryPublic:
    row = await calendar.set_day(session, date, entry.kind, entry.name, actor.id)
    await recompute_estimated_deadlines(session, actor, registry, settings)
    return DayEntryPublic(
        date=row.day,
        kind=DayKind(row.kind),
        name=row.name,
        updated_by_id=row.updated_by_id,
        updated_at=row.updated_at,
    )


@router.delete(
    "/days/{date}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Remove an entered day",
    description="Admin only. The holiday packages decide the day again.",
    responses=problem_responses(401, 403, 404, 422),
    operation_id="calendar_day_delete",
)
async def delete_day(
    date: CalendarDate,
    session: SessionDep,
    actor: AdminActor,
    registry: RegistryDep,
    settings: SettingsDep,
) -> None:
    await calendar.delete_day(session, date)
    await recompute_estimated_deadlines(session, actor, registry, settings)
