"""The SLA clock: working days and hours with Dutch public holidays, in Europe/Amsterdam.

The holidays come from the `holidays` package (pure computation, no I/O), imported on
first use so that importing the domain stays cheap; this module keeps only the rules a
municipality sets for itself, which `holidays` does not know.

Rules
- Working day: Monday-Friday, not a public holiday, not in `extra_closed_days`.
- Holidays (`holidays.Netherlands`): Nieuwjaarsdag, Eerste en Tweede paasdag, Koningsdag
  (26 April when the 27th is a Sunday; Koninginnedag before 2014), Bevrijdingsdag in
  lustrum years, Hemelvaartsdag, Eerste en Tweede pinksterdag, Eerste en Tweede kerstdag.
- Our own: Goede vrijdag is a working day unless `good_friday=True`; Bevrijdingsdag every
  year with `liberation_day="yearly"` (a collective agreement, not a public holiday).
- `days=N`: due at the end of the office day N working days after the start day. The start
  day is the day of the request if that is a working day and the request came in at or
  before office end; a request after office hours, or on a closed day, counts from the
  next working day. `days=0` is the end of that start day.
- `hours=H`: H hours counted only within office hours on working days; a request outside
  office hours starts counting at the next opening.
Inputs and outputs are timezone-aware UTC datetimes (a naive input is taken as UTC).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
LiberationRule = Literal["lustrum", "yearly"]


GOOD_FRIDAY = "Goede vrijdag"
LIBERATION_DAY = "Bevrijdingsdag"


@lru_cache(maxsize=256)
def dutch_holidays(
    year: int, liberation_day: LiberationRule = "lustrum", good_friday: bool = False
) -> dict[date, str]:
    """The public holidays of `year` on which the municipality is closed, with their names."""
    from holidays.countries.netherlands import Netherlands

    days: dict[date, str] = dict(Netherlands(years=year, language="nl").items())
    if not good_friday:
        days = {day: name for day, name in days.items() if name != GOOD_FRIDAY}
    if liberation_day == "yearly" and year >= 1945:
        days[date(year, 5, 5)] = LIBERATION_DAY
    return days


@dataclass(frozen=True)
class Urgency:
    level: str  # "ok" | "amber" | "red"
    label: str  # Dutch, e.g. "nog 2d", "nog 5u", "nog 40 min", "2d verlopen"
    left: timedelta  # working time left; negative when overdue


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass(frozen=True)
class WorkCalendar:
    """Office hours and closed days of one municipality."""

    office_start: time = time(8, 30)
    office_end: time = time(17, 0)
    liberation_day: LiberationRule = "lustrum"
    extra_closed_days: tuple[date, ...] = ()
    good_friday: bool = False

    def __post_init__(self) -> None:
        if self.liberation_day not in ("lustrum", "yearly"):
            raise ValueError(
                f"liberation_day must be 'lustrum' or 'yearly', not {self.liberation_day!r}"
            )
        if not self.office_start < self.office_end:
            raise ValueError("office_start must be before office_end")

    # --- days ---

    def holidays(self, year: int) -> dict[date, str]:
        return dutch_holidays(year, self.liberation_day, self.good_friday)

    def is_working_day(self, day: date) -> bool:
        return (
            day.weekday() < 5
            and day not in self.holidays(day.year)
            and day not in self.extra_closed_days
        )

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    @property
    def office_day(self) -> timedelta:
        """Length of one office day (8.5 h by default): the unit of "d" in labels."""
        return self._at(date(2000, 1, 3), self.office_end) - self._at(
            date(2000, 1, 3), self.office_start
        )

    def _at(self, day: date, moment: time) -> datetime:
        return datetime.combine(day, moment, tzinfo=AMSTERDAM)

    # --- deadlines ---

    def due_at(
        self, start: datetime, days: int | None = None, hours: float | None = None
    ) -> datetime:
        """The deadline for a request made at `start` (UTC): give exactly one of days, hours."""
        if (days is None) == (hours is None):
            raise ValueError("give exactly one of days or hours")
        if days is not None:
            if days < 0:
                raise ValueError("days must be >= 0")
            return self._due_days(_utc(start), days)
        assert hours is not None
        if hours < 0:
            raise ValueError("hours must be >= 0")
        return self._due_hours(_utc(start), timedelta(hours=hours))

    def due_for(self, start: datetime, sla: object) -> datetime:
        """Deadline for a `routing.Sla` (anything with `days` and `hours` attributes)."""
        return self.due_at(
            start, days=getattr(sla, "days", None), hours=getattr(sla, "hours", None)
        )

    def _due_days(self, start: datetime, days: int) -> datetime:
        local = start.astimezone(AMSTERDAM)
        day = local.date()
        if not self.is_working_day(day) or local.time() > self.office_end:
            day = self.next_working_day(day)
        for _ in range(days):
            day = self.next_working_day(day)
        return self._at(day, self.office_end).astimezone(UTC)

    def _opening_from(self, start: datetime) -> datetime:
        """`start` itself when within office hours, else the next opening (local time)."""
        local = start.astimezone(AMSTERDAM)
        day = local.date()
        if self.is_working_day(day) and local.time() <= self.office_end:
            return max(local, self._at(day, self.office_start))
        return self._at(self.next_working_day(day), self.office_start)

    def _due_hours(self, start: datetime, remaining: timedelta) -> datetime:
        current = self._opening_from(start)
        while True:
            available = self._at(current.date(), self.office_end) - current
            if remaining <= available:
                return (current + remaining).astimezone(UTC)
            remaining -= available
            current = self._at(self.next_working_day(current.date()), self.office_start)

    # --- clock ---

    def working_time_between(self, begin: datetime, end: datetime) -> timedelta:
        """Office time between two moments (zero when end <= begin)."""
        begin, end = _utc(begin).astimezone(AMSTERDAM), _utc(end).astimezone(AMSTERDAM)
        total = timedelta()
        day = begin.date()
        while day <= end.date():
            if self.is_working_day(day):
                lo = max(begin, self._at(day, self.office_start))
                hi = min(end, self._at(day, self.office_end))
                if hi > lo:
                    total += hi - lo
            day += timedelta(days=1)
        return total

    def working_time_left(self, due: datetime, now: datetime) -> timedelta:
        """Office time until `due`; negative (office time since `due`) once it has passed."""
        if _utc(now) <= _utc(due):
            return self.working_time_between(now, due)
        return -self.working_time_between(due, now)

    def level(self, due: datetime, now: datetime, amber_hours: float = 8) -> str:
        """Just the traffic light of `urgency`, without measuring how late: cheap for queues."""
        if _utc(now) >= _utc(due):
            return "red"
        if amber_hours <= 0:
            return "ok"
        return "amber" if _utc(due) < self.amber_point(now, amber_hours) else "ok"

    def amber_point(self, now: datetime, amber_hours: float = 8) -> datetime:
        """A deadline not passed at `now` is amber when it comes before this moment:
        `amber_hours` working hours from `now` (one moment for a whole queue)."""
        return self._due_hours(_utc(now), timedelta(hours=amber_hours))

    def urgency(self, due: datetime, now: datetime, amber_hours: float = 8) -> Urgency:
        """Traffic light and Dutch label for a deadline: red when passed, amber when close."""
        left = self.working_time_left(due, now)
        if _utc(now) >= _utc(due):
            amount = self._amount(-left)
            return Urgency("red", f"{amount} verlopen" if amount else "verlopen", left)
        level = "amber" if left < timedelta(hours=amber_hours) else "ok"
        return Urgency(level, f"nog {self._amount(left) or '< 1 min'}", left)

    def _amount(self, span: timedelta) -> str:
        """ "2d" (office days), "5u" or "40 min"; "" under a minute."""
        if span >= self.office_day:
            return f"{span // self.office_day}d"
        if span >= timedelta(hours=1):
            return f"{span // timedelta(hours=1)}u"
        minutes = span // timedelta(minutes=1)
        return f"{minutes} min" if minutes else ""


DEFAULT_CALENDAR = WorkCalendar()


def due_at(
    start: datetime,
    days: int | None = None,
    hours: float | None = None,
    calendar: WorkCalendar = DEFAULT_CALENDAR,
) -> datetime:
    """`WorkCalendar.due_at` on the default calendar (08:30-17:00, Bevrijdingsdag per lustrum)."""
    return calendar.due_at(start, days=days, hours=hours)


def working_time_left(
    due: datetime, now: datetime, calendar: WorkCalendar = DEFAULT_CALENDAR
) -> timedelta:
    return calendar.working_time_left(due, now)


def urgency(
    due: datetime, now: datetime, amber_hours: float = 8, calendar: WorkCalendar = DEFAULT_CALENDAR
) -> Urgency:
    return calendar.urgency(due, now, amber_hours)
