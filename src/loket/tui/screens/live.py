"""Supervisor: the live view. Per queue (phone and counter) waiting now, longest wait,
answered and abandoned today, service level against the queue's target and ASA; agents
with their state and its duration, contacts today and mean handling time; back-office
stock per team (open, under 4 working hours left, overdue); today's FCR and handling
time per channel.

Every figure comes from the central store (`GET /live`, `GET /live/office`), re-read
within a fraction of a second of an event on its stream (`loket.live_view.LiveFeed`),
never from this console's own copy. Cells are updated in place, so nothing flickers;
breaches are bold red, nearly-breaches yellow (both exist in 16 colours).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import getters, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from loket.domain.models import from_iso
from loket.live_view import Row, agent_table, channel_figures, queue_table, team_table
from loket.tui import strings as S
from loket.tui.app import LoketApp
from loket.tui.formatting import local
from loket.tui.messages import LiveFailed, LiveFigures
from loket.tui.widgets.status_line import StatusLine

if TYPE_CHECKING:
    from loket.live_view import LiveFeed, LiveSnapshot

STYLES = {"": "", "warn": "yellow", "breach": "bold red"}
QUEUE_COLUMNS = (
    (S.COL_QUEUE, 22),
    (S.COL_WAITING, 5),
    (S.COL_LONGEST, 6),
    (S.COL_ANSWERED, 6),
    (S.COL_ABANDONED, 5),
    (S.COL_SL, 9),
    (S.COL_ASA, 5),
)
AGENT_COLUMNS = (
    (S.COL_AGENT, 10),
    (S.COL_STATE, 13),
    (S.COL_FOR, 5),
    (S.COL_CONTACTS, 5),
    (S.COL_AHT, 5),
)
TEAM_COLUMNS = ((S.COL_TEAM, 11), (S.COL_OPEN, 4), (S.COL_DUE_SOON, 3), (S.COL_OVERDUE, 4))


def _cells(row: Row) -> list[Text]:
    style = STYLES[row.level]
    return [Text(cell, style=style, overflow="ellipsis", no_wrap=True) for cell in row.cells]


class LiveScreen(Screen[None]):
    """The supervisor's live view, following the central store's events."""

    app = getters.app(LoketApp)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("g", "refresh", S.KEY_REFRESH, id="live-refresh"),
        Binding("alt+s", "app.switch_mode('queue')", S.KEY_QUEUE, id="live-queue"),
    ]
    CSS_PATH = "live.tcss"

    def __init__(self) -> None:
        super().__init__(id="live")
        self.feed: LiveFeed | None = None
        self.shown: dict[str, list[Row]] = {}
        self.snapshot: LiveSnapshot | None = None

    def compose(self) -> ComposeResult:
        yield StatusLine()
        yield Static(S.LIVE_CONNECTING, id="live-title")
        yield self._table("live-queues", QUEUE_COLUMNS)
        with Horizontal(id="live-lower"):
            yield self._table("live-agents", AGENT_COLUMNS)
            yield self._table("live-teams", TEAM_COLUMNS)
        yield Static("", id="live-today")
        yield Footer(compact=True, show_command_palette=False)

    @staticmethod
    def _table(table_id: str, columns: tuple[tuple[str, int], ...]) -> DataTable[Text]:
        table: DataTable[Text] = DataTable(id=table_id, cursor_type="none", show_cursor=False)
        for label, width in columns:
            table.add_column(label, width=width, key=label)
        return table

    def on_mount(self) -> None:
        self._follow()

    def on_screen_resume(self) -> None:
        services = self.app.services
        if services is not None:
            self.query_one(StatusLine).set_user(services.user.name, services.user.role)
        self.query_one(StatusLine).set_sync(self.app.sync_state)

    def on_unmount(self) -> None:
        if self.feed is not None:
            self.feed.close()

    def action_refresh(self) -> None:
        if self.feed is not None:
            self.feed.office_stale.set()
            self.feed.stale.set()

    @work(thread=True, exclusive=True, group="live", exit_on_error=False)
    def _follow(self) -> None:
        from loket.services import SyncError

        services = self.app.wait_services()
        if services is None:
            return
        if not services.live.available:
            self.post_message(LiveFailed(S.LIVE_NO_SERVER))
            return
        feed = self.feed = services.live.feed()
        while not feed.stop.is_set():
            try:
                for snapshot in feed.snapshots():
                    self.post_message(LiveFigures(snapshot))
            except SyncError as exc:
                self.post_message(LiveFailed(S.LIVE_FAILED.format(error=exc)))
                feed.stop.wait(2.0)

    def on_live_failed(self, message: LiveFailed) -> None:
        self.query_one("#live-title", Static).update(Text(message.error, style="bold red"))

    def on_live_figures(self, message: LiveFigures) -> None:
        snapshot = self.snapshot = message.snapshot
        live, office = snapshot.live, snapshot.office
        moment = from_iso(live.get("at"))
        at = local(moment).strftime("%H:%M:%S") if moment else ""
        self.query_one("#live-title", Static).update(S.LIVE_TITLE.format(time=at))
        self._fill("live-queues", queue_table(live))
        self._fill("live-agents", agent_table(live, office, S.AGENT_STATE_LABELS))
        self._fill("live-teams", team_table(office, self._team_names(office)))
        self.query_one("#live-today", Static).update(self._today(office))

    def _team_names(self, office: dict[str, Any] | None) -> dict[str, str]:
        services = self.app.services
        names = {}
        for t in (office or {}).get("teams", []):
            team = services.reference.routing.get_team(t["team"]) if services else None
            names[t["team"]] = team.name if team else t["team"]
        return names

    @staticmethod
    def _today(office: dict[str, Any] | None) -> str:
        rows = channel_figures(office)
        if not rows:
            return ""
        _, contacts, fcr, aht = rows[0]
        line = S.LIVE_TODAY.format(contacts=contacts, fcr=fcr, aht=aht)
        channels = " │ ".join(
            S.LIVE_CHANNEL.format(channel=c, contacts=n, fcr=f, aht=a) for c, n, f, a in rows[1:]
        )
        return f"{line}\n{channels}"

    def _fill(self, table_id: str, rows: list[Row]) -> None:
        """Update the table in place: changed cells only; rebuilt only when rows come or go."""
        table = self.query_one(f"#{table_id}", DataTable)
        before = self.shown.get(table_id)
        self.shown[table_id] = rows
        if before is not None and [r.key for r in before] == [r.key for r in rows]:
            for old, new in zip(before, rows, strict=True):
                if old == new:
                    continue
                for key, (was, cell) in zip(
                    table.columns, zip(old.cells, _cells(new), strict=True), strict=True
                ):
                    if was != cell.plain or old.level != new.level:
                        table.update_cell(new.key, key, cell)
            return
        table.clear()
        for row in rows:
            table.add_row(*_cells(row), key=row.key)
