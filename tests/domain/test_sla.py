"""The SLA clock: Dutch holidays, working-day and working-hour deadlines, urgency labels."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loket.domain.routing import Sla
from loket.domain.sla import (
    DEFAULT_CALENDAR,
    WorkCalendar,
    due_at,
    dutch_holidays,
    urgency,
    working_time_left,
)

AMS = ZoneInfo("Europe/Amsterdam")
CAL = DEFAULT_CALENDAR


def ams(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    """A wall-clock time in Amsterdam, as UTC (the form the calendar takes and returns)."""
    return datetime(y, mo, d, h, mi, s, tzinfo=AMS).astimezone(UTC)


# --- holidays --------------------------------------------------------------------------------


def test_known_holidays() -> None:
    h2025, h2026 = dutch_holidays(2025), dutch_holidays(2026)
    assert h2025[date(2025, 4, 26)] == "Koningsdag"  # 27 April 2025 is a Sunday
    assert date(2025, 4, 27) not in h2025
    assert h2026[date(2026, 4, 27)] == "Koningsdag"
    assert h2026[date(2026, 5, 14)] == "Hemelvaartsdag"
    assert h2026[date(2026, 5, 25)] == "Tweede pinksterdag"
    assert h2025[date(2025, 5, 5)] == "Bevrijdingsdag"
    assert date(2026, 5, 5) not in h2026
    assert date(2026, 5, 5) in dutch_holidays(2026, "yearly")
    assert date(2026, 4, 3) not in h2026  # Goede Vrijdag is a working day by default
    assert dutch_holidays(2026, good_friday=True)[date(2026, 4, 3)] == "Goede vrijdag"
    assert h2026[date(2026, 4, 5)] == "Eerste paasdag"  # Easter from the holidays package


@pytest.mark.parametrize("year", range(2014, 2101, 3))
def test_holidays_agree_with_holidays_package(year: int) -> None:
    """The municipality's rules only ever add to or drop from the package's holidays:
    with Goede vrijdag on and Bevrijdingsdag per lustrum nothing is left out or added."""
    assert set(dutch_holidays(year, "lustrum", True)) == set(holidays.Netherlands(years=year))


def test_extra_closed_days_and_calendar_checks() -> None:
    cal = WorkCalendar(extra_closed_days=(date(2026, 12, 24),))
    assert CAL.is_working_day(date(2026, 12, 24))
    assert not cal.is_working_day(date(2026, 12, 24))
    with pytest.raises(ValueError):
        WorkCalendar(liberation_day="sometimes")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        WorkCalendar(office_start=time(17), office_end=time(9))


# --- due dates: exact ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        (ams(2026, 3, 2, 10), 1, ams(2026, 3, 3, 17)),  # Monday morning → Tuesday end of day
        (ams(2026, 3, 2, 7), 0, ams(2026, 3, 2, 17)),  # before opening counts that day
        (ams(2026, 3, 2, 17), 1, ams(2026, 3, 3, 17)),  # at closing still counts that day
        (ams(2026, 3, 2, 17, 1), 1, ams(2026, 3, 4, 17)),  # after hours → from next day
        (ams(2026, 3, 6, 12), 1, ams(2026, 3, 9, 17)),  # Friday → Monday
        (ams(2026, 3, 7, 12), 1, ams(2026, 3, 10, 17)),  # Saturday counts from Monday
        (ams(2026, 4, 2, 10), 1, ams(2026, 4, 3, 17)),  # Goede Vrijdag is a working day
        (ams(2026, 4, 3, 10), 1, ams(2026, 4, 7, 17)),  # skips the weekend and Tweede Paasdag
        (ams(2026, 5, 13, 10), 1, ams(2026, 5, 15, 17)),  # skips Hemelvaart 14 May 2026
        (ams(2025, 4, 25, 10), 1, ams(2025, 4, 28, 17)),  # Koningsdag 2025 is a Saturday anyway
        (ams(2025, 5, 2, 10), 1, ams(2025, 5, 6, 17)),  # Bevrijdingsdag 2025 (lustrum) closed
        (ams(2026, 5, 4, 10), 1, ams(2026, 5, 5, 17)),  # ... but 2026 is not a lustrum
        (ams(2026, 12, 24, 10), 1, ams(2026, 12, 28, 17)),  # Christmas on Fri+Sat
        (ams(2026, 3, 27, 10), 1, ams(2026, 3, 30, 17)),  # over the DST change (29 March)
    ],
)
def test_due_days_exact(start: datetime, days: int, due: datetime) -> None:
    assert due_at(start, days=days) == due
    assert due_at(start, days=days).tzinfo == UTC


def test_koningsdag_2026_closed() -> None:
    assert due_at(ams(2026, 4, 24, 10), days=1) == ams(2026, 4, 28, 17)  # Mon 27 April closed


def test_liberation_yearly_calendar() -> None:
    cal = WorkCalendar(liberation_day="yearly")
    assert cal.due_at(ams(2026, 5, 4, 10), days=1) == ams(2026, 5, 6, 17)


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        (ams(2026, 3, 2, 10), 4, ams(2026, 3, 2, 14)),
        (ams(2026, 3, 2, 7), 1, ams(2026, 3, 2, 9, 30)),  # counting starts at opening
        (ams(2026, 3, 2, 15), 4, ams(2026, 3, 3, 10, 30)),  # 2 h today, 2 h tomorrow
        (ams(2026, 3, 2, 8, 30), 8.5, ams(2026, 3, 2, 17)),  # a full day ends at closing
        (ams(2026, 3, 6, 16), 2, ams(2026, 3, 9, 9, 30)),  # Friday → Monday
        (ams(2026, 3, 2, 20), 0.5, ams(2026, 3, 3, 9)),  # evening request
        (ams(2026, 4, 3, 16), 3, ams(2026, 4, 7, 10, 30)),  # over Easter
    ],
)
def test_due_hours_exact(start: datetime, hours: float, due: datetime) -> None:
    assert due_at(start, hours=hours) == due


def test_due_for_sla_and_argument_checks() -> None:
    start = ams(2026, 3, 2, 10)
    assert CAL.due_for(start, Sla(days=1)) == ams(2026, 3, 3, 17)
    assert CAL.due_for(start, Sla(hours=2)) == ams(2026, 3, 2, 12)
    for bad in ({}, {"days": 1, "hours": 1}, {"days": -1}, {"hours": -1}):
        with pytest.raises(ValueError):
            due_at(start, **bad)  # type: ignore[arg-type]


def test_naive_start_is_utc() -> None:
    assert due_at(datetime(2026, 3, 2, 9), days=1) == due_at(
        datetime(2026, 3, 2, 9, tzinfo=UTC), days=1
    )


# --- due dates: properties -------------------------------------------------------------------

starts = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2031, 12, 31), timezones=st.just(UTC)
)
minutes = st.integers(0, 8 * 60 * 5)


def _in_office(due: datetime) -> bool:
    local = due.astimezone(AMS)
    return CAL.is_working_day(local.date()) and time(8, 30) <= local.time() <= time(17)


@settings(max_examples=200, deadline=None)
@given(starts, st.integers(0, 30))
def test_due_days_lands_at_closing_on_working_day(start: datetime, days: int) -> None:
    due = due_at(start, days=days)
    assert _in_office(due) and due.astimezone(AMS).time() == time(17)
    assert due >= start


@settings(max_examples=200, deadline=None)
@given(starts, minutes)
def test_due_hours_within_office_hours(start: datetime, mins: int) -> None:
    due = due_at(start, hours=mins / 60)
    assert _in_office(due)
    assert CAL.working_time_left(due, start) == timedelta(minutes=mins)


@settings(max_examples=150, deadline=None)
@given(
    starts, st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=9)), st.integers(0, 20)
)
def test_due_days_monotonic_in_start_and_days(start: datetime, later: timedelta, days: int) -> None:
    assert due_at(start, days=days) <= due_at(start + later, days=days)
    assert due_at(start, days=days) < due_at(start, days=days + 1)


@settings(max_examples=150, deadline=None)
@given(starts, st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=9)), minutes)
def test_due_hours_monotonic_in_start(start: datetime, later: timedelta, mins: int) -> None:
    assert due_at(start, hours=mins / 60) <= due_at(start + later, hours=mins / 60)


@settings(max_examples=150, deadline=None)
@given(starts, st.lists(st.integers(0, 6), min_size=1, max_size=5))
def test_adding_days_one_by_one_equals_at_once(start: datetime, steps: list[int]) -> None:
    due = start
    for step in steps:
        due = due_at(due, days=step)
    assert due == due_at(start, days=sum(steps))


@settings(max_examples=150, deadline=None)
@given(starts, st.lists(st.integers(0, 600), min_size=1, max_size=4))
def test_adding_hours_one_by_one_equals_at_once(start: datetime, steps: list[int]) -> None:
    due = start
    for step in steps:
        due = due_at(due, hours=step / 60)
    assert due == due_at(start, hours=sum(steps) / 60)


# --- clock and urgency -----------------------------------------------------------------------


def test_working_time_left_counts_only_office_hours() -> None:
    due = ams(2026, 3, 9, 17)  # Monday closing
    assert working_time_left(due, ams(2026, 3, 6, 16)) == timedelta(hours=9.5)  # Fri 1 h + Mon 8.5
    assert working_time_left(due, ams(2026, 3, 10, 9, 30)) == -timedelta(hours=1)
    assert working_time_left(due, ams(2026, 3, 9, 20)) == timedelta(0)


@pytest.mark.parametrize(
    ("now", "level", "label"),
    [
        (ams(2026, 3, 2, 10), "ok", "nog 4d"),  # due Friday 17:00: 7 h + 4 × 8.5 h = 41 h
        (ams(2026, 3, 5, 9), "ok", "nog 1d"),  # 8 h Thu + 8.5 h Fri
        (ams(2026, 3, 6, 12), "amber", "nog 5u"),
        (ams(2026, 3, 6, 16, 20), "amber", "nog 40 min"),
        (ams(2026, 3, 6, 16, 59, 30), "amber", "nog < 1 min"),
        (ams(2026, 3, 6, 17), "red", "verlopen"),
        (ams(2026, 3, 7, 12), "red", "verlopen"),  # weekend: no working time has passed
        (ams(2026, 3, 9, 11, 30), "red", "3u verlopen"),
        (ams(2026, 3, 9, 8, 50), "red", "20 min verlopen"),
        (ams(2026, 3, 11, 12), "red", "2d verlopen"),
    ],
)
def test_urgency_labels(now: datetime, level: str, label: str) -> None:
    result = urgency(ams(2026, 3, 6, 17), now)
    assert (result.level, result.label) == (level, label)


def test_amber_threshold_is_configurable() -> None:
    due, now = ams(2026, 3, 6, 17), ams(2026, 3, 6, 12)
    assert urgency(due, now, amber_hours=4).level == "ok"
    assert urgency(due, now, amber_hours=6).level == "amber"


@settings(max_examples=200, deadline=None)
@given(starts, st.integers(-3000, 8 * 60 * 10), st.sampled_from([0, 1, 4, 8, 20]))
def test_level_agrees_with_urgency(now: datetime, offset: int, amber: int) -> None:
    due = due_at(now, hours=1) + timedelta(minutes=offset)
    assert CAL.level(due, now, amber) == CAL.urgency(due, now, amber).level
