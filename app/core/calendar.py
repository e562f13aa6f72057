"""The statutory working-day calendar: 法定工作日, natural days, hours, and deadlines.

Which days are worked comes from two maintained packages, ``holidays`` and
``chinesecalendar``, for the official schedules the State Council publishes each
year (including 调休, weekend days made working days). Days an administrator
enters (``CalendarDay`` rows) win over both. A year neither package has official
data for is computed by rule and marked ``estimated`` until the schedule is out.
"""

import enum
import functools
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import assert_never
from zoneinfo import ZoneInfo

import chinese_calendar
from holidays import country_holidays
from holidays.countries.china import ChinaStaticHolidays
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from app.core.process_cache import ProcessCache
from app.errors import NotFound, UnprocessableEntity
from app.models.base import utcnow
from app.models.calendar import CalendarDay, DayKind

# The lunar calendar behind the packages' festival dates ends with 2100; past it
# they silently return weekends only, so the calendar refuses those years.
FIRST_YEAR = 1990
LAST_YEAR = 2100
MAX_AMOUNT = 3650
END_OF_DAY = time(23, 59, 59)
ONE_DAY = timedelta(days=1)


class Unit(enum.StrEnum):
    working_days = "working_days"
    natural_days = "natural_days"
    hours = "hours"
    minutes = "minutes"


class Basis(enum.StrEnum):
    official = "official"
    estimated = "estimated"


class DaySource(enum.StrEnum):
    admin = "admin"
    package = "package"


class OutsideCalendar(UnprocessableEntity):
    """A day the calendar cannot speak for: it refuses rather than guess."""


@dataclass(frozen=True)
class Period:
    amount: int
    unit: Unit

    def __post_init__(self) -> None:
        if not 0 <= self.amount <= MAX_AMOUNT:
            raise UnprocessableEntity(
                f"A period is 0 to {MAX_AMOUNT} {self.unit}, not {self.amount}"
            )


@dataclass(frozen=True)
class Deadline:
    due_at: datetime
    basis: Basis


@dataclass(frozen=True)
class EffectiveDay:
    day: date
    kind: DayKind
    name: str
    source: DaySource
    basis: Basis


@dataclass(frozen=True)
class _PackageYear:
    official: bool
    days_off: frozenset[date]
    names: Mapping[date, str]


def _check_year(year: int) -> int:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise OutsideCalendar(f"The calendar covers {FIRST_YEAR} to {LAST_YEAR}, not {year}")
    return year


def _check_in_range(day: date) -> date:
    _check_year(day.year)
    return day


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += ONE_DAY


