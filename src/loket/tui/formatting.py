"""Dates and durations the Dutch way, without depending on the machine's locale."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from loket.tui import strings as S

if TYPE_CHECKING:
    from loket.domain.sla import WorkCalendar


def local(moment: datetime) -> datetime:
    """The municipality's wall-clock time, whatever time zone the terminal's host runs in."""
    from loket.domain.sla import AMSTERDAM

    return moment.astimezone(AMSTERDAM)


def format_due(due: datetime | None) -> str:
    """`di 25-11 17:00` in the municipality's time; weekday names from strings, not the locale."""
    if due is None:
        return "–"
    when = local(due)
    return f"{S.WEEKDAYS[when.weekday()]} {when:%d-%m %H:%M}"


def format_duration(seconds: float) -> str:
    """mm:ss under an hour, h:mm:ss after."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def urgency_of(
    due: datetime | None, now: datetime | None = None, calendar: WorkCalendar | None = None
) -> tuple[str, str]:
    """(level, Dutch label) of a deadline: level "ok" | "amber" | "red", from the SLA clock."""
    if due is None:
        return "ok", S.URGENCY_UNKNOWN
    from loket.domain.models import utcnow
    from loket.domain.sla import DEFAULT_CALENDAR

    result = (calendar or DEFAULT_CALENDAR).urgency(due, now or utcnow())
    return result.level, result.label
