"""The agent's state as they work, reported to the central store (issue 12 §3).

The console's call flow decides the state (no call: available; a call taken: in
contact; after closing: wrap-up), the agent adds a pause by hand with a reason. Reports
go out on one background thread so a slow or absent server never holds a key press;
only the latest state matters, so a report that failed is not queued but superseded: the
thread keeps trying the state as it is now (with backoff) until the server has it. The
server stamps the time it receives a report, so an offline console reports nothing
stale: it reports its current state once the server answers again.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from loket.domain.agent_states import AgentState
from loket.retry import Backoff
from loket.sync import SyncError

log = logging.getLogger(__name__)

# The console's call flow (ContactWorkspace's CallState values) -> the agent's state.
FLOW_STATES = {
    "waiting": AgentState.AVAILABLE,
    "talking": AgentState.IN_CONTACT,
    "wrapup": AgentState.WRAP_UP,
}
CLOSE_TIMEOUT = 2.0  # how long quitting waits to say "offline"


@dataclass(frozen=True)
class Presence:
    state: AgentState
    reason: str = ""  # a pause's reason


class StateReporter(Protocol):
    """Where reports go: `LiveDesk.set_state`."""

    def set_state(self, state: str, reason: str = "") -> object: ...


class AgentPresence:
    """The agent's current state and its reporter thread."""

    def __init__(self, desk: StateReporter, backoff: Backoff | None = None) -> None:
        self.desk = desk
        self.backoff = backoff or Backoff(base=1.0, cap=30.0)
        self.flow = AgentState.AVAILABLE
        self.pause_reason = ""
        self.pause_since: datetime | None = None
        self._sent: Presence | None = None
        self._wanted: Presence | None = None
        self._cond = threading.Condition()
        self._closed = False
        self._thread: threading.Thread | None = None

    # -- what the console tells it ----------------------------------------------------------

    @property
    def current(self) -> Presence:
        if self.pause_reason and self.flow != AgentState.IN_CONTACT:
            return Presence(AgentState.PAUSE, self.pause_reason)
        return Presence(self.flow)

    @property
    def paused(self) -> bool:
        return self.current.state == AgentState.PAUSE

    def follow(self, call_state: str) -> None:
        """The call flow moved (`CallState` value). Taking a call ends a pause."""
        self.flow = FLOW_STATES[call_state]
        if self.flow == AgentState.IN_CONTACT:
            self.pause_reason = ""
        self._want(self.current)

    def pause(self, reason: str) -> bool:
        """Pause with a reason; False (and nothing changes) during a call. From a wrap-up
        the pause is reported at once and the console ends the wrap-up next, so the agent
        never shows as available in between (a call would be put through)."""
        reason = reason.strip()
        if not reason or self.flow == AgentState.IN_CONTACT:
            return False
        self.pause_reason, self.pause_since = reason, datetime.now(UTC)
        self._want(self.current)
        return True

    def resume(self) -> None:
        self.pause_reason = ""
        self._want(self.current)

    # -- the reporter thread ----------------------------------------------------------------

    def start(self) -> None:
        """Report the state as it is now, and every change from here on."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="loket-presence", daemon=True)
            self._thread.start()
        self._want(self.current)

    def close(self) -> None:
        """Quitting: say "offline" (briefly; a server that is away hears nothing)."""
        thread = self._thread
        if thread is None:
            return
        self._want(Presence(AgentState.OFFLINE), closing=True)
        thread.join(CLOSE_TIMEOUT)
        self._thread = None

    def _want(self, presence: Presence, closing: bool = False) -> None:
        with self._cond:
            if self._closed:
                return
            self._wanted = presence
            self._closed = closing
            self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._wanted == self._sent and not self._closed:
                    self._cond.wait()
                wanted, closing = self._wanted, self._closed
                if wanted is None or (closing and wanted == self._sent):
                    return
            if self._send(wanted) or closing:
                if closing:
                    return
                continue
            with self._cond:  # wait out the backoff unless a newer state comes first
                self._cond.wait(self.backoff.next_delay())

    def _send(self, presence: Presence) -> bool:
        try:
            self.desk.set_state(str(presence.state), presence.reason)
        except SyncError as exc:
            if exc.retry:
                return False
            log.warning("agent state not accepted: %s", type(exc).__name__)
        with self._cond:
            self._sent = presence
        self.backoff.reset()
        return True
