"""The console App: thin. It holds the services, starts background sync and switches screens.

Services are injected: tests hand in a `ConsoleServices` on a temporary store and a live
test server; `loket console` hands in a factory that is run in a thread after the first
frame, so start-up never waits for the store, the kb index or the network.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual import events, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.notifications import Notify
from textual.screen import Screen

from loket.tui import strings as S
from loket.tui.messages import (
    CallAnswered,
    CallCue,
    CallEnded,
    ServicesFailed,
    ServicesReady,
    SyncStateChanged,
)

if TYPE_CHECKING:  # the services load after the first frame; their types cost nothing here
    from textual.command import Provider

    from loket.services import ConsoleServices, SyncState
    from loket.tui.screens.agent import AgentScreen

AGENT, WORKLIST, QUEUE, LIVE, REPORT = "agent", "worklist", "queue", "live", "report"
FIGURE_ROLES = ("supervisor", "admin")  # who may open the report (the server checks too)
# Deferred work waits for the first frame to reach the terminal; this is the fallback should
# that moment never be seen (e.g. a Textual that no longer calls App._display).
FIRST_PAINT_FALLBACK_S = 0.5
MAX_NOTICES = 2  # toasts on screen at once (the newest; see `_on_notify`)
POP_TRIES = 3  # reading a popped call: tries, a short pause between them
POP_RETRY_S = 0.5
START_MODE = {"agent": AGENT, "backoffice": WORKLIST, "supervisor": QUEUE, "admin": QUEUE}


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _agent_screen() -> Screen:
    from loket.tui.screens.agent import AgentScreen

    return AgentScreen()


def _worklist_screen() -> Screen:
    from loket.tui.screens.worklist import WorklistScreen

    return WorklistScreen()


def _queue_screen() -> Screen:
    from loket.tui.screens.queue import QueueScreen

    return QueueScreen()


def _live_screen() -> Screen:
    from loket.tui.screens.live import LiveScreen

    return LiveScreen()


def _report_screen() -> Screen:
    from loket.tui.screens.report import ReportScreen

    return ReportScreen()


def _loket_commands() -> type[Provider]:
    """The palette provider, imported when the palette first opens (textual.command is big)."""
    from loket.tui.commands import LoketCommands

    return LoketCommands


class LoketApp(App[None]):
    """loket console for agents, back office and supervisors."""

    TITLE = S.APP_TITLE
    SUB_TITLE = S.APP_SUB_TITLE
    COMMANDS: ClassVar[set[type[Provider] | Callable[[], type[Provider]]]] = {_loket_commands}
    MODES: ClassVar[dict[str, str | Callable[[], Screen]]] = {
        AGENT: _agent_screen,
        WORKLIST: _worklist_screen,
        QUEUE: _queue_screen,
        LIVE: _live_screen,
        REPORT: _report_screen,
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", S.KEY_HELP, id="help", key_display="F1", priority=True),
        Binding("question_mark", "help", S.KEY_HELP, id="help-key", show=False),
        Binding("ctrl+s", "sync", S.KEY_SYNC, id="sync", show=False),
        # Priority: with focus in a text field these switch screens instead of typing a letter.
        Binding(
            "alt+l",
            "switch_mode('agent')",
            S.KEY_AGENT,
            id="mode-agent",
            show=False,
            priority=True,
        ),
        Binding(
            "alt+w",
            "switch_mode('worklist')",
            S.KEY_WORKLIST,
            id="mode-worklist",
            show=False,
            priority=True,
        ),
        Binding(
            "alt+s",
            "switch_mode('queue')",
            S.KEY_QUEUE,
            id="mode-queue",
            show=False,
            priority=True,
        ),
        Binding(
            "alt+v",
            "switch_mode('live')",
            S.KEY_LIVE,
            id="mode-live",
            show=False,
            priority=True,
        ),
        Binding(
            "alt+g",  # grafieken (Alt+R is the reference-number lookup)
            "switch_mode('report')",
            S.KEY_REPORT,
            id="mode-report",
            show=False,
            priority=True,
        ),
        Binding(
            "ctrl+p", "command_palette", S.KEY_PALETTE, id="palette", show=False, priority=True
        ),
        Binding("ctrl+q", "quit", S.KEY_QUIT, id="quit", show=False, priority=True),
    ]

    def __init__(
        self,
        services: ConsoleServices | None = None,
        *,
        open_services: Callable[[], ConsoleServices] | None = None,
        ansi: bool = False,
        start_mode: str | None = None,
        log_in: Callable[[str], ConsoleServices] | None = None,
        clock: Callable[[], datetime] = _utcnow,
        server_url: str = "",
        second_console: str = "",
    ) -> None:
        # Start straight in the screen's mode: no throwaway default screen, no switch (each
        # switch re-parses all CSS), so the first frame comes sooner. Textual reads this
        # class variable once, in __init__; set on the instance it is this app's alone.
        self.DEFAULT_MODE = start_mode or AGENT  # type: ignore[misc]
        super().__init__(ansi_color=ansi)
        if ansi:
            self.theme = "ansi-dark"
        if services is None and open_services is None and log_in is None:
            raise ValueError("LoketApp needs services, open_services or log_in")
        self.services: ConsoleServices | None = None
        self.sync_state: SyncState | None = None
        self._given = services
        self._open_services = open_services
        self._log_in = log_in  # the browser console: a login screen asks for the token
        self._owns_services = services is None
        # What the screens take as "now" (timers, waiting times, SLA urgency, today's
        # figures): tests hand in a fixed clock so what they see does not depend on the hour.
        self.clock = clock
        # Shown in the palette and the F1 help (the demo prints them before the screen
        # covers the terminal): the central store's address, a second console's command.
        self.connection_text = (
            S.CONNECTION_TEXT.format(url=server_url, command=second_console) if server_url else ""
        )
        self._services_event = threading.Event()
        self._ready_callbacks: list[Callable[[ConsoleServices], object]] = []
        self._start_mode = start_mode
        self._after_paint: list[Callable[[], object]] | None = []
        self._popped: set[str] = set()  # calls already popped (or waiting to) on this console
        self._pops: list[CallAnswered] = []  # popped before the agent screen could take them

    # -- services ----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The report screen is for supervisors and admins only (off the palette too)."""
        if action == "switch_mode" and parameters == (REPORT,):
            return self.services is not None and self.services.user.role in FIGURE_ROLES
        return True

    def on_mount(self) -> None:
        if self._given is not None:
            self.post_message(ServicesReady(self._given))
        elif self._log_in is not None:
            from loket.tui.screens.login import LoginScreen

            self.push_screen(LoginScreen(self._log_in))
        else:  # after the first frame: opening (imports and all) must not compete with it
            self.after_first_paint(self._open_in_thread)
        self.set_timer(FIRST_PAINT_FALLBACK_S, self._first_paint_done, name="first-paint")

    def on_resize(self, event: events.Resize) -> None:
        """Below 80x24 a notice covers the screens (nothing is lost underneath)."""
        from loket.tui.screens.too_small import TooSmallScreen, too_small

        width, height = event.size
        showing = isinstance(self.screen, TooSmallScreen)
        if too_small(width, height):
            if showing:
                cast("TooSmallScreen", self.screen).show_size(width, height)
            else:
                self.push_screen(TooSmallScreen(width, height))
        elif showing:
            self.pop_screen()

    # -- first frame -------------------------------------------------------------------------

    def after_first_paint(self, callback: Callable[[], object]) -> None:
        """Run `callback` once the first frame has been written to the terminal.

        Textual's own `call_after_refresh` runs before that frame at start-up (the start
        is one batched update), so work deferred with it still delays the first frame.
        """
        if self._after_paint is None:
            self.call_later(callback)
        else:
            self._after_paint.append(callback)

    def _display(self, screen: Screen, renderable: Any) -> None:
        super()._display(screen, renderable)
        if (
            self._after_paint is not None
            and renderable is not None
            and self._running
            and not self._batch_count
        ):
            self._first_paint_done()

    def _first_paint_done(self) -> None:
        callbacks, self._after_paint = self._after_paint, None
        for callback in callbacks or ():
            self.call_later(callback)

    @work(thread=True, exit_on_error=False)
    def _open_in_thread(self) -> None:
        assert self._open_services is not None
        try:
            services = self._open_services()
        except Exception as exc:  # shown in the console, never a traceback
            self.post_message(ServicesFailed(str(exc)))
            self._services_event.set()
            return
        self.post_message(ServicesReady(services))

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """A steady cursor: blinking costs a repaint twice a second, idle CPU on the agent's
        machine and bytes on every SSH link (Textual only blinks a focused cursor)."""
        from textual.widgets import Input, TextArea

        if isinstance(event.widget, Input | TextArea) and event.widget.cursor_blink:
            event.widget.cursor_blink = False

    def on_services_ready(self, message: ServicesReady) -> None:
        services = message.services
        self.services = services
        self._services_event.set()
        self.sync_state = services.sync.state()
        for callback in self._ready_callbacks:
            callback(services)
        self._ready_callbacks.clear()
        if self._start_mode is None:
            mode = START_MODE.get(services.user.role, AGENT)
            if mode == QUEUE and services.live.available:
                mode = LIVE  # figures from the central store, live
            if mode != self.current_mode:
                self.switch_mode(mode)
        self.post_message(SyncStateChanged(self.sync_state))
        if services.live.available:
            services.live.on_event(self._live_event)
        services.sync.start(self._sync_changed)

    def on_services_failed(self, message: ServicesFailed) -> None:
        self.notify(message.error, severity="error", timeout=30)

    def when_ready(self, callback: Callable[[ConsoleServices], object]) -> None:
        """Run `callback(services)` on the UI thread now, or as soon as services are open."""
        if self.services is not None:
            callback(self.services)
        else:
            self._ready_callbacks.append(callback)

    def wait_services(self, timeout: float = 60) -> ConsoleServices | None:
        """For worker threads: block until the services are open (or failed)."""
        self._services_event.wait(timeout)
        return self.services

    def _sync_changed(self, state: SyncState) -> None:
        """Called from the sync thread; post_message is thread-safe."""
        self.post_message(SyncStateChanged(state))

    def on_sync_state_changed(self, message: SyncStateChanged) -> None:
        self.sync_state = message.state
        from textual.app import ScreenStackError

        from loket.tui.widgets.status_line import StatusLine

        try:
            screen = self.screen
        except (
            ScreenStackError
        ):  # the sync thread may report before the first or after the last screen
            return
        for line in screen.query(StatusLine):
            line.set_sync(message.state)
        hook = getattr(screen, "sync_changed", None)
        if hook is not None:
            hook(message.state)

    # -- the screen pop ----------------------------------------------------------------------

    def _live_event(self, data: dict[str, Any]) -> None:
        """Called from the stream thread with each live event; post_message is thread-safe."""
        from loket.services.live import end_cue, pop_cue

        call_id = pop_cue(data)
        if call_id is not None:
            self.post_message(CallCue(call_id))
        ended = end_cue(data)
        if ended is not None:
            self.post_message(CallEnded(ended))

    def on_call_cue(self, message: CallCue) -> None:
        if message.call_id not in self._popped:
            self._read_popped_call(message.call_id)

    @work(thread=True, group="pop", exit_on_error=False)
    def _read_popped_call(self, call_id: str) -> None:
        """Read the call: it pops only if this user is talking on it now."""
        from loket.domain.models import from_iso
        from loket.services import SyncError

        services = self.services
        if services is None:
            return
        for attempt in range(POP_TRIES):
            try:
                call = services.live.answered_call(call_id, services.user.name)
            except SyncError:
                if attempt + 1 < POP_TRIES:
                    time.sleep(POP_RETRY_S)
                continue
            if call is not None:
                caller = str(call.get("caller") or "")
                self.post_message(CallAnswered(call_id, caller, from_iso(call.get("answered_at"))))
            return

    def on_call_answered(self, message: CallAnswered) -> None:
        """Bring up the agent screen with a phone contact for the call (once per call)."""
        if message.call_id in self._popped:
            return
        self._popped.add(message.call_id)
        if self.current_mode != AGENT:
            self.switch_mode(AGENT)
        screen = self._agent_screen()
        if screen is None:  # not loaded yet: it takes these once it is
            self._pops.append(message)
        else:
            screen.post_message(message)

    def on_call_ended(self, message: CallEnded) -> None:
        """A call that popped while the agent was busy must not open once it is over."""
        self._pops = [pop for pop in self._pops if pop.call_id != message.call_id]
        screen = self._agent_screen()
        if screen is not None:
            screen.post_message(message)

    def take_pops(self) -> list[CallAnswered]:
        """Calls popped before the agent screen was loaded (it asks once, when it is)."""
        pops, self._pops = self._pops, []
        return pops

    # -- actions -----------------------------------------------------------------------------

    def action_help(self) -> None:
        from loket.tui.screens.cheat_sheet import CheatSheet

        if not isinstance(self.screen, CheatSheet):
            self.push_screen(CheatSheet(self.screen))

    def show_connection(self) -> None:
        """The palette's entry: the server's address and the second console's command."""
        self.notify(self.connection_text, title=S.PALETTE_CONNECTION, timeout=60)

    def action_command_palette(self) -> None:
        from textual.command import CommandPalette

        if self.use_command_palette and not CommandPalette.is_open(cast("App[object]", self)):
            self.push_screen(
                CommandPalette(id="--command-palette", placeholder=S.PALETTE_PLACEHOLDER)
            )

    def action_sync(self) -> None:
        if self.services is None:
            self.notify(S.NOT_READY)
            return
        self.notify(S.SYNC_STARTED, timeout=2)
        self._sync_now()

    @work(thread=True, exclusive=True, group="sync-now", exit_on_error=False)
    def _sync_now(self) -> None:
        services = self.services
        assert services is not None
        # Show the outbox as it is now: offline, sync_now retries with backoff for seconds.
        self.post_message(SyncStateChanged(services.sync.state()))
        try:
            services.sync.now()
        finally:
            state = services.sync.state()
            self.post_message(SyncStateChanged(state))
        if state.online:
            self.call_from_thread(self.notify, S.SYNC_DONE, timeout=2)
        else:
            error = state.last_error or S.OFFLINE
            self.call_from_thread(self.notify, S.SYNC_FAILED.format(error=error), timeout=4)

    def _agent_screen(self) -> AgentScreen | None:
        """The agent screen if it was ever opened (a mode's stack; Textual keeps it there)."""
        for stack in self._screen_stacks.values():
            for screen in stack:
                if screen.id == AGENT and getattr(screen, "workspace", None) is not None:
                    return cast("AgentScreen", screen)
        return None

    async def action_quit(self) -> None:
        """Ctrl+Q asks first while contacts are open or parked; their drafts are kept."""
        from loket.tui.screens.confirm_dialog import ConfirmDialog

        agent = self._agent_screen()
        workspace = agent.workspace if agent is not None else None
        count = workspace.open_count if workspace is not None else 0
        if agent is None or count == 0:
            self.exit()
            return
        if isinstance(self.screen, ConfirmDialog):
            return
        if agent.is_current:
            await agent.take_screen()

        def answer(yes: bool | None) -> None:
            if yes:
                agent.save_draft()
                self.exit()

        self.push_screen(ConfirmDialog(S.QUIT_TITLE, S.QUIT_QUESTION.format(n=count)), answer)

    def _on_notify(self, event: Notify) -> None:
        """At most MAX_NOTICES toasts at once, newest kept: at 80x24 a stack of notices
        would cover the notes pad. An older error or warning outlives newer information."""
        notices = [*self._notifications, event.notification]
        while len(notices) > MAX_NOTICES:
            info = [n for n in notices[:-1] if n.severity == "information"]
            oldest = info[0] if info else notices[0]
            notices.remove(oldest)
            self._unnotify(oldest, refresh=False)
        super()._on_notify(event)

    def on_unmount(self) -> None:
        services = self.services
        if services is None:
            return
        services.live.off_event(self._live_event)
        services.sync.stop()
        if self._owns_services:
            services.close()
