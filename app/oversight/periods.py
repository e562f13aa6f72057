"""Reporting periods: a month (``2026-08``), a quarter (``2026-Q3``) or a year (``2026``)."""

import re
from dataclasses import dataclass
from datetime import date

from app.core.calendar import WorkCalendar
from app.errors import UnprocessableEntity

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")
FIRST_YEAR, LAST_YEAR = 2000, 2100


class InvalidPeriod(UnprocessableEntity):
    code = "invalid_period"


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}"


@dataclass(frozen=True)
class Quarter:
    year: int
    quarter: int

    def __str__(self) -> str:
        return f"{self.year}-Q{self.quarter}"

    @property
    def months(self) -> list[Month]:
        return [Month(self.year, 3 * (self.quarter - 1) + i) for i in (1, 2, 3)]

    @property
    def last_month(self) -> Month:
        return self.months[-1]


@dataclass(frozen=True)
class Year:
    year: int

    def __str__(self) -> str:
        return str(self.year)


def _year(text: str) -> int:
    year = int(text)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidPeriod(f"The year must be between {FIRST_YEAR} and {LAST_YEAR}")
    return year


def parse_month(text: str) -> Month:
    match = _MONTH.match(text)
    if not match:
        raise InvalidPeriod(f"{text!r} is not a month: write it as 2026-08")
    return Month(_year(match[1]), int(match[2]))


def parse_assessment_period(text: str) -> Quarter | Year:
    if match := _QUARTER.match(text):
        return Quarter(_year(match[1]), int(match[2]))
    if match := _YEAR.match(text):
        return Year(_year(match[1]))
    raise InvalidPeriod(f"{text!r} is not a quarter or a year: write it as 2026-Q3 or 2026")


def report_due_on(month: Month, due_day: int, calendar: WorkCalendar) -> date:
    """A month's report is due on ``due_day`` of the next month.

    民法典 第二百零三条: a period whose last day is a statutory holiday ends on the first
    day after the holiday — so a due day off work moves to the next working day.
    """
    year, next_month = (month.year + 1, 1) if month.month == 12 else (month.year, month.month + 1)
    due = date(year, next_month, due_day)
    while not calendar.is_working_day(due):
        due = calendar.add_working_days(due, 1)
    return due
