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
from loket.server.storage import figures
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

    def report(self, user: User, first: date, last: date, by: str) -> dict[str, Any]:
        """Management figures over local days first..last, one row per group (SQL
        aggregates: `loket.server.storage.figures`, definitions in docs/metrics.md)."""
        policy.require_figures(user)
        now = db_time(self.ctx.clock())
        groups: dict[str, dict[str, Any]] = {}
        with self.ctx.storage.read() as r:
            for name in figures.FIGURES:
                for row in r.figure_rows(name, by, first.isoformat(), last.isoformat(), now):
                    key = row.pop("grp") or figures.NONE
                    groups.setdefault(key, {}).update(row)
        return {
            "from": first.isoformat(),
            "to": last.isoformat(),
            "by": by,
            "groups": [_group(key, values) for key, values in sorted(groups.items())],
            "generated_at": now,
        }


_COUNTS = (
    "contacts",
    "questions",
    "without_outcome",
    "fcr_counted",
    "fcr_resolved",
    "fcr_contacts_counted",
    "fcr_contacts_resolved",
    "routed",
    "with_outcome",
    "handled",
    "tasks",
    "on_time",
    "late",
    "open_overdue",
    "open_in_time",
)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _seconds(value: Any) -> float | None:
    return None if value is None else float(value)


def _group(key: str, values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"group": key}
    out.update({name: int(values.get(name) or 0) for name in _COUNTS})
    out["fcr_questions"] = _share(out["fcr_resolved"], out["fcr_counted"])
    out["fcr_contacts"] = _share(out["fcr_contacts_resolved"], out["fcr_contacts_counted"])
    out["share_routed"] = _share(out["routed"], out["with_outcome"])
    for name in ("mean_seconds", "median_seconds", "p90_seconds"):
        out[name] = _seconds(values.get(name))
    out["sla_on_time"] = _share(out["on_time"], out["on_time"] + out["late"])
    return out
