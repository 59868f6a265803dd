"""The SQL of the management figures (docs/metrics.md), shared by both backends.

Why columns filled on write: the report must aggregate over indexed columns, never
decode JSON per row. `contact_columns`, `question_rows` and `task_columns` derive those
columns from the record the store keeps. Local day and week are Amsterdam time: a contact
belongs to the day it started, a task to the day it was made.

Why day summaries (migration 0007): a year is a million contacts, and grouping them
takes seconds on either database. The contact figures are sums per local day, group and
duration bucket, so `figure_days` and `figure_hist` keep them per (grouping, day, group),
rebuilt for a day from the rows by the same statements that compute a day that is not
summarised yet (`contact_parts`). A report adds the summary of its built days to those
statements over the days still open (today, and any changed since the last build; see
`loket.server.services.figures`). Task figures depend on "now" (overdue) and are few
(a fifth of the contacts): they are read from the task rows every time.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from loket.domain.kpi import (
    CALLBACK_NORM_DAYS,
    DURATION_BUCKETS,
    FCR_EXCLUDED,
    RESOLVE_BUCKETS,
    UNKNOWN_DISTRICT,
)
from loket.domain.models import OUTCOME_ROUTED, RESOLVED_OUTCOMES, from_iso
from loket.domain.period import GROUPINGS
from loket.domain.sla import AMSTERDAM, DEFAULT_CALENDAR
from loket.domain.tasks import CALLBACK_ATTEMPT, LOG_ACTION
from loket.server.storage.sql import CHUNK, Row, Sql, sql_in

if TYPE_CHECKING:
    from loket.server.storage.live_figures import LiveLocks

NONE = "–"  # the group of rows without a value for the grouping
DAYS_PER_STATEMENT = CHUNK  # open or rebuilt days named in one statement

# Columns each function below fills, in its order (the writers' INSERTs are built from them).
CONTACT_FIGURE_COLUMNS = (
    "ended_at",
    "handling_seconds",
    "local_day",
    "local_week",
    "talk_seconds",
    "wrapup_seconds",
    "satisfaction",
)
QUESTION_COLUMNS = ("contact_id", "idx", "outcome", "product", "closed", "local_day")
TASK_FIGURE_COLUMNS = (
    "done_at",
    "local_day",
    "local_week",
    "product",
    "first_callback_at",
    "callback_due_at",
    "resolve_seconds",
)

CALLBACK_STEP = LOG_ACTION[CALLBACK_ATTEMPT]  # the log word of a callback attempt


def day_text(value: int) -> str:
    """figure_state keeps numbers: a day as YYYYMMDD."""
    text = f"{value:08d}"
    return f"{text[:4]}-{text[4:6]}-{text[6:]}"


def day_number(day: str) -> int:
    return int(day.replace("-", ""))


def _local(moment: datetime | None) -> tuple[str | None, str | None]:
    if moment is None:
        return None, None
    local = moment.astimezone(AMSTERDAM)
    year, week, _ = local.isocalendar()
    return local.date().isoformat(), f"{year}-W{week:02d}"


def _seconds(begin: datetime | None, end: datetime | None) -> float | None:
    if begin is None or end is None:
        return None
    return max(0.0, (end - begin).total_seconds())


def contact_columns(data: dict[str, Any]) -> tuple[Any, ...]:
    """CONTACT_FIGURE_COLUMNS of a stored contact. Talk and wrap-up only where the console
    recorded when wrap-up began; satisfaction only where asked (1..5)."""
    started = from_iso(data.get("started_at"))
    ended = from_iso(data.get("ended_at"))
    wrapup = from_iso(data.get("wrapup_started_at"))
    day, week = _local(started)
    talk = wrap = None
    if wrapup is not None and ended is not None:
        talk, wrap = _seconds(started, wrapup), _seconds(wrapup, ended)
    score = data.get("satisfaction")
    satisfaction = score if isinstance(score, int) and 1 <= score <= 5 else None
    return (data.get("ended_at"), _seconds(started, ended), day, week, talk, wrap, satisfaction)


def question_rows(contact_id: str, data: dict[str, Any]) -> list[tuple[Any, ...]]:
    """QUESTION_COLUMNS per question; none for a discarded contact (in no figure)."""
    if data.get("status") == "discarded":
        return []
    day, _ = _local(from_iso(data.get("started_at")))
    closed = int(data.get("status") == "closed")
    rows = []
    for idx, question in enumerate(data.get("questions") or []):
        products = question.get("products") or []
        product = products[0] if products else None
        rows.append((contact_id, idx, question.get("outcome") or None, product, closed, day))
    return rows


def task_columns(data: dict[str, Any]) -> tuple[Any, ...]:
    """TASK_FIGURE_COLUMNS: done_at is the last step of a done task; the callback norm's
    deadline is CALLBACK_NORM_DAYS working days from the task's creation."""
    steps = data.get("log") or []
    done_at = None
    if data.get("status") == "done":
        done_at = steps[-1].get("at") if steps else None
    created = from_iso(data.get("created_at"))
    day, week = _local(created)
    first_callback = next((s.get("at") for s in steps if s.get("action") == CALLBACK_STEP), None)
    norm = None
    if created is not None:
        due = DEFAULT_CALENDAR.due_at(created, days=CALLBACK_NORM_DAYS)
        norm = due.astimezone(UTC).isoformat(timespec="microseconds")
    resolve = _seconds(created, from_iso(done_at))
    return (
        done_at,
        day,
        week,
        data.get("product") or None,
        _utc_text(first_callback),
        norm,
        resolve,
    )


