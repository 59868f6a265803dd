"""Supervisor: tasks per team (open, in progress, handed back, overdue, nearly due) and the
day's figures (contacts, first-contact resolution, mean handling time, routed).

Every figure comes from `loket.domain.kpi.daily_report`, as on /stats and in `loket report`,
so a supervisor never sees a number that management's report defines differently."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import getters, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from loket.domain.models import OUTCOME_ROUTED, Contact
from loket.tui import strings as S
from loket.tui.app import LoketApp
from loket.tui.formatting import format_duration
from loket.tui.messages import TasksLoaded
from loket.tui.widgets.status_line import StatusLine

if TYPE_CHECKING:
    from loket.domain.kpi import Report
    from loket.services import SyncState


def today_figures(report: Report) -> dict[str, str]:
    """The day's line, from the same KPI functions as /stats and `loket report`."""
    mean = report.handling.mean_seconds
    return {
        "contacts": str(report.contacts),
        "fcr": "–" if report.fcr is None else f"{100 * report.fcr:.0f}%",
        "aht": "–" if mean is None else format_duration(mean),
        "routed": str(report.per_outcome.get(OUTCOME_ROUTED, 0)),
    }


class QueueScreen(Screen[None]):
    """Live queues per team, refreshed when sync brings news."""

    app = getters.app(LoketApp)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("g", "refresh", S.KEY_REFRESH, id="queue-refresh"),
        Binding("alt+w", "app.switch_mode('worklist')", S.KEY_WORKLIST, id="queue-worklist"),
    ]
    DEFAULT_CSS = """
    #queue-title, #today-title { height: 1; text-style: bold; padding: 0 1; }
    #queues { height: 1fr; }
    #today { height: auto; padding: 0 1 1 1; }
    """

    def __init__(self) -> None:
        super().__init__(id="queue")
        self.contacts: list[Contact] = []

    def compose(self) -> ComposeResult:
        yield StatusLine()
        yield Static(S.QUEUE_TITLE, id="queue-title")
        table: DataTable[Text] = DataTable(id="queues", cursor_type="row", zebra_stripes=True)
        table.add_column(S.COL_TEAM, width=24)
        for label in (S.QUEUE_OPEN, S.QUEUE_CLAIMED, S.QUEUE_RETURNED, S.QUEUE_OVERDUE):
            table.add_column(label, width=10)
        table.add_column(S.QUEUE_AT_RISK, width=8)
        yield table
        yield Static(S.TODAY_TITLE, id="today-title")
        yield Static("", id="today")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.app.when_ready(lambda services: self.action_refresh())

    def on_screen_resume(self) -> None:
        services = self.app.services
        if services is not None:
            self.query_one(StatusLine).set_user(services.user.name, services.user.role)
            self.action_refresh()
        self.query_one(StatusLine).set_sync(self.app.sync_state)

    def sync_changed(self, state: SyncState) -> None:
        self.action_refresh()

    @work(thread=True, exclusive=True, group="queue", exit_on_error=False)
    def action_refresh(self) -> None:
        services = self.app.wait_services()
        if services is None:
            return
        self.contacts = services.contacts.recent(limit=2000)
        self.post_message(TasksLoaded(services.tasks.worklist(), []))

    def on_tasks_loaded(self, message: TasksLoaded) -> None:
        from loket.domain.kpi import daily_report

        report = daily_report(self.contacts, message.tasks, self.app.clock())
        services = self.app.services
        table = self.query_one("#queues", DataTable)
        table.clear()
        for queue in report.queues:
            team = services.reference.routing.get_team(queue.team) if services else None
            table.add_row(
                Text(team.name if team else queue.team, overflow="ellipsis", no_wrap=True),
                Text(str(queue.open)),
                Text(str(queue.claimed)),
                Text(str(queue.returned)),
                Text(str(queue.overdue), style="bold red" if queue.overdue else ""),
                Text(str(queue.at_risk), style="yellow" if queue.at_risk else ""),
                key=queue.team,
            )
        self.query_one("#today", Static).update(S.TODAY_FIGURES.format(**today_figures(report)))
