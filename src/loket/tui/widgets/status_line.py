"""The line on top: call timer, who is logged in, online/offline, outbox, last sync.

The timer is the only thing that ticks (once a second) and only its own label is
redrawn, so an idle console stays well under 1% CPU.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from loket.tui import strings as S
from loket.tui.formatting import format_duration, local

if TYPE_CHECKING:
    from loket.services import SyncState


def describe_sync(state: SyncState | None) -> str:
    """One short Dutch phrase for a SyncState; must fit next to the timer at 80 columns."""
    if state is None:
        return S.STARTING
    online = {None: S.NEVER_SYNCED, True: S.ONLINE, False: S.OFFLINE}[state.online]
    parts = [online]
    parts.append(S.OUTBOX.format(n=state.outbox))
    if state.last_sync:
        parts.append(S.LAST_SYNC.format(time=local(state.last_sync).strftime("%H:%M")))
    else:
        parts.append(S.NO_SYNC)
    if state.conflicts:
        parts.append(S.CONFLICTS.format(n=state.conflicts))
    if state.rejected:
        parts.append(S.REJECTED.format(n=state.rejected))
    return " │ ".join(parts)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class StatusLine(Horizontal):
    """Timer │ user (role) │ sync state. Always visible, one line."""

    DEFAULT_CSS = """
    StatusLine {
        height: 1;
        dock: top;
        background: $panel;
        color: $text;
    }
    StatusLine > Static { width: auto; padding: 0 1; }
    StatusLine > #status-timer { text-style: bold; color: $accent; }
    StatusLine > #status-sync { width: 1fr; }
    StatusLine > #status-open { color: $text-muted; }
    StatusLine.-offline > #status-sync { color: $warning; }
    """

    def __init__(self) -> None:
        super().__init__(id="status-line")
        self._started: datetime | None = None
        self._state = S.STATE_TALKING

    def compose(self) -> ComposeResult:
        yield Static(S.TIMER.format(time="--:--"), id="status-timer")
        yield Static(S.STARTING, id="status-user")
        yield Static("", id="status-sync")
        yield Static("", id="status-open")

    def on_mount(self) -> None:
        self.set_interval(1.0, self._tick, name="call-timer")

    def set_started(self, started: datetime | None, state: str = "") -> None:
        """Start (or stop, with None) the timer; `state` names it (gesprek, nawerk, vrij)."""
        self._started = started
        self._state = state
        self._tick()

    def _tick(self) -> None:
        label = self.query_one("#status-timer", Static)
        if self._started is None:
            label.update(S.TIMER.format(time="--:--"))
            return
        now = getattr(self.app, "clock", _utcnow)()  # the console's clock (LoketApp.clock)
        elapsed = format_duration((now - self._started).total_seconds())
        text = S.CALL_STATE.format(state=self._state, time=elapsed) if self._state else elapsed
        label.update(S.TIMER.format(time=text))

    def set_user(self, name: str, role: str) -> None:
        self.query_one("#status-user", Static).update(f"{name} ({role})")

    def set_sync(self, state: SyncState | None) -> None:
        """The sync thread may report before this line's parts are mounted: then they
        show it when their screen refreshes the line (`set_sync(app.sync_state)`)."""
        for part in self.query("#status-sync").results(Static):
            part.update(describe_sync(state))
        self.set_class(bool(state is not None and state.online is False), "-offline")

    def set_open_count(self, count: int) -> None:
        text = S.OPEN_CONTACTS.format(n=count) if count > 1 else ""
        self.query_one("#status-open", Static).update(text)
