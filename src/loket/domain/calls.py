"""Calls as the telephone platform reports them: events folded into one call's state.

The platform posts events (offered, answered, transferred, abandoned, ended), each with
its own event id, the platform's call id and a timestamp. Events may arrive late or out
of order, so a call's state is always re-folded from all its events sorted by timestamp,
never patched by the latest arrival. An event that makes the sorted sequence impossible
(answered before it was offered, anything after the end, a second offer) is refused and
the call keeps its earlier events: bad input never changes the figures.

When the first known event is not "offered" (its offer is still on the way), the call
is folded from an unknown start: the next event may be anything, and the call counts in
no queue figure until the offer arrives.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from loket.domain.errors import DomainError, FieldError
from loket.domain.queues import Wait

WITHHELD = ""  # caller's number when the platform reports it withheld


class CallEventKind(StrEnum):
    OFFERED = "offered"  # entered a queue: queue, caller
    ANSWERED = "answered"  # an agent took it: agent
    TRANSFERRED = "transferred"  # to another queue (waits again) or straight to an agent
    ABANDONED = "abandoned"  # the caller hung up while waiting
    ENDED = "ended"  # the conversation ended


class CallStatus(StrEnum):
    UNKNOWN = "unknown"  # events arrived before the offer
    WAITING = "waiting"
    TALKING = "talking"
    ABANDONED = "abandoned"
    ENDED = "ended"


# Same timestamp: apply in the order a call lives (an offer before its answer).
_RANK = {kind: i for i, kind in enumerate(CallEventKind)}


@dataclass(frozen=True)
class CallEvent:
    event_id: str
    call_id: str
    kind: CallEventKind
    at: datetime
    queue: str = ""
    agent: str = ""
    caller: str = WITHHELD

    def sort_key(self) -> tuple[datetime, int, str]:
        return (self.at, _RANK[self.kind], self.event_id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "call_id": self.call_id,
            "kind": str(self.kind),
            "at": self.at.isoformat(),
            "queue": self.queue,
            "agent": self.agent,
            "caller": self.caller,
        }


@dataclass
class Call:
    """One call as it stands after all its known events."""

    id: str
    status: CallStatus = CallStatus.UNKNOWN
    queue: str = ""
    agent: str = ""
    caller: str = WITHHELD
    offered_at: datetime | None = None
    answered_at: datetime | None = None  # first answer
    ended_at: datetime | None = None
    waits: list[Wait] = field(default_factory=list)
    talk: list[tuple[str, datetime, datetime | None]] = field(default_factory=list)

    def talk_seconds(self, now: datetime, agent: str | None = None) -> float:
        """Time spent talking (all agents, or one), the open stretch counted up to `now`."""
        return sum(
            ((end or now) - start).total_seconds()
            for who, start, end in self.talk
            if agent is None or who == agent
        )


def _refuse(field_name: str, message: str) -> DomainError:
    return DomainError(FieldError(field_name, message))


def _close_wait(call: Call, at: datetime, outcome: str) -> None:
    if call.waits and call.waits[-1].ended_at is None:
        last = call.waits[-1]
        call.waits[-1] = Wait(last.queue, last.began_at, at, outcome)  # type: ignore[arg-type]


def _close_talk(call: Call, at: datetime) -> None:
    if call.talk and call.talk[-1][2] is None:
        who, start, _ = call.talk[-1]
        call.talk[-1] = (who, start, at)


def _apply(call: Call, ev: CallEvent) -> None:
    """One step of the call's life; DomainError naming the field when it cannot happen."""
    status, unknown = call.status, call.status == CallStatus.UNKNOWN
    if status in (CallStatus.ENDED, CallStatus.ABANDONED):
        raise _refuse("at", f"gesprek {call.id} is om {call.ended_at} al beëindigd")
    if ev.kind == CallEventKind.OFFERED:
        if call.offered_at is not None:
            raise _refuse("kind", f"gesprek {call.id} is al aangeboden")
        if not unknown:
            raise _refuse("at", f"gesprek {call.id}: 'offered' ligt na een latere stap")
        call.status, call.queue, call.caller, call.offered_at = (
            CallStatus.WAITING,
            ev.queue,
            ev.caller,
            ev.at,
        )
        call.waits.append(Wait(ev.queue, ev.at))
    elif ev.kind == CallEventKind.ANSWERED:
        if status != CallStatus.WAITING and not unknown:
            raise _refuse("kind", f"gesprek {call.id} wacht niet en kan niet worden aangenomen")
        _close_wait(call, ev.at, "answered")
        call.status, call.agent = CallStatus.TALKING, ev.agent
        call.answered_at = call.answered_at or ev.at
        call.talk.append((ev.agent, ev.at, None))
    elif ev.kind == CallEventKind.TRANSFERRED:
        _close_talk(call, ev.at)
        _close_wait(call, ev.at, "moved")
        if ev.queue:
            call.status, call.queue, call.agent = CallStatus.WAITING, ev.queue, ""
            call.waits.append(Wait(ev.queue, ev.at))
        else:
            call.status, call.agent = CallStatus.TALKING, ev.agent
            call.talk.append((ev.agent, ev.at, None))
    elif ev.kind == CallEventKind.ABANDONED:
        if status != CallStatus.WAITING and not unknown:
            raise _refuse("kind", f"gesprek {call.id} is al aangenomen; ophangen is 'ended'")
        _close_wait(call, ev.at, "abandoned")
        call.status, call.ended_at = CallStatus.ABANDONED, ev.at
    else:  # ENDED
        _close_talk(call, ev.at)
        _close_wait(call, ev.at, "abandoned")  # ended while still waiting: the caller left
        call.status, call.ended_at = CallStatus.ENDED, ev.at


def fold_call(call_id: str, events: Iterable[CallEvent]) -> Call:
    """The call's state from all its events, in timestamp order (arrival order is ignored)."""
    call = Call(call_id)
    for ev in sorted(events, key=CallEvent.sort_key):
        _apply(call, ev)
    if call.offered_at is None:
        call.waits = []  # no queue figure until the offer is known
    return call


def check_event(known: Iterable[CallEvent], new: CallEvent) -> Call:
    """The call with `new` added, or DomainError naming the field that makes it impossible.

    Required fields per kind: offered needs `queue`; answered needs `agent`; transferred
    needs `queue` or `agent`."""
    if new.kind == CallEventKind.OFFERED and not new.queue:
        raise _refuse("queue", "ontbreekt bij 'offered'")
    if new.kind == CallEventKind.ANSWERED and not new.agent:
        raise _refuse("agent", "ontbreekt bij 'answered'")
    if new.kind == CallEventKind.TRANSFERRED and not (new.queue or new.agent):
        raise _refuse("queue", "'transferred' noemt een wachtrij of een medewerker")
    return fold_call(new.call_id, [*known, new])
