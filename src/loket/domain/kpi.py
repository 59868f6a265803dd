"""The figures supervisors and management read: pure functions over contacts and tasks.

Used by the supervisor view, `GET /api/v1/stats` and `loket report`, so all three agree.

Decisions
- First-contact resolution (FCR) counts *questions*, not contacts: a caller with two
  questions, one answered and one routed, is one resolved and one not. Only closed
  contacts count (an open one can still change). Questions ending in "verbinding
  verbroken" are left out of the figure: a dropped line says nothing about whether the
  front office could have answered. Resolved = outcome in RESOLVED_OUTCOMES.
- Handling time uses closed contacts with an end time; p90 is the nearest-rank percentile
  of the durations in buckets (`DURATION_BUCKETS`), as the central store's SQL keeps them.
- Task queues count what is still with a back-office team (open, claimed, forwarded);
  `returned` tasks are with the front office and are counted apart under the team that
  returned them. Overdue = due time passed; at risk = amber on the SLA clock.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from loket.domain.models import (
    RESOLVED_OUTCOMES,
    Contact,
    ContactStatus,
    Task,
    TaskStatus,
    to_iso,
)
from loket.domain.routing import DistrictMap
from loket.domain.sla import AMSTERDAM, DEFAULT_CALENDAR, WorkCalendar

FCR_EXCLUDED: frozenset[str] = frozenset({"verbinding verbroken"})
UNKNOWN_DISTRICT = "onbekend"


def _closed(contacts: Iterable[Contact]) -> list[Contact]:
    return [c for c in contacts if c.status == ContactStatus.CLOSED]


def fcr_counts(
    contacts: Iterable[Contact],
    resolved: Collection[str] = RESOLVED_OUTCOMES,
    excluded: Collection[str] = FCR_EXCLUDED,
) -> tuple[int, int]:
    """(questions resolved in the first contact, questions counted)."""
    outcomes = [
        q.outcome
        for c in _closed(contacts)
        for q in c.questions
        if q.outcome and q.outcome not in excluded
    ]
    return sum(o in resolved for o in outcomes), len(outcomes)


def first_contact_resolution(
    contacts: Iterable[Contact],
    resolved: Collection[str] = RESOLVED_OUTCOMES,
    excluded: Collection[str] = FCR_EXCLUDED,
) -> float | None:
    """Share (0..1) of counted questions resolved at once; None when nothing counts."""
    hits, total = fcr_counts(contacts, resolved, excluded)
    return hits / total if total else None


def percentile(values: Iterable[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100): always a value that occurred."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class HandlingStats:
    count: int
    mean_seconds: float | None
    p90_seconds: float | None


def handling_stats(contacts: Iterable[Contact]) -> HandlingStats:
    """Mean and p90 handling time of closed contacts that have an end time."""
    seconds = [c.handling_seconds() for c in _closed(contacts) if c.ended_at]
    mean = sum(seconds) / len(seconds) if seconds else None
    return HandlingStats(len(seconds), mean, duration_percentile(seconds, 90))


def _ranked(counter: Counter[str]) -> dict[str, int]:
    """Most first, ties by name, so reports are stable."""
    return dict(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))


def contacts_per_channel(contacts: Iterable[Contact]) -> dict[str, int]:
    return _ranked(Counter(c.channel for c in contacts))


def district_of(contact: Contact, districts: DistrictMap | None = None) -> str:
    """The recorded district, else the one its postcode lies in, else UNKNOWN_DISTRICT."""
    customer = contact.customer
    if customer is None:
        return UNKNOWN_DISTRICT
    if customer.district:
        return customer.district
    found = districts.district_for(customer.postcode) if districts else None
    return found or UNKNOWN_DISTRICT


def contacts_per_district(
    contacts: Iterable[Contact], districts: DistrictMap | None = None
) -> dict[str, int]:
    return _ranked(Counter(district_of(c, districts) for c in contacts))


def outcomes_count(contacts: Iterable[Contact]) -> dict[str, int]:
    """Questions per outcome (open questions under ""), over all given contacts."""
    return _ranked(Counter(q.outcome or "" for c in contacts for q in c.questions))


def contacts_on(contacts: Iterable[Contact], day: date) -> list[Contact]:
    """Contacts started on `day`, in Amsterdam local time (a working day is a local day).
    Discarded contacts (misdials) are in no figure."""
    return [
        c
        for c in contacts
        if c.status != ContactStatus.DISCARDED and c.started_at.astimezone(AMSTERDAM).date() == day
    ]


@dataclass
class TeamQueue:
    team: str
    open: int = 0  # open or forwarded to this team, not yet claimed
    claimed: int = 0
    overdue: int = 0  # active and past its due time
    at_risk: int = 0  # active, not overdue, amber on the SLA clock
    returned: int = 0  # handed back to the front office by this team

    @property
    def active(self) -> int:
        return self.open + self.claimed


def team_queues(
    tasks: Iterable[Task],
    now: datetime,
    calendar: WorkCalendar = DEFAULT_CALENDAR,
    amber_hours: float = 8,
) -> list[TeamQueue]:
    """Per team: what is waiting, what is being worked on, and what breaks or nears its SLA."""
    queues: dict[str, TeamQueue] = {}
    for task in tasks:
        if task.status == TaskStatus.DONE:
            continue
        queue = queues.setdefault(task.team, TeamQueue(task.team))
        if task.status == TaskStatus.RETURNED:
            queue.returned += 1
            continue
        if task.status == TaskStatus.CLAIMED:
            queue.claimed += 1
        else:
            queue.open += 1
        if task.due_at is not None:
            level = calendar.level(task.due_at, now, amber_hours)
            queue.overdue += level == "red"
            queue.at_risk += level == "amber"
    return sorted(queues.values(), key=lambda q: (-q.overdue, -q.active, q.team))


@dataclass
class Report:
    """One day's figures; `to_dict` is the JSON form for `loket report --json` and /stats."""

    day: date
    contacts: int
    questions: int
    fcr: float | None
    fcr_resolved: int
    fcr_counted: int
    handling: HandlingStats
    per_channel: dict[str, int] = field(default_factory=dict)
    per_district: dict[str, int] = field(default_factory=dict)
    per_outcome: dict[str, int] = field(default_factory=dict)
    queues: list[TeamQueue] = field(default_factory=list)
    generated_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["day"] = self.day.isoformat()
        data["generated_at"] = to_iso(self.generated_at)
        return data