def _chinese_calendar_has(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except (NotImplementedError, ValueError):
        return False
    return True


@functools.cache
def _package_year(year: int) -> _PackageYear:
    """What the packages say about one year; immutable, so shared by every calendar."""
    china = country_holidays("CN", years=year, language="zh_CN")
    if year in ChinaStaticHolidays.special_public_holidays:
        official, is_working = True, china.is_working_day
    elif _chinese_calendar_has(year):
        # chinesecalendar often ships a newly published schedule before holidays does.
        official, is_working = True, chinese_calendar.is_workday
    else:
        official, is_working = False, china.is_working_day
    days = list(_days(date(year, 1, 1), date(year, 12, 31)))
    days_off = frozenset(day for day in days if not is_working(day))
    names: dict[date, str] = {}
    for day in days:
        weekend = day.weekday() >= 5
        if day in days_off:
            names[day] = china.get(day) or ("周休息日" if weekend else "休息日")
        elif weekend:
            names[day] = "调休上班"
    return _PackageYear(official, days_off, names)


class WorkCalendar:
    """The effective calendar: the packages' days under the administrators' entries."""

    def __init__(
        self,
        overrides: Mapping[date, str],
        zone: ZoneInfo,
        names: Mapping[date, str] | None = None,
    ) -> None:
        self.zone = zone
        self._overrides = {day: DayKind(kind) for day, kind in overrides.items()}
        self._names = dict(names or {})
        self._admin_years = frozenset(day.year for day in overrides)

    def is_working_day(self, day: date) -> bool:
        kind = self._overrides.get(day)
        if kind is not None:
            return kind is DayKind.workday
        return day not in _package_year(_check_year(day.year)).days_off

    def basis_for_year(self, year: int) -> Basis:
        if year in self._admin_years or _package_year(_check_year(year)).official:
            return Basis.official
        return Basis.estimated

    def basis_between(self, first: date, last: date) -> Basis:
        years = range(min(first.year, last.year), max(first.year, last.year) + 1)
        if all(self.basis_for_year(year) is Basis.official for year in years):
            return Basis.official
        return Basis.estimated

    def effective_day(self, day: date) -> EffectiveDay:
        basis = self.basis_for_year(day.year)
        kind = self._overrides.get(day)
        if kind is not None:
            return EffectiveDay(day, kind, self._names.get(day, ""), DaySource.admin, basis)
        package = _package_year(day.year)
        kind = DayKind.holiday if day in package.days_off else DayKind.workday
        return EffectiveDay(day, kind, package.names.get(day, ""), DaySource.package, basis)

    def add_working_days(self, day: date, count: int) -> date:
        """The ``count``-th working day after ``day``; ``day`` itself is not counted."""
        if count < 0:
            raise ValueError("count must not be negative")
        remaining = count
        while remaining:
            day += ONE_DAY
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative when ``end`` is before ``start``."""
        if end < start:
            return -self.working_days_between(end, start)
        return sum(1 for day in _days(start + ONE_DAY, end) if self.is_working_day(day))

    def workdays(self, start: date, end: date) -> list[date]:
        """Working days in [start, end]."""
        return [day for day in _days(start, end) if self.is_working_day(day)]

    def add(self, start: datetime, period: Period) -> Deadline:
        if start.tzinfo is None:
            raise ValueError("start must be an aware datetime")
        _check_in_range(start.date())
        # 民事诉讼法 第八十五条: the day a period starts in is not counted in it.
        first = _check_in_range(start.astimezone(self.zone).date())
        match period.unit:
            case Unit.hours | Unit.minutes:
                # Hour and minute limits (urgent hotline tickets) run around the clock.
                due_at = (start + timedelta(**{period.unit.value: period.amount})).astimezone(UTC)
                _check_in_range(due_at.astimezone(self.zone).date())
                return Deadline(due_at, Basis.official)
            case Unit.working_days:
                last = self.add_working_days(first, period.amount)
            case Unit.natural_days:
                last = self._add_natural_days(first, period.amount)
            case _:
                assert_never(period.unit)
        due_at = datetime.combine(last, END_OF_DAY, self.zone).astimezone(UTC)
        return Deadline(due_at, self.basis_between(first, last))

    def _add_natural_days(self, day: date, count: int) -> date:
        last = _check_in_range(day + timedelta(days=count))
        # 民事诉讼法 第八十五条: a period whose last day is a holiday ends on the
        # first day after the holiday.
        while count and not self.is_working_day(last):
            last += ONE_DAY
        return last


async def _read_calendar(session: AsyncSession, zone: ZoneInfo) -> WorkCalendar:
    rows = (await session.scalars(select(CalendarDay))).all()
    return WorkCalendar(
        {row.day: row.kind for row in rows}, zone, names={row.day: row.name for row in rows}
    )


_entered_days = ProcessCache("calendar_days", _read_calendar)


async def load_calendar(session: AsyncSession, zone: ZoneInfo) -> WorkCalendar:
    """The effective calendar, re-read only when an administrator changed a day."""
    return await _entered_days.get(session, zone)


async def set_day(
    session: AsyncSession, day: date, kind: str, name: str, actor_id: uuid.UUID
) -> CalendarDay:
    """Enter (or replace) an official day, e.g. a 调休 published after the package release."""
    _check_in_range(day)
    try:
        day_kind = DayKind(kind)
    except ValueError:
        raise UnprocessableEntity(f"kind is one of: {', '.join(DayKind)}") from None
    row = await session.get(CalendarDay, day)
    if row is None:
        row = await _insert_or_get(session, CalendarDay(day=day, kind=day_kind))
    row.sqlmodel_update(
        {"kind": day_kind, "name": name, "updated_by_id": actor_id, "updated_at": utcnow()}
    )
    await session.flush()
    await _entered_days.changed(session)
    return row


async def _insert_or_get(session: AsyncSession, row: CalendarDay) -> CalendarDay:
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError:
        # Another administrator entered the same day meanwhile: this PUT replaces theirs.
        existing = await session.get(CalendarDay, row.day)
        if existing is None:
            raise
        return existing
    return row


async def delete_day(session: AsyncSession, day: date) -> None:
    """Remove an administrator's entry; the packages decide that day again."""
    row = await session.get(CalendarDay, day)
    if row is None:
        raise NotFound(f"No day was entered for {day.isoformat()}")
    await session.delete(row)
    await session.flush()
    await _entered_days.changed(session)
