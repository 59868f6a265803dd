"""The live queues from the console: the supervisor's live figures, the agent's state as
they work, the counter's next resident, and the call behind a screen pop.

Everything here asks the central store (`loket.sync.live.LiveClient`); nothing is kept in
the console's store. States and tickets only mean something while online, so an offline
console simply does not report them (the server then shows the agent as it last was).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from loket.domain.calls import CallEventKind
from loket.live_view import LiveFeed
from loket.protocol import Entity
from loket.sync import SyncEngine, SyncError
from loket.sync.live import LiveClient

NO_SERVER = "Geen centrale server ingesteld (LOKET_SERVER_URL)."
# Call events after which a call may be talking to a (new) agent: the screen pop's cue.
POP_KINDS = frozenset({CallEventKind.ANSWERED, CallEventKind.TRANSFERRED})
# Call events after which nobody is on the line any more: a pop still waiting is void.
END_KINDS = frozenset({CallEventKind.ENDED, CallEventKind.ABANDONED})


def pop_cue(data: dict[str, Any]) -> str | None:
    """The call id of a live event that may pop a call on this console, else None. The
    stream carries no numbers; `LiveDesk.answered_call` reads the call itself."""
    if data.get("entity") != Entity.CALL or data.get("status") not in POP_KINDS:
        return None
    return str(data.get("id") or "") or None


def end_cue(data: dict[str, Any]) -> str | None:
    """The call id of a live event that ends a call, else None."""
    if data.get("entity") != Entity.CALL or data.get("status") not in END_KINDS:
        return None
    return str(data.get("id") or "") or None


class LiveDesk:
    def __init__(self, engine: SyncEngine) -> None:
        self.engine = engine

    @property
    def client(self) -> LiveClient:
        """The central store's live endpoints; SyncError when there is no server."""
        client = self.engine.client
        if not isinstance(client, LiveClient):
            raise SyncError(NO_SERVER)
        return client

    @property
    def available(self) -> bool:
        return isinstance(self.engine.client, LiveClient)

    def feed(self) -> LiveFeed:
        """The supervisor's figures inside the console: queues and agents from GET /live,
        the back office and today's figures from GET /live/office (no /stats: the console
        shows neither its totals nor its charts)."""
        return LiveFeed(self.client, with_stats=False, with_office=True)

    def on_event(self, listener: Callable[[dict[str, Any]], None]) -> None:
        """Call `listener` (from the stream thread) with every live event's data."""
        self.engine.event_listeners.append(listener)

    def off_event(self, listener: Callable[[dict[str, Any]], None]) -> None:
        if listener in self.engine.event_listeners:
            self.engine.event_listeners.remove(listener)

    def call(self, call_id: str) -> dict[str, Any]:
        """The call with the caller's number and talk time (this agent's, or any for a
        supervisor)."""
        return self.client.call(call_id)

    def answered_call(self, call_id: str, agent: str) -> dict[str, Any] | None:
        """The call (with the caller's number) if `agent` is talking on it now, else None:
        a supervisor's stream carries everyone's calls, a stale event one that moved on.
        SyncError when the server cannot be asked (`RequestRefused` for an unknown call)."""
        call = self.call(call_id)
        if call.get("agent") == agent and call.get("status") == "talking":
            return call
        return None

    def set_state(self, state: str, reason: str = "") -> dict[str, Any]:
        return self.client.set_state(state, reason)

    def next_ticket(self, services: list[str] | None = None, desk: str = "") -> dict[str, Any]:
        return self.client.next_ticket(services, desk)

    def no_show(self, ticket_id: str) -> dict[str, Any]:
        return self.client.no_show(ticket_id)
