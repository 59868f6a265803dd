"""A report period: two local dates, inclusive, checked once for the CLI and the server."""

from __future__ import annotations

from datetime import date

GROUPINGS = ("channel", "product", "team", "district", "agent", "day", "week")
MAX_DAYS = 366 * 5  # why: a typo like 1026 would otherwise scan the whole store


class PeriodError(ValueError):
    """A bad period; `option` names the option or parameter at fault."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(f"{option}: {message}")
        self.option = option


def parse_day(option: str, text: str) -> date:
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        raise PeriodError(option, f"expected a date as YYYY-MM-DD, got {text!r}") from None


def parse_period(first: str, last: str, by: str, names: tuple[str, str, str]) -> tuple[date, date]:
    """(from, to) dates; `names` are the option names to blame, e.g. ("--from", "--to", "--by")."""
    start, end = parse_day(names[0], first), parse_day(names[1], last)
    if start > end:
        raise PeriodError(names[0], f"{start} is after {names[1]} {end}")
    if (end - start).days > MAX_DAYS:
        raise PeriodError(names[1], f"period longer than {MAX_DAYS} days")
    if by not in GROUPINGS:
        raise PeriodError(names[2], f"expected one of {', '.join(GROUPINGS)}, got {by!r}")
    return start, end
