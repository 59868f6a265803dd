"""Back office: the tasks of my teams with the SLA clock; claim, resolve, hand back, forward.
The front office sees what it routed ("door mij doorgezet"), handed-back tasks on top.
Keys 1-7 switch between the views of `loket.domain.worklist`, each with its count.

Actions go through `services.tasks`, one typed call each (applied locally at once, synced
later); only the actions `allowed_actions` permits for the selected task are offered. A
conflict (someone else changed the task first) is shown in a banner until the user picks
a side.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import events, getters, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static
from textual.widgets.data_table import ColumnKey

from loket.domain import tasks as actions
from loket.domain.errors import DomainError
from loket.domain.models import TaskStatus
from loket.domain.tasks import allowed_actions
from loket.domain.worklist import View, Viewer, counts, select, views_for
from loket.tui import field_errors
from loket.tui import strings as S
from loket.tui.app import LoketApp
from loket.tui.formatting import format_due, local, urgency_of
from loket.tui.messages import TasksLoaded
from loket.tui.screens.task_view import TaskViewScreen, attempt_count
from loket.tui.widgets.status_line import StatusLine

if TYPE_CHECKING:
    from loket.domain.models import Task
    from loket.services import Conflict, SyncState, TaskService

STATUS_NL = S.TASK_STATUS
LEVEL_STYLE = {"ok": "", "amber": "bold yellow", "red": "bold red"}
# binding action -> domain action
TASK_ACTIONS = {
    "claim": actions.CLAIM,
    "unclaim": actions.UNCLAIM,
    "resolve_task": actions.RESOLVE,
    "hand_back": actions.RETURN,
    "forward": actions.FORWARD,
    "note": actions.NOTE,
    "callback_attempt": actions.CALLBACK_ATTEMPT,
}


class WorklistScreen(Screen[None]):
    """Tasks routed to my teams, most urgent first."""

    app = getters.app(LoketApp)
    CSS_PATH = "worklist.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "claim", S.KEY_CLAIM, id="task-claim"),
        Binding("r", "resolve_task", S.KEY_TASK_RESOLVE, id="task-resolve"),
        Binding("h", "hand_back", S.KEY_RETURN, id="task-return"),
        Binding("d", "forward", S.KEY_FORWARD, id="task-forward"),
        Binding("n", "note", S.KEY_NOTE, id="task-note"),
        Binding("p", "callback_attempt", S.KEY_CALLBACK_ATTEMPT, id="task-callback-attempt"),
        Binding("v", "view_task", S.KEY_TASK_VIEW, id="task-view", show=False),  # and Enter
        Binding("u", "unclaim", S.KEY_UNCLAIM, id="task-unclaim", show=False),
        Binding("g", "refresh", S.KEY_REFRESH, id="task-refresh", show=False),
        Binding("b", "show_bsn", S.KEY_SHOW_BSN, id="task-show-bsn", show=False),
        Binding("t", "conflict('theirs')", S.KEY_THEIRS, id="conflict-theirs", show=False),
        Binding("o", "conflict('retry')", S.KEY_RETRY, id="conflict-retry", show=False),
        Binding("1", "show_view(0)", S.KEY_VIEWS, key_display="1-6", id="view-1"),
        *(Binding(str(n), f"show_view({n - 1})", show=False, id=f"view-{n}") for n in range(2, 8)),
    ]

    def __init__(self) -> None:
        super().__init__(id="worklist")
        self.tasks: dict[str, Task] = {}  # the tasks the current view shows
        self.loaded: list[Task] = []  # every task the views choose from
        self.conflicts: list[Conflict] = []
        self.view: View | None = None  # None: the first of the user's views

    def compose(self) -> ComposeResult:
        yield StatusLine()
        yield Static("", id="worklist-title")
        yield Static("", id="worklist-views")
        yield Static("", id="conflicts")
        table: DataTable[Text] = DataTable(id="tasks", cursor_type="row", zebra_stripes=True)
        for key, label, width in COLUMNS:
            table.add_column(label, width=width, key=key)
        yield table
        yield Static(S.TASK_DETAIL_EMPTY, id="task-detail")
        yield Footer(compact=True, show_command_palette=False)

    def on_resize(self, event: events.Resize) -> None:
        """The team and subject columns take what a wider terminal gives (at 80 columns
        the subject gets the rest of the line, at 120 the team name fits as well)."""
        table = self.query_one("#tasks", DataTable)
        team, subject = column_widths(event.size.width)
        for key, width in (("team", team), ("subject", subject)):
            column = table.columns[ColumnKey(key)]
            column.width, column.auto_width = width, False
        table.refresh(layout=True)

    def on_mount(self) -> None:
        self.query_one("#tasks").focus()
        self.app.when_ready(lambda services: self.refresh_tasks())

    def on_screen_resume(self) -> None:
        services = self.app.services
        status = self.query_one(StatusLine)
        if services is not None:
            status.set_user(services.user.name, services.user.role)
            self.refresh_tasks()
        status.set_sync(self.app.sync_state)

    def sync_changed(self, state: SyncState) -> None:
        """The app calls this when sync state changes: pulled tasks may have arrived."""
        self.refresh_tasks()

    def refresh_tasks(self) -> None:
        self._load_tasks()

    def action_refresh(self) -> None:
        self.refresh_tasks()

    @work(thread=True, exclusive=True, group="worklist", exit_on_error=False)
    def _load_tasks(self) -> None:
        services = self.app.wait_services()
        if services is None:
            return
        front_office = services.user.role == "agent"
        tasks = services.tasks.front_office() if front_office else services.tasks.worklist()
        self.post_message(TasksLoaded(tasks, services.tasks.conflicts()))

    def on_tasks_loaded(self, message: TasksLoaded) -> None:
        self.loaded = list(message.tasks)
        self.conflicts = message.conflicts
        self._show_view()

    def action_show_view(self, index: int) -> None:
        services = self.app.services
        views = views_for(services.user.role) if services else ()
        if index < len(views):
            self.view = views[index]
            self._show_view()

    def _show_view(self) -> None:
        services = self.app.services
        if services is None:
            return
        role = services.user.role
        views = views_for(role)
        view = self.view if self.view in views else views[0]
        title = (
            S.WORKLIST_ROUTED_TITLE
            if role == "agent"
            else S.WORKLIST_TITLE.format(teams=", ".join(services.user.teams))
        )
        self.query_one("#worklist-title", Static).update(title)
        calendar = services.reference.calendar
        now = self.app.clock()
        viewer = Viewer(services.user.name, now, calendar)
        self.query_one("#worklist-views", Static).update(
            view_tabs(views, view, counts(self.loaded, views, viewer))
        )
        table = self.query_one("#tasks", DataTable)
        selected = self.selected_id()
        tasks = select(self.loaded, view, viewer)
        self.tasks = {t.id: t for t in tasks}
        table.clear()
        for task in tasks:
            level, label = urgency_of(task.due_at, now, calendar)
            if task.status == TaskStatus.DONE:  # no clock runs on finished work
                level, label = "ok", "–"
            table.add_row(
                Text(format_due(task.due_at)),
                Text(label, style=LEVEL_STYLE.get(level, "")),
                Text(STATUS_NL.get(str(task.status), str(task.status))),
                Text(task.team),
                Text(str(attempt_count(task) or ""), justify="right"),
                Text(task.subject or S.NO_SUBJECT),
                key=task.id,
            )
        if selected in self.tasks:
            table.move_cursor(row=table.get_row_index(selected))
        self._show_conflicts()
        self._show_detail()
        self.refresh_bindings()

    def _show_conflicts(self) -> None:
        banner = self.query_one("#conflicts", Static)
        banner.set_class(bool(self.conflicts), "-shown")
        if self.conflicts:
            lines = [S.CONFLICTS_BANNER.format(n=len(self.conflicts))]
            lines += [f"  {c.current.subject or c.task_id}: {c.message}" for c in self.conflicts]
            banner.update(Text("\n".join(lines)))

    def selected_id(self) -> str | None:
        table = self.query_one("#tasks", DataTable)
        if not table.row_count:
            return None
        try:
            return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        except Exception:  # no row under the cursor
            return None

    def selected(self) -> Task | None:
        task_id = self.selected_id()
        return self.tasks.get(task_id) if task_id else None

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()
        self.refresh_bindings()

    def _show_detail(self) -> None:
        detail = self.query_one("#task-detail", Static)
        task = self.selected()
        if task is None:
            detail.update(S.WORKLIST_EMPTY if not self.tasks else S.TASK_DETAIL_EMPTY)
            return
        detail.update(task_detail(task))

    # -- actions ---------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in TASK_ACTIONS:
            task = self.selected()
            services = self.app.services
            if task is None or services is None:
                return None  # shown greyed out
            actor = services.user.name
            return True if TASK_ACTIONS[action] in allowed_actions(task, actor) else None
        if action == "view_task":
            return self.selected() is not None or None
        if action == "conflict":
            return bool(self.conflicts) or None
        return True

    def action_claim(self) -> None:
        self._act(lambda tasks, task_id: tasks.claim(task_id))

    def action_unclaim(self) -> None:
        self._act(lambda tasks, task_id: tasks.unclaim(task_id))

    def action_resolve_task(self) -> None:
        self._ask(S.KEY_TASK_RESOLVE, S.ASK_RESOLUTION, lambda t, i, text: t.resolve(i, text))

    def action_hand_back(self) -> None:
        self._ask(S.KEY_RETURN, S.ASK_RETURN, lambda t, i, text: t.return_to_front_office(i, text))

    def action_note(self) -> None:
        self._ask(S.KEY_NOTE, S.ASK_NOTE, lambda t, i, text: t.note(i, text))

    def action_callback_attempt(self) -> None:
        """Reached or not, with an optional note; the count column and the log show it."""
        from loket.tui.screens.prompt_dialog import PromptDialog

        choices = [(S.CALLBACK_REACHED, "yes"), (S.CALLBACK_NOT_REACHED, "no")]

        def done(result: dict[str, str] | None) -> None:
            if result is not None:
                reached = {"yes": True, "no": False}.get(result.get("choice", ""))
                note = result["text"]
                self._act(lambda tasks, i: tasks.callback_attempt(i, reached=reached, note=note))

        dialog = PromptDialog(
            S.KEY_CALLBACK_ATTEMPT, S.ASK_CALLBACK_NOTE, choices, S.ASK_CALLBACK_RESULT
        )
        self.app.push_screen(dialog, done)

    def action_view_task(self) -> None:
        task = self.selected()
        if task is None:
            self.notify(S.NO_TASK_SELECTED)
            return
        self.app.push_screen(TaskViewScreen(task, self._article_title))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_view_task()

    def _article_title(self, product: str) -> str:
        services = self.app.services
        article = services.reference.kb.get(product) if services is not None else None
        return f"{article.title} ({product})" if article else product

    def action_show_bsn(self) -> None:
        """The resident's full BSN from the central store, with a reason it records; shown
        in a notification only, never kept on this console."""
        from loket.tui.screens.prompt_dialog import PromptDialog

        task = self.selected()
        if task is None:
            self.notify(S.NO_TASK_SELECTED)
            return

        def done(result: dict[str, str] | None) -> None:
            if result is not None:
                self._fetch_bsn(task.contact_id, result["text"])

        self.app.push_screen(PromptDialog(S.KEY_SHOW_BSN, S.ASK_BSN_REASON), done)

    @work(thread=True, exclusive=True, group="show-bsn", exit_on_error=False)
    def _fetch_bsn(self, contact_id: str, reason: str) -> None:
        from loket.services import SyncError

        services = self.app.wait_services()
        if services is None:
            return
        try:
            bsn = services.contacts.show_bsn(contact_id, reason)
        except SyncError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error", timeout=6)
            return
        self.app.call_from_thread(self.notify, S.BSN_SHOWN.format(bsn=bsn), timeout=20)

    def action_forward(self) -> None:
        from loket.tui.screens.prompt_dialog import PromptDialog

        services = self.app.services
        if services is None:
            self.notify(S.NOT_READY)
            return
        teams = [(t.name, t.id) for t in services.reference.routing.teams()]

        def done(result: dict[str, str] | None) -> None:
            if result is not None:
                team, note = result.get("choice", ""), result["text"]
                self._act(lambda tasks, task_id: tasks.forward(task_id, team, note))

        dialog = PromptDialog(S.KEY_FORWARD, S.ASK_FORWARD_NOTE, teams, S.ASK_FORWARD_TEAM)
        self.app.push_screen(dialog, done)

    def _ask(
        self, title: str, question: str, perform: Callable[[TaskService, str, str], Task]
    ) -> None:
        from loket.tui.screens.prompt_dialog import PromptDialog

        def done(result: dict[str, str] | None) -> None:
            if result is not None:
                text = result["text"]
                self._act(lambda tasks, task_id: perform(tasks, task_id, text))

        self.app.push_screen(PromptDialog(title, question), done)

    def _act(self, perform: Callable[[TaskService, str], Task]) -> None:
        task = self.selected()
        services = self.app.services
        if task is None or services is None:
            self.notify(S.NO_TASK_SELECTED)
            return
        try:
            updated = perform(services.tasks, task.id)
        except DomainError as error:
            message = "; ".join(msg for _, _, msg in field_errors.describe(error))
            self.notify(message, severity="error", timeout=6)
            return
        status = STATUS_NL.get(str(updated.status), str(updated.status))
        self.notify(S.TASK_DONE.format(status=status), timeout=3)
        self.refresh_tasks()

    def action_conflict(self, keep: str) -> None:
        services = self.app.services
        if not self.conflicts or services is None:
            return
        conflict = self.conflicts[0]
        try:
            services.tasks.resolve_conflict(conflict.task_id, keep)
        except DomainError as error:
            self.notify(str(error), severity="error")
            return
        self.notify(S.CONFLICT_KEPT if keep == "theirs" else S.CONFLICT_RETRY, timeout=3)
        self.refresh_tasks()


COLUMNS: tuple[tuple[str, str, int | None], ...] = (
    ("due", S.COL_DUE, 14),  # "do 26-11 17:00"
    ("urgency", S.COL_URGENCY, 11),  # "2d verlopen"
    ("status", S.COL_STATUS, 14),  # "in behandeling"
    ("team", S.COL_TEAM, 9),
    ("attempts", S.COL_ATTEMPTS, 3),
    ("subject", S.COL_SUBJECT, None),
)
TEAM_WIDTHS = (9, 16)  # at 80 columns, and from 100 on ("openbare-ruimte")


def column_widths(screen_width: int) -> tuple[int, int]:
    """(team, subject) widths for a screen this wide: every column has one cell of
    padding on each side, and the table keeps 2 for its scrollbar."""
    team = TEAM_WIDTHS[1] if screen_width >= 100 else TEAM_WIDTHS[0]
    fixed = sum(width or 0 for key, _, width in COLUMNS if key not in ("team", "subject"))
    subject = screen_width - fixed - team - 2 * len(COLUMNS) - 2
    return team, max(12, subject)


def view_tabs(views: tuple[View, ...], current: View, found: dict[View, int]) -> Text:
    """ "1 Team 12  2 Mijn 3 ...": the key, the name and the count of every view."""
    line = Text()
    for n, view in enumerate(views, start=1):
        label = f" {n} {S.WORKLIST_VIEWS[view]} {found[view]} "
        line.append(label, style="reverse bold" if view == current else "")
    return line


def task_detail(task: Task) -> Text:
    """Subject, the answer to the resident (once resolved), intake answers, internal
    note, callback and the last log step (a hand-back's reason)."""
    text = Text()
    text.append(task.subject or S.NO_SUBJECT, style="bold")
    if task.assignee:
        text.append(f"  ({S.COL_ASSIGNEE.lower()}: {task.assignee})", style="dim")
    if task.resolution:
        text.append(f"\n{S.TASK_RESOLUTION}: ", style="bold")
        text.append(task.resolution)
    if task.intake:
        text.append(f"\n{S.TASK_INTAKE}: ", style="bold")
        text.append(" · ".join(f"{q} {a}" for q, a in task.intake.items()))
    if task.internal_note:
        text.append(f"\n{S.TASK_NOTE}: ", style="bold")
        text.append(task.internal_note)
    callback = task.callback
    who = " ".join(p for p in (callback.name, callback.phone, callback.email) if p)
    if who:
        text.append("\n" + S.TASK_CALLBACK.format(who=who))
        if callback.preferred_time:
            text.append(f" ({callback.preferred_time})")
    if task.log:
        step = task.log[-1]
        text.append(f"\n{S.TASK_LOG}: ", style="bold")
        action = S.TASK_LOG_ACTION.get(step.action, step.action)
        text.append(f"{local(step.at):%d-%m %H:%M} {step.by} {action} {step.note}")
    return text
