"""Live queues: phone queues and counter services, their targets and today's figures.

A *wait* is one resident waiting in one queue: a caller in a phone queue (from "offered"
to "answered" or "abandoned") or a ticket at the counter (from drawn to called or
no-show). Phone and counter share these figures so the supervisor reads one definition.

Decisions
- A wait counts on the Amsterdam day it *began* (offered / drawn), like contacts count on
  the day they started: a call offered at 23:59:50 and answered at 00:00:15 is yesterday's
  answered call. While it still waits it is in "waiting now" whatever the day.
- Service level = answered within the threshold / (answered + abandoned after the
  threshold). A caller who hangs up within the threshold could not have been served in
  target either way and is left out (the "short abandon" rule); None when nothing counts.
- Abandonment rate = abandoned / (answered + abandoned), short abandons included.
- Average speed of answer (ASA) = mean wait of the answered; None when none answered.
- Defaults: phone 80 % within 20 s, counter 80 % within 10 minutes; each queue in
  data/queues.toml may set its own `sl_seconds` and `sl_target`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any, Literal

from loket.domain.errors import DomainError, FieldError
from loket.domain.sla import AMSTERDAM

QueueKind = Literal["phone", "counter"]
QUEUE_KINDS: tuple[QueueKind, ...] = ("phone", "counter")
DEFAULT_SL_SECONDS: dict[str, float] = {"phone": 20.0, "counter": 600.0}
DEFAULT_SL_TARGET = 0.8


@dataclass(frozen=True)
class QueueDef:
    """One queue as configured: a phone queue or a counter service (its ticket prefix)."""

    id: str
    name: str
    kind: QueueKind = "phone"
    sl_seconds: float = 20.0
    sl_target: float = DEFAULT_SL_TARGET
    prefix: str = ""  # counter only: the letter before a ticket number (B012)


WaitOutcome = Literal["answered", "abandoned", "moved"]


@dataclass(frozen=True)
class Wait:
    """One resident waiting in one queue. `moved`: transferred to another queue before an
    answer; that wait counts in neither figure (the next queue's wait does)."""

    queue: str
    began_at: datetime
    ended_at: datetime | None = None
    outcome: WaitOutcome | None = None

    def seconds(self, now: datetime) -> float:
        end = self.ended_at or now
        return max(0.0, (end - self.began_at).total_seconds())


@dataclass
class QueueFigures:
    queue: str
    waiting: int = 0
    longest_wait: float | None = None  # seconds, of those waiting now
    answered: int = 0  # today
    abandoned: int = 0  # today
    answered_in_target: int = 0
    service_level: float | None = None  # 0..1
    abandon_rate: float | None = None
    asa: float | None = None  # seconds
    sl_target: float = DEFAULT_SL_TARGET
    sl_seconds: float = 20.0

    @property
    def breached(self) -> bool:
        """Service level under target, or someone waiting longer than the threshold."""
        low = self.service_level is not None and self.service_level < self.sl_target
        return low or (self.longest_wait or 0) > self.sl_seconds

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "breached": self.breached}


def local_day(moment: datetime) -> date:
    return moment.astimezone(AMSTERDAM).date()


def queue_figures(
    waits: Iterable[Wait],
    queue: QueueDef,
    now: datetime,
    day: date | None = None,
) -> QueueFigures:
    """Figures of one queue at `now`: waiting now, and the day's (default today) outcomes."""
    day = day or local_day(now)
    fig = QueueFigures(queue.id, sl_target=queue.sl_target, sl_seconds=queue.sl_seconds)
    answer_seconds: list[float] = []
    long_abandons = 0
    for wait in waits:
        if wait.queue != queue.id:
            continue
        if wait.ended_at is None:
            fig.waiting += 1
            fig.longest_wait = max(fig.longest_wait or 0.0, wait.seconds(now))
            continue
        if local_day(wait.began_at) != day:
            continue
        seconds = wait.seconds(now)
        if wait.outcome == "answered":
            fig.answered += 1
            answer_seconds.append(seconds)
            fig.answered_in_target += seconds <= queue.sl_seconds
        elif wait.outcome == "abandoned":
            fig.abandoned += 1
            long_abandons += seconds > queue.sl_seconds
    counted = fig.answered + long_abandons
    fig.service_level = fig.answered_in_target / counted if counted else None
    ended = fig.answered + fig.abandoned
    fig.abandon_rate = fig.abandoned / ended if ended else None
    fig.asa = sum(answer_seconds) / len(answer_seconds) if answer_seconds else None
    return fig


def _number(entry: dict[str, Any], key: str, where: str, low: float, high: float) -> float:
    value = entry[key]
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise DomainError(FieldError(f"{where}.{key}", f"moet een getal van {low} tot {high} zijn"))
    return float(value)


def parse_queues(data: dict[str, Any], source: str = "queues.toml") -> dict[str, QueueDef]:
    """`[[queue]]` entries (id, name, kind, sl_seconds, sl_target, prefix) by id."""
    queues: dict[str, QueueDef] = {}
    for i, entry in enumerate(data.get("queue", [])):
        where = f"{source}: queue[{i}]"
        qid, name = entry.get("id"), entry.get("name", entry.get("id"))
        if not isinstance(qid, str) or not qid.strip():
            raise DomainError(FieldError(f"{where}.id", "ontbreekt"))
        if qid in queues:
            raise DomainError(FieldError(f"{where}.id", f"'{qid}' komt twee keer voor"))
        kind = entry.get("kind", "phone")
        if kind not in QUEUE_KINDS:
            raise DomainError(FieldError(f"{where}.kind", "moet 'phone' of 'counter' zijn"))
        seconds = DEFAULT_SL_SECONDS[kind]
        if "sl_seconds" in entry:
            seconds = _number(entry, "sl_seconds", where, 1, 86400)
        target = DEFAULT_SL_TARGET
        if "sl_target" in entry:
            target = _number(entry, "sl_target", where, 0, 1)
        prefix = str(entry.get("prefix", qid[:1].upper() if kind == "counter" else ""))
        queues[qid] = QueueDef(qid, str(name), kind, seconds, target, prefix)
    return queues