def _utc_text(value: str | None) -> str | None:
    """A step time as fixed-width UTC text (comparable with due times)."""
    moment = from_iso(value)
    return None if moment is None else moment.astimezone(UTC).isoformat(timespec="microseconds")


def _literals(values: Any) -> str:
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in sorted(values)) + ")"


def _bucket(expr: str, bounds: Sequence[int]) -> str:
    """SQL naming the bucket (lower bound) of `expr`: a CASE ladder, the same on both."""
    steps = " ".join(f"WHEN {expr} < {hi} THEN {lo}" for lo, hi in pairwise(bounds))
    return f"CASE {steps} ELSE {bounds[-1]} END"


_RESOLVED = _literals(RESOLVED_OUTCOMES)
_EXCLUDED = _literals(FCR_EXCLUDED)
_COUNTED = f"q.closed = 1 AND q.outcome IS NOT NULL AND q.outcome NOT IN {_EXCLUDED}"

# The groupings a summary keeps; day and week are read from the "all" rows.
DIMS = ("all", "channel", "agent", "district", "product", "team")
MEASURES = {"handling": "hs", "talk": "ts", "wrapup": "ws"}  # duration: its column below

# Per dimension: (join onto contacts c, group expression).
_CONTACT_DIM = {
    "all": ("", "''"),
    "channel": ("", "c.channel"),
    "agent": ("", "c.agent"),
    "district": ("", f"COALESCE(c.district, '{UNKNOWN_DISTRICT}')"),
    "product": (
        " LEFT JOIN contact_questions p ON p.contact_id = c.id",
        f"COALESCE(p.product, '{NONE}')",
    ),
    "team": (" LEFT JOIN tasks t ON t.contact_id = c.id", f"COALESCE(t.team, '{NONE}')"),
}
_TASK_DIM = {
    "all": "''",
    "team": "k.team",
    "agent": "k.created_by",
    "product": f"COALESCE(k.product, '{NONE}')",
    "channel": f"COALESCE(k.channel, '{NONE}')",
    "district": f"COALESCE(k.district, '{UNKNOWN_DISTRICT}')",
}
_TASK_GROUP = {
    "team": ("", "k.team"),
    "agent": ("", "k.created_by"),
    "day": ("", "k.local_day"),
    "week": ("", "k.local_week"),
    "product": ("", f"COALESCE(k.product, '{NONE}')"),
    "channel": ("", f"COALESCE(k.channel, '{NONE}')"),
    "district": ("", f"COALESCE(k.district, '{UNKNOWN_DISTRICT}')"),
}

# The additive columns of figure_days, by the part that computes them.
CONTACT_SUMS = (
    "contacts",
    "handled",
    "handling_sum",
    "talked",
    "talk_sum",
    "wrapped",
    "wrapup_sum",
    "rated",
    "satisfaction_sum",
)
QUESTION_SUMS = (
    "questions",
    "without_outcome",
    "fcr_counted",
    "fcr_resolved",
    "routed",
    "with_outcome",
)
FCR_CONTACT_SUMS = ("fcr_contacts_counted", "fcr_contacts_resolved")
# callback_missed here: done tasks never called back (the open ones depend on "now").
TASK_SUMS = (
    "tasks",
    "resolved",
    "on_time",
    "late",
    "returned",
    "callback_in_norm",
    "callback_late",
    "callback_missed",
)
DAY_SUMS = CONTACT_SUMS + QUESTION_SUMS + FCR_CONTACT_SUMS + TASK_SUMS


