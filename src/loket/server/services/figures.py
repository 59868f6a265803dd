"""The supervisor's and management's figures: `/stats` (one day) and `/report` (a period),
both from the report's SQL (`loket.server.storage.figures`, docs/metrics.md)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from loket.domain.kpi import TeamQueue, histogram_percentile
from loket.domain.models import to_iso
from loket.domain.queues import DEFAULT_SL_SECONDS, DEFAULT_SL_TARGET, QueueDef
from loket.domain.sla import AMSTERDAM, DEFAULT_CALENDAR
from loket.server import policy
from loket.server.auth import User
from loket.server.services.common import Context
from loket.server.storage import figures
from loket.server.storage.base import Row, db_time


class FigureService:
    def __init__(self, ctx: Context, queues: Mapping[str, QueueDef] | None = None) -> None:
        self.ctx = ctx
        self.queues = dict(queues or {})

    def stats(self, user: User, day: date | None) -> dict[str, Any]:
        """One day's figures (the `loket.domain.kpi.Report` shape) from the report's SQL,
        and the task queues as they stand now (`loket.domain.kpi.team_queues`)."""
        policy.require_figures(user)
        moment = self.ctx.clock()
        now = db_time(moment)
        day = day or moment.astimezone(AMSTERDAM).date()
        open_days = self.refresh(moment.astimezone(AMSTERDAM).date())
        d = day.isoformat()
        # Every contact has one channel: the day's totals are the channel groups summed.
        rows = self._rows("channel", d, d, now, open_days, DAY_FIGURES)
        groups = {
            "day": merge_report("channel", rows, one_group=d),
            "channel": merge_report("channel", rows),
            "district": self._groups("district", d, d, now, open_days, COUNTS_ONLY),
        }
        with self.ctx.storage.read() as r:
            outcomes = r.outcome_counts(day.isoformat())
        queues = [asdict(q) for q in self.team_stock(moment)]
        total = groups["day"][0] if groups["day"] else _group(figures.NONE, {}, {})
        return {
            "day": day.isoformat(),
            "contacts": total["contacts"],
            "questions": total["questions"],
            "fcr": total["fcr_questions"],
            "fcr_resolved": total["fcr_resolved"],
            "fcr_counted": total["fcr_counted"],
            "handling": {
                "count": total["handled"],
                "mean_seconds": total["mean_seconds"],
                "p90_seconds": total["p90_seconds"],
            },
            "per_channel": _ranked({g["group"]: g["contacts"] for g in groups["channel"]}),
            "per_district": _ranked({g["group"]: g["contacts"] for g in groups["district"]}),
            "per_outcome": _ranked(outcomes),
            "queues": queues,
            "generated_at": to_iso(moment),
        }

    def report(self, user: User, first: date, last: date, by: str) -> dict[str, Any]:
        """Management figures over local days first..last, one row per group (SQL
        aggregates: `loket.server.storage.figures`, definitions in docs/metrics.md)."""
        policy.require_figures(user)
        moment = self.ctx.clock()
        now = db_time(moment)
        open_days = self.refresh(moment.astimezone(AMSTERDAM).date())
        return {
            "from": first.isoformat(),
            "to": last.isoformat(),
            "by": by,
            "groups": self._groups(by, first.isoformat(), last.isoformat(), now, open_days),
            "queues": self._queues(first.isoformat(), last.isoformat()),
            "generated_at": now,
        }

    def _queues(self, first: str, last: str) -> list[dict[str, Any]]:
        """Service level and abandonment per phone queue over the period, from the waits
        of the calls (definitions: `loket.domain.queues`)."""
        phone = {q.id: q for q in self.queues.values() if q.kind == "phone"}
        default = DEFAULT_SL_SECONDS["phone"]
        _, sql, params = figures.queue_part(
            first, last, {q.id: q.sl_seconds for q in phone.values()}, default
        )
        with self.ctx.storage.read() as r:
            rows = {row["grp"]: row for row in r.figure_part(sql, params)}
        return [
            self._queue_figures(name, rows.get(name) or {})
            for name in sorted(set(phone) | set(rows))
        ]

    def _queue_figures(self, name: str, row: Row) -> dict[str, Any]:
        """One queue's figures from its summed waits (`loket.domain.queues`)."""
        queue = self.queues.get(name)
        queue = queue if queue is not None and queue.kind == "phone" else None
        answered, abandoned = int(row.get("answered") or 0), int(row.get("abandoned") or 0)
        in_target = int(row.get("answered_in_target") or 0)
        counted = answered + int(row.get("abandoned_late") or 0)
        return {
            "queue": name,
            "name": queue.name if queue else name,
            "answered": answered,
            "abandoned": abandoned,
            "answered_in_target": in_target,
            "service_level": _share(in_target, counted),
            "abandon_rate": _share(abandoned, answered + abandoned),
            "asa": _share(float(row.get("answer_sum") or 0.0), answered),
            "sl_seconds": queue.sl_seconds if queue else DEFAULT_SL_SECONDS["phone"],
            "sl_target": queue.sl_target if queue else DEFAULT_SL_TARGET,
        }

    def charts(self, user: User, day: date | None) -> dict[str, Any]:
        """The report screen's and `loket report --chart`'s series, for `day` (default
        today): contacts per local hour against the mean of the same weekday in the 4
        weeks before, FCR per question per channel per ISO week over 12 weeks, and the
        service level per phone queue per day over 14 days; the report's definitions."""
        policy.require_figures(user)
        moment = self.ctx.clock()
        today = moment.astimezone(AMSTERDAM).date()
        day = day or today
        open_days = self.refresh(today)
        return {
            "day": day.isoformat(),
            "hourly": self._hourly(day),
            "fcr_weekly": self._fcr_weekly(day, open_days),
            "service_level": self._service_level_days(day),
            "generated_at": to_iso(moment),
        }

    def _hourly(self, day: date) -> dict[str, Any]:
        earlier = [day - timedelta(weeks=w) for w in range(1, CHART_WEEKDAYS + 1)]
        _, sql, params = figures.hourly_part([d.isoformat() for d in (day, *earlier)])
        with self.ctx.storage.read() as r:
            rows = r.figure_part(sql, params)
        today, before = [0] * 24, [0] * 24
        for row in rows:
            utc = datetime.fromisoformat(f"{row['hour']}:00:00+00:00")
            hour = utc.astimezone(AMSTERDAM).hour
            (today if row["day"] == day.isoformat() else before)[hour] += int(row["n"])
        return {
            "today": today,
            "average": [round(n / CHART_WEEKDAYS, 2) for n in before],
            "weeks": CHART_WEEKDAYS,
        }

    def _fcr_weekly(self, day: date, open_days: list[str]) -> dict[str, Any]:
        monday = day - timedelta(days=day.weekday())
        first = monday - timedelta(weeks=CHART_WEEKS - 1)
        weeks = [_week((first + timedelta(weeks=w)).isoformat()) for w in range(CHART_WEEKS)]
        counts: dict[tuple[str, str], list[int]] = {}
        with self.ctx.storage.read() as r:
            for _, sql, params in figures.fcr_days_part(
                first.isoformat(), day.isoformat(), open_days
            ):
                for row in r.figure_part(sql, params):
                    found = counts.setdefault((row["grp"], _week(row["day"])), [0, 0])
                    found[0] += int(row["fcr_resolved"] or 0)
                    found[1] += int(row["fcr_counted"] or 0)
        channels = sorted({channel for channel, _ in counts})
        return {
            "weeks": weeks,
            "channels": {c: [_share(*counts.get((c, w), [0, 0])) for w in weeks] for c in channels},
        }

    def _service_level_days(self, day: date) -> dict[str, Any]:
        days = [(day - timedelta(days=n)).isoformat() for n in range(CHART_DAYS - 1, -1, -1)]
        phone = {q.id: q for q in self.queues.values() if q.kind == "phone"}
        _, sql, params = figures.queue_part(
            days[0],
            days[-1],
            {q.id: q.sl_seconds for q in phone.values()},
            DEFAULT_SL_SECONDS["phone"],
            per_day=True,
        )
        with self.ctx.storage.read() as r:
            rows = {(row["grp"], row["day"]): row for row in r.figure_part(sql, params)}
        names = sorted(set(phone) | {name for name, _ in rows})
        queues = {}
        for name in names:
            per_day = [self._queue_figures(name, rows.get((name, d)) or {}) for d in days]
            queues[name] = {
                "name": per_day[0]["name"],
                "target": per_day[0]["sl_target"],
                "levels": [f["service_level"] for f in per_day],
            }
        return {"days": days, "queues": queues}

    def team_stock(self, moment: datetime, amber_hours: float = 8) -> list[TeamQueue]:
        """`loket.domain.kpi.team_queues` at `moment` as one aggregate over the tasks not
        done: the same counts and order, the amber line computed once."""
        # As `to_iso` writes due_at (no fraction when whole seconds), so text order is
        # time order even for a due time equal to the line.
        now = moment.astimezone(UTC).isoformat()
        amber = DEFAULT_CALENDAR.amber_point(moment, amber_hours).astimezone(UTC).isoformat()
        with self.ctx.storage.read() as r:
            rows = r.team_stock(now, amber) if amber_hours > 0 else r.team_stock(now, now)
        found = [
            TeamQueue(
                row["team"],
                open=int(row["open"] or 0),
                claimed=int(row["claimed"] or 0),
                overdue=int(row["overdue"] or 0),
                at_risk=int(row["at_risk"] or 0),
                returned=int(row["returned"] or 0),
            )
            for row in rows
        ]
        return sorted(found, key=lambda q: (-q.overdue, -q.active, q.team))

    def today(self, user: User, groupings: tuple[str, ...]) -> tuple[date, dict[str, Any]]:
        """Today's (Amsterdam) contacts, question FCR and mean handling time per grouping:
        the supervisor's live figures, from the report's statements minus those of
        percentiles and tasks."""
        policy.require_figures(user)
        moment = self.ctx.clock()
        day = moment.astimezone(AMSTERDAM).date()
        open_days = self.refresh(day)
        d, now = day.isoformat(), db_time(moment)
        found = {}
        for by in groupings:
            if by == "day":  # every contact has one channel: the day is the channels' sum
                rows = self._rows("channel", d, d, now, open_days, FCR_AND_HANDLING)
                found[by] = merge_report("channel", rows, one_group=d)
            else:
                found[by] = self._groups(by, d, d, now, open_days, FCR_AND_HANDLING)
        return day, found

    def _groups(
        self,
        by: str,
        first: str,
        last: str,
        now: str,
        open_days: list[str],
        want: frozenset[str] | None = None,
    ) -> list[dict[str, Any]]:
        """The groups of one report; `want`: only these parts (by name, open_ dropped)."""
        return merge_report(by, self._rows(by, first, last, now, open_days, want))

    def _rows(
        self,
        by: str,
        first: str,
        last: str,
        now: str,
        open_days: list[str],
        want: frozenset[str] | None = None,
    ) -> list[tuple[str, list[Row]]]:
        # The live day is the refresh's today: the day of `now` (the same moment).
        live = datetime.fromisoformat(now).astimezone(AMSTERDAM).date().isoformat()
        parts = report_parts(by, first, last, now, open_days, live)
        if want is not None:
            parts = [p for p in parts if p[0].removeprefix("open_") in want]
        with self.ctx.storage.read() as r:
            return [(name, r.figure_part(sql, params)) for name, sql, params in parts]

    def refresh(self, today: date) -> list[str]:
        """Bring the day summaries up to date for every day before `today`, and make
        `today` the live day (its summary kept current by every write,
        `loket.server.storage.live_figures`); returns the days a report must read from
        the rows instead (later days, and any changed since the last build while the
        summaries were not rebuilt)."""
        storage = self.ctx.storage
        day = today.isoformat()
        with storage.read() as r:
            built, pending = r.figure_state()
            top = r.max_seq()
            live = r.stored_live_day()
            changed = r.changed_days(built, top) if built is not None and top > built else set()
        if live != day:
            with storage.write() as w:
                w.make_live(day)
        open_days = (changed | pending) - {day}
        if (
            built is not None
            and all(d >= day for d in open_days)
            and top - built <= REBUILD_AFTER_CHANGES
        ):
            return sorted(open_days)
        yesterday = (today - timedelta(days=1)).isoformat()
        if built is None:  # first build: every month up to yesterday, from the rows
            with storage.read() as r:
                months = r.months_until(yesterday)
            steps = [figures.Days(f"{m}-01", min(yesterday, figures.month_end(m))) for m in months]
        else:
            steps = [figures.Days(days=[d]) for d in sorted(d for d in open_days if d < day)]
        # One write transaction per day (per month on the first build), so a push waits
        # for at most one of them; a month's histograms with its last day.
        for i, step in enumerate(steps):
            month = (step.first or step.days[0])[:7]
            with storage.write() as w:
                w.lock_figures()
                w.build_days(step)
                after = steps[i + 1] if i + 1 < len(steps) else None
                if after is None or (after.first or after.days[0])[:7] != month:
                    w.build_months(figures.Days(f"{month}-01", figures.month_end(month)))
        with storage.write() as w:
            w.lock_figures()
            now_built, now_pending = w.figure_state()
            if now_built != built:  # another process finished a build meanwhile: its view
                return sorted({d for d in now_pending if d > day})
            later = w.days_from(day) if built is None else {d for d in open_days if d >= day}
            later = {d for d in later | now_pending if d > day}
            w.set_figure_state(top, later)
        return sorted(later)


