"""The SQL of the management figures (docs/metrics.md), shared by both backends.

Why columns filled on write: the report must aggregate over indexed columns, never
decode JSON per row. `contact_columns`, `question_rows` and `task_columns` derive those
columns from the record the store keeps; `query` builds one figure's aggregate.
Local day and week are Amsterdam time: a contact belongs to the day it started.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from loket.domain.kpi import FCR_EXCLUDED, UNKNOWN_DISTRICT
from loket.domain.models import OUTCOME_ROUTED, RESOLVED_OUTCOMES, from_iso
from loket.domain.period import GROUPINGS
from loket.domain.sla import AMSTERDAM
from loket.server.storage.sql import Row, Sql

FIGURES = ("contacts", "questions", "fcr_contacts", "handling", "tasks")
NONE = "–"  # the group of rows without a value for the grouping


def _local(moment: datetime | None) -> tuple[str | None, str | None]:
    if moment is None:
        return None, None
    local = moment.astimezone(AMSTERDAM)
    year, week, _ = local.isocalendar()
    return local.date().isoformat(), f"{year}-W{week:02d}"


def contact_columns(data: dict[str, Any]) -> tuple[Any, ...]:
    """(ended_at, handling_seconds, local_day, local_week) of a stored contact."""
    started = from_iso(data.get("started_at"))
    ended = from_iso(data.get("ended_at"))
    seconds = None
    if started and ended:
        seconds = max(0.0, (ended - started).total_seconds())
    day, week = _local(started)
    return (data.get("ended_at"), seconds, day, week)


def question_rows(contact_id: str, data: dict[str, Any]) -> list[tuple[Any, ...]]:
    """(contact_id, idx, outcome, product, closed, local_day) per question."""
    day, _ = _local(from_iso(data.get("started_at")))
    closed = int(data.get("status") == "closed")
    rows = []
    for idx, question in enumerate(data.get("questions") or []):
        products = question.get("products") or []
        product = products[0] if products else None
        rows.append((contact_id, idx, question.get("outcome") or None, product, closed, day))
    return rows


def task_columns(data: dict[str, Any]) -> tuple[Any, ...]:
    """(done_at, local_day, local_week, product): done_at is the last step of a done task."""
    done_at = None
    if data.get("status") == "done":
        steps = data.get("log") or []
        done_at = steps[-1].get("at") if steps else None
    day, week = _local(from_iso(data.get("created_at")))
    return (done_at, day, week, data.get("product") or None)


def _literals(values: Any) -> str:
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in sorted(values)) + ")"


_RESOLVED = _literals(RESOLVED_OUTCOMES)
_EXCLUDED = _literals(FCR_EXCLUDED)
_COUNTED = f"q.closed = 1 AND q.outcome IS NOT NULL AND q.outcome NOT IN {_EXCLUDED}"

# Per grouping: (join onto contacts c, group expression) for contact-level figures.
_CONTACT_GROUP = {
    "channel": ("", "c.channel"),
    "agent": ("", "c.agent"),
    "district": ("", f"COALESCE(c.district, '{UNKNOWN_DISTRICT}')"),
    "day": ("", "c.local_day"),
    "week": ("", "c.local_week"),
    "product": (
        " LEFT JOIN (SELECT DISTINCT contact_id, product FROM contact_questions) p"
        " ON p.contact_id = c.id",
        f"COALESCE(p.product, '{NONE}')",
    ),
    "team": (
        " LEFT JOIN (SELECT DISTINCT contact_id, team FROM tasks) t ON t.contact_id = c.id",
        f"COALESCE(t.team, '{NONE}')",
    ),
}
_TASK_GROUP = {
    "team": ("", "k.team"),
    "agent": ("", "k.created_by"),
    "day": ("", "k.local_day"),
    "week": ("", "k.local_week"),
    "product": ("", f"COALESCE(k.product, '{NONE}')"),
    "channel": (" LEFT JOIN contacts c ON c.id = k.contact_id", f"COALESCE(c.channel, '{NONE}')"),
    "district": (
        " LEFT JOIN contacts c ON c.id = k.contact_id",
        f"COALESCE(c.district, '{UNKNOWN_DISTRICT}')",
    ),
}


def _question_group(by: str) -> tuple[str, str]:
    if by == "product":
        return "", f"COALESCE(q.product, '{NONE}')"
    join, expr = _CONTACT_GROUP[by]
    return " JOIN contacts c ON c.id = q.contact_id" + join, expr


def query(name: str, by: str, first: str, last: str, now: str) -> tuple[str, list[Any]]:
    """SQL (with `?`) and params of figure `name` grouped by `by`, days first..last."""
    if by not in GROUPINGS:
        raise ValueError(by)
    period = [first, last]
    if name == "contacts":
        join, g = _CONTACT_GROUP[by]
        sql = (
            f"SELECT {g} AS grp, COUNT(DISTINCT c.id) AS contacts FROM contacts c{join}"
            " WHERE c.local_day >= ? AND c.local_day <= ? GROUP BY grp"
        )
        return sql, period
    if name == "questions":
        join, g = _question_group(by)
        sql = (
            f"SELECT {g} AS grp, COUNT(*) AS questions,"
            " SUM(CASE WHEN q.outcome IS NULL THEN 1 ELSE 0 END) AS without_outcome,"
            f" SUM(CASE WHEN {_COUNTED} THEN 1 ELSE 0 END) AS fcr_counted,"
            f" SUM(CASE WHEN {_COUNTED} AND q.outcome IN {_RESOLVED} THEN 1 ELSE 0 END)"
            " AS fcr_resolved,"
            " SUM(CASE WHEN q.outcome = ? THEN 1 ELSE 0 END) AS routed,"
            " SUM(CASE WHEN q.outcome IS NOT NULL THEN 1 ELSE 0 END) AS with_outcome"
            f" FROM contact_questions q{join}"
            " WHERE q.local_day >= ? AND q.local_day <= ? GROUP BY grp"
        )
        return sql, [OUTCOME_ROUTED, *period]
    if name == "fcr_contacts":
        join, g = _question_group(by)
        sql = (
            f"WITH per AS (SELECT {g} AS grp, q.contact_id,"
            f" SUM(CASE WHEN {_COUNTED} THEN 1 ELSE 0 END) AS counted,"
            f" SUM(CASE WHEN {_COUNTED} AND q.outcome IN {_RESOLVED} THEN 1 ELSE 0 END)"
            f" AS resolved FROM contact_questions q{join}"
            " WHERE q.local_day >= ? AND q.local_day <= ? GROUP BY grp, q.contact_id)"
            " SELECT grp, SUM(CASE WHEN counted > 0 THEN 1 ELSE 0 END) AS fcr_contacts_counted,"
            " SUM(CASE WHEN counted > 0 AND resolved = counted THEN 1 ELSE 0 END)"
            " AS fcr_contacts_resolved FROM per GROUP BY grp"
        )
        return sql, period
    if name == "handling":
        join, g = _CONTACT_GROUP[by]
        # Nearest-rank percentiles: rank ceil(q/100 * n), as integer arithmetic.
        sql = (
            f"WITH h AS (SELECT DISTINCT {g} AS grp, c.id, c.handling_seconds AS s"
            f" FROM contacts c{join} WHERE c.local_day >= ? AND c.local_day <= ?"
            " AND c.status = 'closed' AND c.handling_seconds IS NOT NULL),"
            " r AS (SELECT grp, s, ROW_NUMBER() OVER (PARTITION BY grp ORDER BY s) AS rn,"
            " COUNT(*) OVER (PARTITION BY grp) AS n FROM h)"
            " SELECT grp, MAX(n) AS handled, AVG(s) AS mean_seconds,"
            " MAX(CASE WHEN rn = (50 * n + 99) / 100 THEN s END) AS median_seconds,"
            " MAX(CASE WHEN rn = (90 * n + 99) / 100 THEN s END) AS p90_seconds"
            " FROM r GROUP BY grp"
        )
        return sql, period
    if name == "tasks":
        join, g = _TASK_GROUP[by]
        sql = (
            f"SELECT {g} AS grp, COUNT(*) AS tasks,"
            " SUM(CASE WHEN k.status = 'done' AND (k.due_at IS NULL OR k.done_at <= k.due_at)"
            " THEN 1 ELSE 0 END) AS on_time,"
            " SUM(CASE WHEN k.status = 'done' AND k.done_at > k.due_at THEN 1 ELSE 0 END)"
            " AS late,"
            " SUM(CASE WHEN k.status <> 'done' AND k.due_at < ? THEN 1 ELSE 0 END)"
            " AS open_overdue,"
            " SUM(CASE WHEN k.status <> 'done' AND (k.due_at IS NULL OR k.due_at >= ?)"
            " THEN 1 ELSE 0 END) AS open_in_time"
            f" FROM tasks k{join} WHERE k.local_day >= ? AND k.local_day <= ? GROUP BY grp"
        )
        return sql, [now, now, *period]
    raise ValueError(name)


class FigureReads(Sql):
    """The report's aggregates over the filled-on-write columns."""

    def figure_rows(self, name: str, by: str, first: str, last: str, now: str) -> list[Row]:
        """One figure's aggregate rows, grouped by `by`, over local days first..last."""
        sql, params = query(name, by, first, last, now)
        return self.run(sql, params)

    def count_floor(self, table: str, first: str, last: str) -> int:
        """Bare count over the same rows: the benchmark's floor."""
        if table not in {"contacts", "tasks"}:
            raise ValueError(table)
        sql = f"SELECT count(*) AS n FROM {table} WHERE local_day >= ? AND local_day <= ?"
        row = self._one(sql, (first, last))
        return int(row["n"]) if row else 0