def dim_of(by: str) -> str:
    if by not in GROUPINGS:
        raise ValueError(by)
    return "all" if by in ("day", "week") else by


class Days:
    """Which local days a statement covers: a range, or a list (at most CHUNK days)."""

    def __init__(
        self, first: str | None = None, last: str | None = None, days: Sequence[str] = ()
    ) -> None:
        self.first, self.last, self.days = first, last, sorted(days)

    def sql(self, column: str) -> tuple[str, list[Any]]:
        if self.first is not None and self.last is not None:
            return f"{column} >= ? AND {column} <= ?", [self.first, self.last]
        if not self.days:
            return "1 = 0", []
        if len(self.days) > DAYS_PER_STATEMENT:
            raise ValueError("too many days for one statement")
        return f"{column} IN {sql_in(self.days)}", list(self.days)


def contact_parts(
    dim: str, days: Days, ids: Sequence[str] = ()
) -> list[tuple[str, str, list[Any]]]:
    """(part, SQL, params) of the contact figures over `days`, one row per (day, week,
    group): the statements a day summary is built from and a report runs over open days;
    with `ids`, only those contacts' share (what a write adds to the live day).
    Parts: `contacts` (CONTACT_SUMS), `questions` (QUESTION_SUMS and FCR_CONTACT_SUMS)
    and `hist` (measure, bucket, n)."""
    join, g = _CONTACT_DIM[dim]
    cond, params = _only(days.sql(_day_column("c", ids)), "c.id", ids)
    distinct = "DISTINCT " if join else ""
    inner = (
        f"SELECT {distinct}c.local_day AS day, c.local_week AS week, {g} AS grp, c.id,"
        " c.status AS st, c.handling_seconds AS hs, c.talk_seconds AS ts,"
        " c.wrapup_seconds AS ws, c.satisfaction AS sat"
        f" FROM contacts c{join} WHERE {cond} AND c.status <> 'discarded'"
    )
    closed = "st = 'closed'"
    contacts = (
        "SELECT day, week, grp, COUNT(*) AS contacts,"
        f" SUM(CASE WHEN {closed} AND hs IS NOT NULL THEN 1 ELSE 0 END) AS handled,"
        f" SUM(CASE WHEN {closed} THEN hs END) AS handling_sum,"
        f" SUM(CASE WHEN {closed} AND ts IS NOT NULL THEN 1 ELSE 0 END) AS talked,"
        f" SUM(CASE WHEN {closed} THEN ts END) AS talk_sum,"
        f" SUM(CASE WHEN {closed} AND ws IS NOT NULL THEN 1 ELSE 0 END) AS wrapped,"
        f" SUM(CASE WHEN {closed} THEN ws END) AS wrapup_sum,"
        " SUM(CASE WHEN sat IS NOT NULL THEN 1 ELSE 0 END) AS rated,"
        " SUM(sat) AS satisfaction_sum"
        f" FROM ({inner}) x GROUP BY day, week, grp"
    )
    hist = " UNION ALL ".join(
        f"SELECT day, week, grp, '{measure}' AS measure, {_bucket(col, DURATION_BUCKETS)}"
        f" AS bucket, COUNT(*) AS n FROM ({inner}) x WHERE {closed} AND {col} IS NOT NULL"
        " GROUP BY day, week, grp, bucket"
        for measure, col in MEASURES.items()
    )
    # Questions: one row per question and group (a contact routed twice to one team
    # still counts its questions once there).
    if dim == "product":
        qjoin, qg = "", f"COALESCE(q.product, '{NONE}')"
    elif dim == "all":
        qjoin, qg = "", "''"
    else:
        qjoin, qg = " JOIN contacts c ON c.id = q.contact_id" + join, g
    qcond, qparams = _only(days.sql(_day_column("q", ids)), "q.contact_id", ids)
    qinner = (
        f"SELECT {'DISTINCT ' if join and dim != 'product' else ''}q.local_day AS day,"
        f" {qg} AS grp, q.contact_id, q.idx, q.outcome, q.closed"
        f" FROM contact_questions q{qjoin} WHERE {qcond}"
    )
    counted = _COUNTED.replace("q.", "")
    # One pass: per contact first (its counted and resolved questions, for FCR per
    # contact), then per group.
    per_contact = (
        "SELECT day, grp, contact_id, COUNT(*) AS questions,"
        " SUM(CASE WHEN outcome IS NULL THEN 1 ELSE 0 END) AS without_outcome,"
        f" SUM(CASE WHEN {counted} THEN 1 ELSE 0 END) AS counted,"
        f" SUM(CASE WHEN {counted} AND outcome IN {_RESOLVED} THEN 1 ELSE 0 END) AS resolved,"
        f" SUM(CASE WHEN outcome = '{OUTCOME_ROUTED}' THEN 1 ELSE 0 END) AS routed,"
        " SUM(CASE WHEN outcome IS NOT NULL THEN 1 ELSE 0 END) AS with_outcome"
        f" FROM ({qinner}) y GROUP BY day, grp, contact_id"
    )
    questions = (
        "SELECT day, grp, SUM(questions) AS questions, SUM(without_outcome) AS without_outcome,"
        " SUM(counted) AS fcr_counted, SUM(resolved) AS fcr_resolved, SUM(routed) AS routed,"
        " SUM(with_outcome) AS with_outcome,"
        " SUM(CASE WHEN counted > 0 THEN 1 ELSE 0 END) AS fcr_contacts_counted,"
        " SUM(CASE WHEN counted > 0 AND resolved = counted THEN 1 ELSE 0 END)"
        f" AS fcr_contacts_resolved FROM ({per_contact}) z GROUP BY day, grp"
    )
    return [
        ("contacts", contacts, params),
        ("questions", questions, qparams),
        ("hist", hist, params * len(MEASURES)),
    ]