# The charts' spans: same weekdays before, ISO weeks of FCR, days of service level.
CHART_WEEKDAYS = 4
CHART_WEEKS = 12
CHART_DAYS = 14

# Subsets of a report's parts for figures that need less than all of it.
COUNTS_ONLY = frozenset({"summary", "contacts"})
DAY_FIGURES = frozenset(
    {"summary", "summary_hist", "summary_hist_month", "contacts", "questions", "hist"}
)
FCR_AND_HANDLING = frozenset({"summary", "contacts", "questions"})

# Open days are read from the rows until some day before today changes, or this many
# changes have come in since the last build (so finding the changed days stays cheap).
REBUILD_AFTER_CHANGES = 2000


def report_parts(
    by: str, first: str, last: str, now: str, open_days: list[str], live: str | None = None
) -> list[tuple[str, str, list[Any]]]:
    """Every statement of one report, (part, SQL, params): the summaries of the built
    days (`live`: the day kept current on write), the open days in the period from the
    rows, and the task figures."""
    parts = figures.summary_parts(by, first, last, open_days, live)
    inside = [d for d in open_days if first <= d <= last]
    for at in range(0, len(inside), figures.DAYS_PER_STATEMENT):
        days = figures.Days(days=inside[at : at + figures.DAYS_PER_STATEMENT])
        parts += [
            (f"open_{name}", sql, params)
            for name, sql, params in figures.contact_parts(figures.dim_of(by), days)
        ]
        parts += [
            (f"open_{name}", sql, params)
            for name, sql, params in figures.task_sum_parts(figures.dim_of(by), days)
        ]
    return [*parts, figures.task_stock_part(by, first, last, now)]


