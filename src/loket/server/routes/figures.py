"""The supervisor's figures."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter

from loket.protocol import API_PREFIX
from loket.server.deps import Caller, Store
from loket.server.responses import StatsOut

router = APIRouter(prefix=API_PREFIX, tags=["supervision"])


@router.get("/stats", response_model=StatsOut)
def stats(user: Caller, store: Store, date: date | None = None) -> dict[str, Any]:
    return store.figures.stats(user, date)