def _day_column(alias: str, ids: Sequence[str]) -> str:
    """The day column to filter on; for a few records' share an expression instead, so
    no planner walks the day's index (a whole day) instead of the ids' (SQLite without
    statistics did: 12 ms per push batch, growing with the day)."""
    return f"({alias}.local_day || '')" if ids else f"{alias}.local_day"


def _only(found: tuple[str, list[Any]], column: str, ids: Sequence[str]) -> tuple[str, list[Any]]:
    """A day condition narrowed to the rows of `ids` (none: unchanged)."""
    cond, params = found
    if not ids:
        return cond, params
    return f"{cond} AND {column} IN {sql_in(ids)}", [*params, *ids]


def _key(by: str) -> str:
    return {"day": "local_day", "week": "local_week"}.get(by, "grp")


def month_end(month: str) -> str:
    year, mon = int(month[:4]), int(month[5:7])
    return f"{month}-{monthrange(year, mon)[1]:02d}"


def _next_month(month: str) -> str:
    year, mon = int(month[:4]), int(month[5:7])
    return f"{year + mon // 12:04d}-{mon % 12 + 1:02d}"


def split_months(
    first: str, last: str, open_days: Sequence[str]
) -> tuple[list[str], list[tuple[str, str]]]:
    """(whole months of first..last with no open day, the other day ranges): the first
    are read from the month histograms, the rest from the day histograms."""
    months: list[str] = []
    ranges: list[tuple[str, str]] = []
    opened = {d[:7] for d in open_days if first <= d <= last}
    month = first[:7]
    while month <= last[:7]:
        lo, hi = max(first, f"{month}-01"), min(last, month_end(month))
        if lo == f"{month}-01" and hi == month_end(month) and month not in opened:
            months.append(month)
        elif ranges and ranges[-1][1] >= _prev_day(lo):
            ranges[-1] = (ranges[-1][0], hi)
        else:
            ranges.append((lo, hi))
        month = _next_month(month)
    return months, ranges


def _prev_day(day: str) -> str:
    return (date.fromisoformat(day) - timedelta(days=1)).isoformat()