def _ranked(counts: dict[str, int]) -> dict[str, int]:
    """Most first, ties by name (as `loket.domain.kpi`), without empty groups."""
    return dict(sorted(((k, v) for k, v in counts.items() if v), key=lambda kv: (-kv[1], kv[0])))


def _week(day: str) -> str:
    year, week, _ = date.fromisoformat(day).isocalendar()
    return f"{year}-W{week:02d}"


def merge_report(
    by: str, parts: list[tuple[str, list[Row]]], one_group: str | None = None
) -> list[dict[str, Any]]:
    """Sum the parts' rows per group and derive shares, means and percentiles;
    `one_group`: sum every row into that one group instead."""
    sums: dict[str, dict[str, float]] = {}
    hists: dict[tuple[str, str], dict[int, int]] = {}
    for name, rows in parts:
        for row in rows:
            row = dict(row)
            if name.startswith("open_"):
                day = row.pop("day")
                row.pop("week", None)
                if by in ("day", "week"):
                    row["grp"] = day if by == "day" else _week(day)
            key = row.pop("grp") or figures.NONE
            if one_group is not None:
                key = one_group
            if "bucket" in row:
                hist = hists.setdefault((key, row["measure"]), {})
                bucket = int(row["bucket"])
                hist[bucket] = hist.get(bucket, 0) + int(row["n"])
                sums.setdefault(key, {})
                continue
            group = sums.setdefault(key, {})
            for column, value in row.items():
                if value is not None:
                    group[column] = group.get(column, 0) + value
    return [_group(key, sums[key], hists) for key in sorted(sums)]


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
    "talked",
    "wrapped",
    "rated",
    "tasks",
    "resolved",
    "on_time",
    "late",
    "open_overdue",
    "open_in_time",
    "returned",
    "callback_in_norm",
    "callback_late",
    "callback_missed",
)


