"""The supervisor's and management's figures."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Query

from loket.domain.errors import FieldError
from loket.domain.period import PeriodError, parse_period
from loket.protocol import API_PREFIX, Route
from loket.server.deps import Caller, Store
from loket.server.errors import ApiError
from loket.server.responses import ChartsOut, ReportOut, StatsOut

router = APIRouter(prefix=API_PREFIX, tags=["supervision"])

# Days a figure can be asked for: the local day's bounds in UTC exist for every one of them.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)


def _check_day(day: date | None) -> None:
    if day is not None and not FIRST_DAY <= day <= LAST_DAY:
        message = f"date moet tussen {FIRST_DAY} en {LAST_DAY} liggen."
        raise ApiError("bad_request", message, [FieldError("date", message)])


@router.get(Route.STATS, response_model=StatsOut)
def stats(user: Caller, store: Store, date: date | None = None) -> dict[str, Any]:
    _check_day(date)
    return store.figures.stats(user, date)


@router.get(Route.REPORT_CHARTS, response_model=ChartsOut)
def charts(user: Caller, store: Store, date: date | None = None) -> dict[str, Any]:
    """The report screen's charts for `date` (default today); supervisors and admins."""
    _check_day(date)
    return store.figures.charts(user, date)


@router.get(Route.REPORT, response_model=ReportOut)
def report(
    user: Caller,
    store: Store,
    first: str = Query("", alias="from"),
    last: str = Query("", alias="to"),
    by: str = "channel",
) -> dict[str, Any]:
    """Figures over local days `from`..`to` (inclusive), grouped by `by`."""
    try:
        start, end = parse_period(first, last, by, ("from", "to", "by"))
    except PeriodError as exc:
        raise ApiError("bad_request", str(exc)) from None
    return store.figures.report(user, start, end, by)