def summary_parts(
    by: str, first: str, last: str, open_days: Sequence[str], live: str | None = None
) -> list[tuple[str, str, list[Any]]]:
    """(part, SQL, params) reading the day summaries of `by` over first..last, minus the
    open days (those come from `contact_parts`): `summary` (DAY_SUMS), and the duration
    histograms: whole months from `figure_hist_month` (`summary_hist_month`; not for the
    day and week groupings, nor the month of the `live` day, whose summary changes with
    every write), the other days from `figure_hist` (`summary_hist`)."""
    key, dim = _key(by), dim_of(by)
    skip = [d for d in open_days if first <= d <= last]
    cond = "dim = ? AND local_day >= ? AND local_day <= ?"
    if skip:
        cond += f" AND local_day NOT IN {sql_in(skip)}"
    params = [dim, first, last, *skip]
    sums = ", ".join(f"SUM({c}) AS {c}" for c in DAY_SUMS)
    parts = [
        ("summary", f"SELECT {key} AS grp, {sums} FROM figure_days WHERE {cond} GROUP BY {key}",
         params),
    ]  # fmt: skip
    months, ranges = split_months(first, last, [*open_days, *([live] if live else [])])
    if key != "grp":
        months, ranges = [], [(first, last)]
    if months:
        parts.append(
            (
                "summary_hist_month",
                "SELECT grp, measure, bucket, SUM(n) AS n FROM figure_hist_month"
                f" WHERE dim = ? AND month IN {sql_in(months)} GROUP BY grp, measure, bucket",
                [dim, *months],
            )
        )
    for lo, hi in ranges:
        inside = [d for d in skip if lo <= d <= hi]
        day_cond = "dim = ? AND local_day >= ? AND local_day <= ?"
        if inside:
            day_cond += f" AND local_day NOT IN {sql_in(inside)}"
        parts.append(
            (
                "summary_hist",
                f"SELECT {key} AS grp, measure, bucket, SUM(n) AS n FROM figure_hist"
                f" WHERE {day_cond} GROUP BY {key}, measure, bucket",
                [dim, lo, hi, *inside],
            )
        )
    return parts


def task_sum_parts(
    dim: str, days: Days, ids: Sequence[str] = ()
) -> list[tuple[str, str, list[Any]]]:
    """(part, SQL, params) of the task figures that no longer change with "now", one row
    per (day, week, group): `task_sums` (TASK_SUMS) and `resolve_hist` (time to resolve
    of the done tasks, bucketed). Built into the day summaries like the contact parts;
    with `ids`, only those tasks' share."""
    g = _TASK_DIM[dim]
    cond, params = _only(days.sql(_day_column("k", ids)), "k.id", ids)
    sums = (
        f"SELECT k.local_day AS day, k.local_week AS week, {g} AS grp, COUNT(*) AS tasks,"
        " SUM(CASE WHEN k.status = 'done' THEN 1 ELSE 0 END) AS resolved,"
        " SUM(CASE WHEN k.status = 'done' AND (k.due_at IS NULL OR k.done_at <= k.due_at)"
        " THEN 1 ELSE 0 END) AS on_time,"
        " SUM(CASE WHEN k.status = 'done' AND k.done_at > k.due_at THEN 1 ELSE 0 END)"
        " AS late,"
        " SUM(CASE WHEN k.status = 'returned' THEN 1 ELSE 0 END) AS returned,"
        " SUM(CASE WHEN k.first_callback_at <= k.callback_due_at THEN 1 ELSE 0 END)"
        " AS callback_in_norm,"
        " SUM(CASE WHEN k.first_callback_at > k.callback_due_at THEN 1 ELSE 0 END)"
        " AS callback_late,"
        " SUM(CASE WHEN k.first_callback_at IS NULL AND k.status = 'done' THEN 1 ELSE 0 END)"
        f" AS callback_missed FROM tasks k WHERE {cond} GROUP BY k.local_day, k.local_week, grp"
    )
    bucket = _bucket("k.resolve_seconds", RESOLVE_BUCKETS)
    hist = (
        f"SELECT k.local_day AS day, k.local_week AS week, {g} AS grp, 'resolve' AS measure,"
        f" {bucket} AS bucket, COUNT(*) AS n FROM tasks k WHERE {cond}"
        " AND k.status = 'done' AND k.resolve_seconds IS NOT NULL"
        " GROUP BY k.local_day, k.local_week, grp, bucket"
    )
    return [("task_sums", sums, params), ("resolve_hist", hist, params)]


def task_stock_part(by: str, first: str, last: str, now: str) -> tuple[str, str, list[Any]]:
    """(part, SQL, params) of what depends on "now": the tasks of the period not done yet,
    overdue or in time, and those of them never called back past the norm's deadline."""
    _, g = _TASK_GROUP[by]
    sql = (
        f"SELECT {g} AS grp,"
        " SUM(CASE WHEN k.due_at < ? THEN 1 ELSE 0 END) AS open_overdue,"
        " SUM(CASE WHEN k.due_at IS NULL OR k.due_at >= ? THEN 1 ELSE 0 END) AS open_in_time,"
        " SUM(CASE WHEN k.first_callback_at IS NULL AND k.callback_due_at < ? THEN 1 ELSE 0"
        " END) AS callback_missed FROM tasks k"
        " WHERE k.local_day >= ? AND k.local_day <= ? AND k.status <> 'done' GROUP BY grp"
    )
    return ("task_stock", sql, [now, now, now, first, last])


