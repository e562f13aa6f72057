"""The statutory working-day calendar: deadlines, working days and administrators' days."""

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.calendar import WorkCalendar
from tests.conftest import World
from tests.factories import Person

ADD = "/api/v1/calendar/add"
WORKDAYS = "/api/v1/calendar/workdays"
DAYS = "/api/v1/calendar/days"


async def _add(world: World, user: Person, **params: Any) -> dict[str, Any]:
    response = await world.as_(user).get(ADD, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_five_working_days_across_national_day_2026_count_the_adjusted_saturday(
    world: World,
) -> None:
    user = await world.user("operator")
    body = await _add(world, user, start="2026-09-30", days=5, unit="working_days")
    # Oct 1–7 are off; Thu 8, Fri 9, Sat 10 (调休, worked), Mon 12, Tue 13.
    assert body == {
        "start": "2026-09-30",
        "days": 5,
        "unit": "working_days",
        "due_date": "2026-10-13",
        "due_at": "2026-10-13T23:59:59+08:00",
        "basis": "official",
    }


async def test_spring_festival_2026_is_skipped_and_its_adjusted_saturday_is_worked(
    world: World,
) -> None:
    user = await world.user("operator")
    # Thu Feb 12: Fri 13, Sat 14 (调休, worked), then Feb 15–23 are off: Tue 24.
    body = await _add(world, user, start="2026-02-12", days=3, unit="working_days")
    assert body["due_date"] == "2026-02-24"
    assert body["basis"] == "official"


async def test_the_starting_day_is_not_counted(world: World) -> None:
    user = await world.user("operator")
    for unit in ("working_days", "natural_days"):
        body = await _add(world, user, start="2026-09-07T23:30:00+08:00", days=1, unit=unit)
        assert body["due_date"] == "2026-09-08"
    # 16:30 UTC is already Tuesday in the agency's zone, so Tuesday is day 0.
    body = await _add(world, user, start="2026-09-07T16:30:00Z", days=1, unit="working_days")
    assert body["due_date"] == "2026-09-09"


async def test_natural_day_period_ending_on_a_holiday_runs_to_the_next_working_day(
    world: World,
) -> None:
    user = await world.user("operator")
    on_national_day = await _add(world, user, start="2026-09-26", days=5, unit="natural_days")
    assert on_national_day["due_date"] == "2026-10-08"
    on_saturday = await _add(world, user, start="2026-09-02", days=10, unit="natural_days")
    assert on_saturday["due_date"] == "2026-09-14"
    on_adjusted_sunday = await _add(world, user, start="2026-09-10", days=10, unit="natural_days")
    assert on_adjusted_sunday["due_date"] == "2026-09-20"


async def test_hours_run_around_the_clock_through_holidays(world: World) -> None:
    user = await world.user("operator")
    body = await _add(world, user, start="2026-10-01T10:00:00+08:00", days=48, unit="hours")
    assert body["due_at"] == "2026-10-03T10:00:00+08:00"
    assert body["due_date"] == "2026-10-03"
    assert body["basis"] == "official"


async def test_workdays_listing_skips_national_day_and_includes_the_adjusted_saturday(
    world: World,
) -> None:
    user = await world.user("operator")
    span = {"from": "2026-09-28", "to": "2026-10-12"}
    response = await world.as_(user).get(WORKDAYS, params=span)
    assert response.status_code == 200
    assert response.json() == {
        "from": "2026-09-28",
        "to": "2026-10-12",
        "workdays": [
            "2026-09-28",
            "2026-09-29",
            "2026-09-30",
            "2026-10-08",
            "2026-10-09",
            "2026-10-10",
            "2026-10-12",
        ],
        "basis": "official",
    }


async def test_a_day_reads_its_kind_name_and_source(world: World) -> None:
    api = world.as_(await world.user("operator"))
    national_day = (await api.get(f"{DAYS}/2026-10-01")).json()
    assert national_day == {
        "date": "2026-10-01",
        "kind": "holiday",
        "name": "国庆节",
        "source": "package",
        "basis": "official",
    }
    adjusted = (await api.get(f"{DAYS}/2026-10-10")).json()
    assert adjusted["kind"] == "workday" and adjusted["source"] == "package"


async def test_2027_is_estimated_without_crashing_until_an_admin_enters_a_day(
    world: World, admin: Person
) -> None:
    user = await world.user("operator")
    across_new_year = await _add(world, user, start="2026-12-20", days=20, unit="working_days")
    assert across_new_year["basis"] == "estimated"
    far = await _add(world, user, start="2035-09-28", days=10, unit="working_days")
    assert far["basis"] == "estimated"

    entered = await world.as_(admin).put(
        f"{DAYS}/2027-02-20", json={"kind": "workday", "name": "春节调休上班"}
    )
    assert entered.status_code == 200
    assert entered.json()["kind"] == "workday"
    assert entered.json()["updated_by_id"] == str(admin.id)
    again = await _add(world, user, start="2026-12-20", days=20, unit="working_days")
    assert again["basis"] == "official"
    day = (await world.as_(user).get(f"{DAYS}/2027-02-20")).json()
    assert day["source"] == "admin" and day["name"] == "春节调休上班"


async def test_admin_turning_a_workday_into_a_holiday_moves_the_deadline_until_removed(
    world: World, admin: Person
) -> None:
    user = await world.user("operator")
    params = {"start": "2026-09-30", "days": 5, "unit": "working_days"}
    api = world.as_(admin)
    put = await api.put(f"{DAYS}/2026-10-08", json={"kind": "holiday", "name": "临时休息日"})
    assert put.status_code == 200
    assert (await _add(world, user, **params))["due_date"] == "2026-10-14"

    replaced = await api.put(f"{DAYS}/2026-10-08", json={"kind": "workday"})
    assert replaced.status_code == 200 and replaced.json()["name"] == ""
    assert (await _add(world, user, **params))["due_date"] == "2026-10-13"

    removed = await api.delete(f"{DAYS}/2026-10-08")
    assert removed.status_code == 204 and removed.content == b""
    assert (await world.as_(user).get(f"{DAYS}/2026-10-08")).json()["source"] == "package"
    missing = await api.delete(f"{DAYS}/2026-10-08")
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"


async def test_only_admins_enter_or_remove_days(world: World) -> None:
    api = world.as_(await world.user("operator", "supervisor"))
    refused = await api.put(f"{DAYS}/2026-10-08", json={"kind": "holiday"})
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"
    assert (await api.delete(f"{DAYS}/2026-10-08")).status_code == 403
    anonymous = await world.client.get(ADD, params={"start": "2026-09-30", "days": 5})
    assert anonymous.status_code == 401


async def test_invalid_or_absurd_inputs_are_422_validation_problems(
    world: World, admin: Person
) -> None:
    api = world.as_(admin)
    requests: list[tuple[str, str, dict[str, Any]]] = [
        ("get", ADD, {"params": {"start": "2026-02-30", "days": 5}}),
        ("get", ADD, {"params": {"start": "next tuesday", "days": 5}}),
        ("get", ADD, {"params": {"start": "2026-09-30", "days": 5, "unit": "fortnights"}}),
        ("get", ADD, {"params": {"start": "2026-09-30", "days": 3651}}),
        ("get", ADD, {"params": {"start": "2026-09-30", "days": -1}}),
        ("get", ADD, {"params": {"start": "1989-12-31", "days": 5}}),
        ("get", ADD, {"params": {"start": "0001-01-01T00:00:00+08:00", "days": 5}}),
        ("get", ADD, {"params": {"start": "2100-12-20", "days": 30}}),
        ("get", WORKDAYS, {"params": {"from": "2026-10-12", "to": "2026-09-28"}}),
        ("get", WORKDAYS, {"params": {"from": "2026-01-01", "to": "2027-01-03"}}),
        ("get", f"{DAYS}/2101-01-01", {}),
        ("get", f"{DAYS}/not-a-date", {}),
        ("get", f"{DAYS}/1767225600", {}),
        ("get", f"{DAYS}/20261008", {}),
        ("put", f"{DAYS}/2026-10-08", {"json": {"kind": "vacation"}}),
        ("put", f"{DAYS}/2026-10-08", {"json": {"kind": "holiday", "extra": 1}}),
        ("put", f"{DAYS}/2200-10-08", {"json": {"kind": "holiday"}}),
    ]
    for method, url, kwargs in requests:
        response = await getattr(api, method)(url, **kwargs)
        assert response.status_code == 422, (url, kwargs, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "validation_error"


@st.composite
def _calendars_and_starts(draw: st.DrawFn) -> tuple[WorkCalendar, date]:
    start = draw(st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 9, 1)))
    offsets = draw(
        st.dictionaries(
            st.integers(min_value=-3, max_value=100),
            st.sampled_from(["holiday", "workday"]),
            max_size=8,
        )
    )
    overrides = {start + timedelta(days=offset): kind for offset, kind in offsets.items()}
    return WorkCalendar(overrides, ZoneInfo("Asia/Shanghai")), start


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_calendars_and_starts(), st.integers(min_value=0, max_value=60))
def test_adding_n_working_days_lands_on_a_working_day_n_working_days_later(
    calendar_and_start: tuple[WorkCalendar, date], n: int
) -> None:
    calendar, start = calendar_and_start
    end = calendar.add_working_days(start, n)
    assert end >= start
    if n > 0:
        assert calendar.is_working_day(end)
    assert calendar.working_days_between(start, end) == n
    assert calendar.workdays(start + timedelta(days=1), end)[-1:] == ([end] if n else [])
