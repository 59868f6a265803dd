"""The supervisor's figures."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter

from loket.domain.errors import FieldError
from loket.protocol import API_PREFIX
from loket.server.deps import Caller, Store
from loket.server.errors import ApiError
from loket.server.responses import StatsOut

router = APIRouter(prefix=API_PREFIX, tags=["supervision"])

# Days a figure can be asked for: the local day's bounds in UTC exist for every one of them.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)


@router.get("/stats", response_model=StatsOut)
def stats(user: Caller, store: Store, date: date | None = None) -> dict[str, Any]:
    if date is not None and not FIRST_DAY <= date <= LAST_DAY:
        message = f"date moet tussen {FIRST_DAY} en {LAST_DAY} liggen."
        raise ApiError("bad_request", message, [FieldError("date", message)])
    return store.figures.stats(user, date)