def hourly_part(days: Sequence[str]) -> tuple[str, str, list[Any]]:
    """(part, SQL, params): the `contacts` figure of each day per UTC hour it started in
    (`started_at` is fixed-width UTC text, so its first 13 characters name the hour; the
    caller turns each into the local hour, exact across a DST change)."""
    sql = (
        "SELECT local_day AS day, substr(started_at, 1, 13) AS hour, COUNT(*) AS n"
        f" FROM contacts WHERE local_day IN {sql_in(days)} AND status <> 'discarded'"
        " GROUP BY local_day, substr(started_at, 1, 13)"
    )
    return ("hourly", sql, list(days))


def fcr_days_part(
    first: str, last: str, open_days: Sequence[str]
) -> list[tuple[str, str, list[Any]]]:
    """(part, SQL, params): FCR per question's counts per day and channel over first..last,
    from the day summaries and, for the open days, from the rows (`contact_parts`)."""
    skip = [d for d in open_days if first <= d <= last]
    cond = "dim = 'channel' AND local_day >= ? AND local_day <= ?"
    if skip:
        cond += f" AND local_day NOT IN {sql_in(skip)}"
    parts = [
        (
            "summary",
            "SELECT local_day AS day, grp, SUM(fcr_counted) AS fcr_counted,"
            f" SUM(fcr_resolved) AS fcr_resolved FROM figure_days WHERE {cond}"
            " GROUP BY local_day, grp",
            [first, last, *skip],
        )
    ]
    for at in range(0, len(skip), DAYS_PER_STATEMENT):
        days = Days(days=skip[at : at + DAYS_PER_STATEMENT])
        _, sql, params = contact_parts("channel", days)[1]
        parts.append(("open_questions", sql, params))
    return parts


def queue_part(
    first: str, last: str, thresholds: dict[str, float], default: float, per_day: bool = False
) -> tuple[str, str, list[Any]]:
    """(part, SQL, params) of the phone queues over the period, per queue (and day, with
    `per_day`): answered, abandoned, answered within the queue's threshold, abandoned after
    it, and the sum of the answered waits (`loket.domain.queues` defines the figures)."""
    names = sorted(thresholds)
    whens = " ".join("WHEN ? THEN ?" for _ in names)
    limit = f"CASE queue {whens} ELSE ? END" if names else "?"
    limits = [v for q in names for v in (q, thresholds[q])] + [default]
    day = "local_day AS day, " if per_day else ""
    sql = (
        f"SELECT {day}queue AS grp,"
        " SUM(CASE WHEN outcome = 'answered' THEN 1 ELSE 0 END) AS answered,"
        " SUM(CASE WHEN outcome = 'abandoned' THEN 1 ELSE 0 END) AS abandoned,"
        f" SUM(CASE WHEN outcome = 'answered' AND wait_seconds <= {limit} THEN 1 ELSE 0 END)"
        " AS answered_in_target,"
        f" SUM(CASE WHEN outcome = 'abandoned' AND wait_seconds > {limit} THEN 1 ELSE 0 END)"
        " AS abandoned_late,"
        " SUM(CASE WHEN outcome = 'answered' THEN wait_seconds END) AS answer_sum"
        " FROM call_waits WHERE local_day >= ? AND local_day <= ?"
        " AND outcome IN ('answered', 'abandoned') GROUP BY "
        + ("local_day, queue" if per_day else "queue")
    )
    return ("queues", sql, [*limits, *limits, first, last])


