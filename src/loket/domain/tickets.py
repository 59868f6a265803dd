"""Counter tickets: a resident draws a number for a service and waits to be called.

A ticket is waiting until a counter agent calls it (then it names the agent and desk),
and is then served, or marked no-show when the resident does not come. "Next" takes the
longest-waiting ticket of the services the agent serves. Numbers count up per service
per Amsterdam day and carry the service's prefix: B001, B002, ... For the counter's
queue figures a ticket is a wait from drawn to called; a no-show counts as abandoned.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from loket.domain.queues import Wait, WaitOutcome


class TicketStatus(StrEnum):
    WAITING = "waiting"
    CALLED = "called"  # an agent called it; a contact on channel balie is running
    NO_SHOW = "no_show"


@dataclass(frozen=True)
class Ticket:
    id: str
    service: str
    number: str  # shown and announced, e.g. "B012"
    drawn_at: datetime
    status: TicketStatus = TicketStatus.WAITING
    called_at: datetime | None = None
    agent: str = ""
    desk: str = ""

    def wait(self) -> Wait:
        if self.status == TicketStatus.WAITING:
            return Wait(self.service, self.drawn_at)
        outcome: WaitOutcome = "abandoned" if self.status == TicketStatus.NO_SHOW else "answered"
        return Wait(self.service, self.drawn_at, self.called_at, outcome)

    def waited_seconds(self, now: datetime) -> float:
        return max(0.0, ((self.called_at or now) - self.drawn_at).total_seconds())

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "service": self.service,
            "number": self.number,
            "drawn_at": self.drawn_at.isoformat(),
            "status": str(self.status),
            "called_at": self.called_at.isoformat() if self.called_at else None,
            "agent": self.agent,
            "desk": self.desk,
        }


def ticket_number(prefix: str, seq: int) -> str:
    """B + the day's sequence, three digits at least (B007, B123, B1000)."""
    return f"{prefix}{seq:03d}"


def pick_next(waiting: Iterable[Ticket], services: Iterable[str]) -> Ticket | None:
    """The longest-waiting ticket of `services` (ties: the lower number), or None."""
    allowed = set(services)
    candidates = [t for t in waiting if t.status == TicketStatus.WAITING and t.service in allowed]
    return min(candidates, key=lambda t: (t.drawn_at, t.number), default=None)


def expected_wait(
    ahead: int, recent_calls: Iterable[datetime], now: datetime, window_seconds: float = 1800
) -> float | None:
    """Seconds until a newly drawn ticket is likely called: the tickets ahead of it (plus
    itself) at the rate tickets of this service were called in the last `window_seconds`.
    None when no ticket was called in that window (no rate to go on)."""
    since = now.timestamp() - window_seconds
    called = sum(1 for at in recent_calls if since <= at.timestamp() <= now.timestamp())
    if called == 0:
        return 0.0 if ahead == 0 else None
    return (ahead + 1) * window_seconds / called
