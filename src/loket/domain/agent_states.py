"""Agents' states: available, in contact, wrap-up, pause (with a reason), offline.

The console reports every change (taking a call or a ticket, closing, wrap-up, pause by
hand) as an event with a timestamp. The state at a moment is the latest event at or
before it; how long each state lasted is the time to the next event. An agent with no
event is offline. Durations for a day are clipped to that Amsterdam day, so a shift
across midnight splits over the two days.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from loket.domain.errors import DomainError, FieldError
from loket.domain.models import Role
from loket.domain.sla import AMSTERDAM

# Who has a state in the live view (and reports it from the console).
REPORTING_ROLES = frozenset({Role.AGENT, Role.SUPERVISOR})

PAUSE_REASON_MAX = 100


class AgentState(StrEnum):
    AVAILABLE = "available"
    IN_CONTACT = "in_contact"
    WRAP_UP = "wrap_up"
    PAUSE = "pause"
    OFFLINE = "offline"


@dataclass(frozen=True)
class AgentStateEvent:
    agent: str
    state: AgentState
    at: datetime
    reason: str = ""  # pause only

    def to_dict(self) -> dict[str, Any]:
        return {
            "agent": self.agent,
            "state": str(self.state),
            "at": self.at.isoformat(),
            "reason": self.reason,
        }


def check_state_event(state: str, reason: str) -> AgentState:
    """The state, or DomainError naming the field: a pause needs a reason, others none."""
    try:
        parsed = AgentState(state)
    except ValueError:
        allowed = ", ".join(s.value for s in AgentState)
        raise DomainError(FieldError("state", f"onbekend; kies uit {allowed}")) from None
    if parsed == AgentState.PAUSE and not reason.strip():
        raise DomainError(FieldError("reason", "een pauze heeft een reden"))
    if parsed != AgentState.PAUSE and reason.strip():
        raise DomainError(FieldError("reason", "alleen een pauze heeft een reden"))
    if len(reason) > PAUSE_REASON_MAX:
        raise DomainError(FieldError("reason", f"maximaal {PAUSE_REASON_MAX} tekens"))
    return parsed


@dataclass
class AgentStatus:
    """Where one agent stands at `now`, and the day's time per state (seconds)."""

    agent: str
    state: AgentState = AgentState.OFFLINE
    since: datetime | None = None
    reason: str = ""
    seconds_in_state: float = 0.0
    per_state: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "agent": self.agent,
            "state": str(self.state),
            "since": self.since.isoformat() if self.since else None,
            "reason": self.reason,
            "seconds_in_state": self.seconds_in_state,
            "per_state": dict(self.per_state),
        }


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """Start and end of an Amsterdam day (23 or 25 hours on DST days)."""
    start = datetime.combine(day, time(0), AMSTERDAM)
    end = datetime.combine(day + timedelta(days=1), time(0), AMSTERDAM)
    return start, end


def agent_statuses(
    events: Iterable[AgentStateEvent], now: datetime, day: date | None = None
) -> dict[str, AgentStatus]:
    """Per agent: the state at `now` and the seconds spent per state on `day` (up to now)."""
    day = day or now.astimezone(AMSTERDAM).date()
    start, end = day_bounds(day)
    end = min(end, now)
    by_agent: dict[str, list[AgentStateEvent]] = defaultdict(list)
    for ev in events:
        if ev.at <= now:
            by_agent[ev.agent].append(ev)
    result: dict[str, AgentStatus] = {}
    for agent, evs in by_agent.items():
        evs.sort(key=lambda e: e.at)
        status = AgentStatus(agent)
        for ev, nxt in zip(evs, [*evs[1:], None], strict=True):
            until = nxt.at if nxt else now
            overlap = (min(until, end) - max(ev.at, start)).total_seconds()
            if overlap > 0:
                key = str(ev.state)
                status.per_state[key] = status.per_state.get(key, 0.0) + overlap
        last = evs[-1]
        status.state, status.since, status.reason = last.state, last.at, last.reason
        status.seconds_in_state = (now - last.at).total_seconds()
        result[agent] = status
    return result
