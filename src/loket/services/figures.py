"""Day figures: the central store's (supervisors) or this console's own, offline."""

from __future__ import annotations

from datetime import date
from typing import Any

from loket.domain.models import utcnow
from loket.store import ConsoleStore
from loket.sync import SyncEngine, SyncError

EVERYTHING = 1_000_000  # a console holds at most this many records of one kind


class Figures:
    """One day's KPIs (`loket.domain.kpi.daily_report`), from the server or locally."""

    def __init__(self, store: ConsoleStore, engine: SyncEngine) -> None:
        self.store = store
        self.engine = engine

    def daily(self, day: date | None = None, *, central: bool = True) -> dict[str, Any]:
        """The central store's figures by default, or this console's own contacts and tasks
        (works offline; a supervisor's console holds everything it pulled). Raises
        SyncError when the central store cannot answer."""
        from loket.domain.kpi import daily_report

        client = self.engine.client
        if central:
            if client is None:
                raise SyncError("Geen centrale server ingesteld (LOKET_SERVER_URL).")
            return client.stats(day.isoformat() if day else None)
        contacts = self.store.contacts(limit=EVERYTHING)
        tasks = self.store.tasks(limit=EVERYTHING)
        return daily_report(contacts, tasks, utcnow(), day).to_dict()

    def period(self, first: date, last: date, by: str) -> dict[str, Any]:
        """Management figures over first..last grouped by `by`, from the central store
        (aggregate SQL there; docs/metrics.md). Raises SyncError when it cannot answer."""
        client = self.engine.client
        if client is None:
            raise SyncError("Geen centrale server ingesteld (LOKET_SERVER_URL).")
        return client.report(first.isoformat(), last.isoformat(), by)

    def charts(self, day: date | None = None) -> dict[str, Any]:
        """The report's chart series (`loket.report_charts`) from the central store.
        Raises SyncError when it cannot answer."""
        client = self.engine.client
        if client is None:
            raise SyncError("Geen centrale server ingesteld (LOKET_SERVER_URL).")
        return client.charts(day.isoformat() if day else None)