class FigureReads(Sql):
    """The report's aggregates: day summaries, open days, task rows."""

    def figure_part(self, sql: str, params: Sequence[Any]) -> list[Row]:
        return self.run(sql, params)

    def count_floor(self, table: str, first: str, last: str) -> int:
        """Bare count over the same rows: the benchmark's floor."""
        if table not in {"contacts", "tasks", "figure_days"}:
            raise ValueError(table)
        sql = f"SELECT count(*) AS n FROM {table} WHERE local_day >= ? AND local_day <= ?"
        row = self._one(sql, (first, last))
        return int(row["n"]) if row else 0

    def stored_live_day(self) -> str | None:
        """The day whose summary writes keep current (`live_figures`), if any."""
        row = self._one("SELECT value FROM figure_state WHERE name = 'live_day'")
        return day_text(int(row["value"])) if row else None

    def figure_state(self) -> tuple[int | None, set[str]]:
        """(change seq the summaries were built up to, or None if never; open days)."""
        built: int | None = None
        pending: set[str] = set()
        for row in self.run("SELECT name, value FROM figure_state"):
            if row["name"] == "built_seq":
                built = int(row["value"])
            elif row["name"].startswith("open:"):
                pending.add(row["name"][5:])
        return built, pending

    def changed_days(self, since: int, upto: int) -> set[str]:
        """Local days of the contacts changed in (since, upto], and of the tasks changed
        then and of their contacts."""
        rows = self.run(
            "SELECT DISTINCT c.local_day AS day FROM changes ch JOIN contacts c"
            " ON c.id = ch.entity_id WHERE ch.seq > ? AND ch.seq <= ? AND ch.entity = 'contact'"
            " AND c.local_day IS NOT NULL UNION SELECT DISTINCT c.local_day AS day"
            " FROM changes ch JOIN tasks k ON k.id = ch.entity_id JOIN contacts c"
            " ON c.id = k.contact_id WHERE ch.seq > ? AND ch.seq <= ? AND ch.entity = 'task'"
            " AND c.local_day IS NOT NULL UNION SELECT DISTINCT k.local_day AS day"
            " FROM changes ch JOIN tasks k ON k.id = ch.entity_id WHERE ch.seq > ?"
            " AND ch.seq <= ? AND ch.entity = 'task' AND k.local_day IS NOT NULL",
            (since, upto, since, upto, since, upto),
        )
        return {row["day"] for row in rows}

    def outcome_counts(self, day: str) -> dict[str, int]:
        """Questions of the day's contacts per outcome ("" for none yet)."""
        rows = self.run(
            "SELECT COALESCE(outcome, '') AS outcome, COUNT(*) AS n FROM contact_questions"
            " WHERE local_day = ? GROUP BY COALESCE(outcome, '')",
            (day,),
        )
        return {row["outcome"]: int(row["n"]) for row in rows}

    def team_stock(self, now: str, amber: str) -> list[Row]:
        """Per team, the tasks not done as they stand at `now` (`loket.domain.kpi.TeamQueue`):
        open or forwarded, claimed, overdue (due at or before now) and amber (due before
        `amber`) among those two, and returned."""
        return self.run(
            "SELECT team,"
            " SUM(CASE WHEN status IN ('open', 'forwarded') THEN 1 ELSE 0 END) AS open,"
            " SUM(CASE WHEN status = 'claimed' THEN 1 ELSE 0 END) AS claimed,"
            " SUM(CASE WHEN status <> 'returned' AND due_at <= ? THEN 1 ELSE 0 END) AS overdue,"
            " SUM(CASE WHEN status <> 'returned' AND due_at > ? AND due_at < ? THEN 1 ELSE 0"
            " END) AS at_risk,"
            " SUM(CASE WHEN status = 'returned' THEN 1 ELSE 0 END) AS returned"
            " FROM tasks WHERE status <> 'done' GROUP BY team",
            (now, now, amber),
        )

    def months_until(self, last: str) -> list[str]:
        """The months (YYYY-MM) with a contact or task on a day up to `last`."""
        rows = self.run(
            "SELECT DISTINCT substr(local_day, 1, 7) AS m FROM contacts WHERE local_day <= ?"
            " UNION SELECT DISTINCT substr(local_day, 1, 7) AS m FROM tasks"
            " WHERE local_day <= ?",
            (last, last),
        )
        return sorted(row["m"] for row in rows)

    def days_from(self, first: str) -> set[str]:
        rows = self.run(
            "SELECT DISTINCT local_day AS day FROM contacts WHERE local_day >= ?"
            " UNION SELECT DISTINCT local_day AS day FROM tasks WHERE local_day >= ?",
            (first, first),
        )
        return {row["day"] for row in rows}


