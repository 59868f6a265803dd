"""Supervisor: tasks per team (open, in progress, handed back, overdue, due today) and the
day's figures (contacts, first-contact resolution, mean handling time, routed)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from loket.domain.models import OUTCOME_ROUTED, RESOLVED_OUTCOMES, utcnow
from loket.tui import strings as S
from loket.tui.formatting import format_duration, local
from loket.tui.messages import TasksLoaded
from loket.tui.widgets.status_line import StatusLine


def queue_rows(tasks: list[Any], now: datetime) -> list[tuple[str, Counter[str]]]:
    """Per team: counts of open / claimed / returned / overdue / due today (not done)."""
    today = local(now).date()
    per_team: dict[str, Counter[str]] = {}
    for task in tasks:
        status = str(task.status)
        if status == "done":
            continue
        counts = per_team.setdefault(task.team, Counter())
        counts[
            "claimed" if status == "claimed" else "returned" if status == "returned" else "open"
        ] += 1
        if task.due_at is not None:
            if task.due_at <= now:
                counts["overdue"] += 1
            elif local(task.due_at).date() == today:
                counts["today"] += 1
    return sorted(per_team.items(), key=lambda item: (-item[1]["overdue"], item[0]))


def today_figures(contacts: list[Any], now: datetime) -> dict[str, str]:
    """Figures of the contacts started today (local time)."""
    today = local(now).date()
    todays = [c for c in contacts if local(c.started_at).date() == today]
    closed = [c for c in todays if c.ended_at is not None]
    resolved = [
        c
        for c in closed
        if c.questions and all(q.outcome in RESOLVED_OUTCOMES for q in c.questions)
    ]
    routed = sum(1 for c in todays for q in c.questions if q.outcome == OUTCOME_ROUTED)
    fcr = f"{100 * len(resolved) / len(closed):.0f}%" if closed else "–"
    aht = (
        format_duration(sum(c.handling_seconds() for c in closed) / len(closed)) if closed else "–"
    )
    return {"contacts": str(len(todays)), "fcr": fcr, "aht": aht, "routed": str(routed)}


class QueueScreen(Screen[None]):
    """Live queues per team, refreshed when sync brings news."""

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
        self.contacts: list[Any] = []

    def compose(self) -> ComposeResult:
        yield StatusLine()
        yield Static(S.QUEUE_TITLE, id="queue-title")
        table: DataTable[Text] = DataTable(id="queues", cursor_type="row", zebra_stripes=True)
        table.add_column(S.COL_TEAM, width=24)
        for label in (S.QUEUE_OPEN, S.QUEUE_CLAIMED, S.QUEUE_RETURNED, S.QUEUE_OVERDUE):
            table.add_column(label, width=10)
        table.add_column(S.QUEUE_DUE_TODAY, width=8)
        yield table
        yield Static(S.TODAY_TITLE, id="today-title")
        yield Static("", id="today")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.app.when_ready(lambda services: self.action_refresh())  # type: ignore[attr-defined]

    def on_screen_resume(self) -> None:
        services = self.app.services  # type: ignore[attr-defined]
        if services is not None:
            self.query_one(StatusLine).set_user(services.user.name, services.user.role)
            self.action_refresh()
        self.query_one(StatusLine).set_sync(self.app.sync_state)  # type: ignore[attr-defined]

    def sync_changed(self, state: Any) -> None:
        self.action_refresh()

    @work(thread=True, exclusive=True, group="queue", exit_on_error=False)
    def action_refresh(self) -> None:
        services = self.app.wait_services()  # type: ignore[attr-defined]
        if services is None:
            return
        self.contacts = services.recent_contacts(limit=2000)
        self.post_message(TasksLoaded(services.tasks(), []))

    def on_tasks_loaded(self, message: TasksLoaded) -> None:
        now = utcnow()
        services = self.app.services  # type: ignore[attr-defined]
        table = self.query_one("#queues", DataTable)
        table.clear()
        for team_id, counts in queue_rows(message.tasks, now):
            team = services.routing.get_team(team_id) if services else None
            overdue = counts["overdue"]
            table.add_row(
                Text(team.name if team else team_id, overflow="ellipsis", no_wrap=True),
                Text(str(counts["open"])),
                Text(str(counts["claimed"])),
                Text(str(counts["returned"])),
                Text(str(overdue), style="bold red" if overdue else ""),
                Text(str(counts["today"])),
                key=team_id,
            )
        figures = today_figures(self.contacts, now)
        self.query_one("#today", Static).update(S.TODAY_FIGURES.format(**figures))