def daily_report(
    contacts: Iterable[Contact],
    tasks: Iterable[Task],
    now: datetime,
    day: date | None = None,
    calendar: WorkCalendar = DEFAULT_CALENDAR,
    districts: DistrictMap | None = None,
) -> Report:
    """Figures for the contacts started on `day` (default: today in Amsterdam) and the
    task queues as they stand at `now` (queues are a snapshot, not per day)."""
    day = day or now.astimezone(AMSTERDAM).date()
    todays = contacts_on(contacts, day)
    hits, counted = fcr_counts(todays)
    return Report(
        day=day,
        contacts=len(todays),
        questions=sum(len(c.questions) for c in todays),
        fcr=hits / counted if counted else None,
        fcr_resolved=hits,
        fcr_counted=counted,
        handling=handling_stats(todays),
        per_channel=contacts_per_channel(todays),
        per_district=contacts_per_district(todays, districts),
        per_outcome=outcomes_count(todays),
        queues=team_queues(tasks, now, calendar),
        generated_at=now,
    )


# --- definitions of the period report (docs/metrics.md), shared by the SQL and the views ---

# Durations are counted in buckets: a bucket is named by its lower bound in seconds, and a
# duration falls in the last bucket whose bound it reaches. Median and p90 over a period
# are the nearest-rank percentile of the bucketed values (the lower bound of the bucket
# the rank falls in): the central store keeps counts per day and bucket, so a year's
# percentile needs no sort of a year's contacts. Bounds are 10 s apart under 1 minute,
# 15-30 s to 5 minutes, 1-2 minutes to 20 minutes, wider beyond.
DURATION_BUCKETS: tuple[int, ...] = (
    0, 10, 20, 30, 40, 50, 60, 75, 90, 105, 120, 150, 180, 210, 240, 270, 300,
    360, 420, 480, 540, 600, 720, 840, 960, 1080, 1200, 1500, 1800, 2400, 3000, 3600,
    5400, 7200, 14400,
)  # fmt: skip
# Time to resolve a task, in hours: the same rule, wider buckets.
RESOLVE_BUCKETS: tuple[int, ...] = tuple(
    h * 3600
    for h in (0, 1, 2, 3, 4, 6, 8, 12, 16, 20, 24, 30, 36, 42, 48, 60, 72, 84, 96, 108, 120,
              144, 168, 192, 216, 240, 288, 336, 408, 504, 672, 1008, 1344, 2016, 2688)
)  # fmt: skip
# Callback norm: the first callback attempt on a task comes at the latest at the end of
# the office day CALLBACK_NORM_DAYS working days after the task was made (SLA calendar:
# weekends and public holidays do not count).
CALLBACK_NORM_DAYS = 2


def bucket_of(seconds: float, bounds: tuple[int, ...] = DURATION_BUCKETS) -> int:
    """The bucket (its lower bound) a duration falls in; negative durations count as 0."""
    found = bounds[0]
    for bound in bounds:
        if seconds < bound:
            break
        found = bound
    return found


def histogram_percentile(counts: dict[int, int], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100) of bucketed values: the lower bound of the
    bucket holding rank ceil(q/100 * n); None for an empty histogram."""
    total = sum(counts.values())
    if total <= 0:
        return None
    rank = max(1, math.ceil(q / 100 * total))
    seen = 0
    for bucket in sorted(counts):
        seen += counts[bucket]
        if seen >= rank:
            return float(bucket)
    return float(max(counts))


def duration_percentile(
    seconds: Iterable[float], q: float, bounds: tuple[int, ...] = DURATION_BUCKETS
) -> float | None:
    """`histogram_percentile` of durations put in their buckets: what the report shows."""
    return histogram_percentile(Counter(bucket_of(s, bounds) for s in seconds), q)