class FigureWrites(FigureReads):
    live_locks: LiveLocks  # set up by `LiveFigures.live_init`
    _live: tuple[str | None] | None

    def make_live(self, day: str) -> None:
        """Make `day` the live day (kept current on write): its summary built from its
        rows, alone against every writer (`LiveLocks.exclusive`), so no push is half in
        it. The month of the day that was live gets its histograms (they were not read
        while it was live)."""
        self.live_locks.exclusive()
        self.lock_figures()
        row = self._one("SELECT value FROM figure_state WHERE name = 'live_day'")
        before = day_text(int(row["value"])) if row else None
        self.build_days(Days(days=[day]))
        self.run(
            "INSERT INTO figure_state (name, value) VALUES ('live_day', ?) ON CONFLICT (name)"
            " DO UPDATE SET value = excluded.value",
            (day_number(day),),
        )
        self.run("DELETE FROM figure_state WHERE name = ?", (f"open:{day}",))  # built now
        self._live = (day,)
        if before is not None and before != day:
            self.build_months(Days(days=[before]))

    def lock_figures(self) -> None:
        """Serialise summary builds (PostgreSQL: a row lock; SQLite writes are serial)."""
        self.run(
            "INSERT INTO figure_state (name, value) VALUES ('lock', 0) ON CONFLICT (name)"
            " DO UPDATE SET value = figure_state.value + 1"
        )

    def build_days(self, days: Days) -> None:
        """Replace the summaries of `days` with sums over their rows, every dimension."""
        cond, params = days.sql("local_day")
        self.run(f"DELETE FROM figure_days WHERE {cond}", params)
        self.run(f"DELETE FROM figure_hist WHERE {cond}", params)
        for dim in DIMS:
            parts = {name: (sql, p) for name, sql, p in contact_parts(dim, days)}
            sql, p = parts["contacts"]
            sums = ", ".join(CONTACT_SUMS)
            self.run(
                f"INSERT INTO figure_days (dim, local_day, local_week, grp, {sums})"
                f" SELECT '{dim}', day, week, grp, {sums} FROM ({sql}) s",
                p,
            )
            sql, p = parts["questions"]
            columns = QUESTION_SUMS + FCR_CONTACT_SUMS
            updates = ", ".join(f"{c} = excluded.{c}" for c in columns)
            self.run(
                f"INSERT INTO figure_days (dim, local_day, grp, {', '.join(columns)})"
                f" SELECT '{dim}', day, grp, {', '.join(columns)} FROM ({sql}) s WHERE 1 = 1"
                f" ON CONFLICT (dim, local_day, grp) DO UPDATE SET {updates}",
                p,
            )
            tasks = {name: (sql, p) for name, sql, p in task_sum_parts(dim, days)}
            sql, p = tasks["task_sums"]
            task_sums = ", ".join(TASK_SUMS)
            updates = ", ".join(f"{c} = excluded.{c}" for c in TASK_SUMS)
            self.run(
                f"INSERT INTO figure_days (dim, local_day, local_week, grp, {task_sums})"
                f" SELECT '{dim}', day, week, grp, {task_sums} FROM ({sql}) s WHERE 1 = 1"
                f" ON CONFLICT (dim, local_day, grp) DO UPDATE SET {updates},"
                " local_week = COALESCE(figure_days.local_week, excluded.local_week)",
                p,
            )
            for sql, p in (parts["hist"], tasks["resolve_hist"]):
                self.run(
                    "INSERT INTO figure_hist (dim, local_day, local_week, grp, measure, bucket,"
                    f" n) SELECT '{dim}', day, week, grp, measure, bucket, n FROM ({sql}) s",
                    p,
                )

    def build_months(self, days: Days) -> None:
        """Replace the month histograms of the months `days` fall in with the sums of
        their day histograms."""
        if days.first is not None and days.last is not None:
            spans = [(days.first[:7], days.last[:7])]
        else:
            spans = [(m, m) for m in sorted({d[:7] for d in days.days})]
        for lo, hi in spans:
            self.run("DELETE FROM figure_hist_month WHERE month >= ? AND month <= ?", (lo, hi))
            self.run(
                "INSERT INTO figure_hist_month (dim, month, grp, measure, bucket, n)"
                " SELECT dim, substr(local_day, 1, 7), grp, measure, bucket, SUM(n)"
                " FROM figure_hist WHERE local_day >= ? AND local_day <= ?"
                " GROUP BY dim, substr(local_day, 1, 7), grp, measure, bucket",
                (f"{lo}-01", month_end(hi)),
            )

    def set_figure_state(self, built: int, pending: set[str]) -> None:
        self.run("DELETE FROM figure_state WHERE name NOT IN ('lock', 'live_day')")
        self.run("INSERT INTO figure_state (name, value) VALUES ('built_seq', ?)", (built,))
        for day in sorted(pending):
            self.run("INSERT INTO figure_state (name, value) VALUES (?, 0)", (f"open:{day}",))
