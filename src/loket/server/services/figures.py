"""The supervisor's figures: one day's report, as `loket report` shows it."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

from loket.domain.kpi import daily_report
from loket.domain.models import Contact, Task
from loket.domain.sla import AMSTERDAM
from loket.server import policy
from loket.server.auth import User
from loket.server.services.common import Context
from loket.server.storage.base import db_time


class FigureService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def stats(self, user: User, day: date | None) -> dict[str, Any]:
        """`loket.domain.kpi.daily_report` over the day's contacts and today's queues."""
        policy.require_figures(user)
        now = self.ctx.clock()
        day = day or now.astimezone(AMSTERDAM).date()
        start = datetime.combine(day, datetime.min.time(), AMSTERDAM)
        with self.ctx.storage.read() as r:
            tasks = [Task.from_dict(json.loads(row["data"])) for row in r.active_tasks()]
            rows = r.contacts_between(db_time(start), db_time(start + timedelta(days=1)))
        contacts = [Contact.from_dict(json.loads(row["data"])) for row in rows]
        return daily_report(contacts, tasks, now, day).to_dict()