def _share(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def _group(
    key: str, values: dict[str, float], hists: dict[tuple[str, str], dict[int, int]]
) -> dict[str, Any]:
    out: dict[str, Any] = {"group": key}
    out.update({name: int(values.get(name) or 0) for name in _COUNTS})
    out["fcr_questions"] = _share(out["fcr_resolved"], out["fcr_counted"])
    out["fcr_contacts"] = _share(out["fcr_contacts_resolved"], out["fcr_contacts_counted"])
    out["share_routed"] = _share(out["routed"], out["with_outcome"])
    for prefix, measure, count, total in (
        ("", "handling", "handled", "handling_sum"),
        ("talk_", "talk", "talked", "talk_sum"),
        ("wrapup_", "wrapup", "wrapped", "wrapup_sum"),
    ):
        hist = hists.get((key, measure), {})
        out[f"{prefix}mean_seconds"] = _share(values.get(total) or 0.0, out[count])
        out[f"{prefix}median_seconds"] = histogram_percentile(hist, 50)
        out[f"{prefix}p90_seconds"] = histogram_percentile(hist, 90)
    out["satisfaction_mean"] = _share(values.get("satisfaction_sum") or 0, out["rated"])
    out["sla_on_time"] = _share(out["on_time"], out["on_time"] + out["late"])
    resolve = hists.get((key, "resolve"), {})
    out["resolve_median_seconds"] = histogram_percentile(resolve, 50)
    out["resolve_p90_seconds"] = histogram_percentile(resolve, 90)
    judged = out["callback_in_norm"] + out["callback_late"] + out["callback_missed"]
    out["callback_norm"] = _share(out["callback_in_norm"], judged)
    return out
