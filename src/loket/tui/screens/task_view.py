"""The whole task on one scrollable page: what the back office needs to work it to the end.

The worklist's detail pane shows a summary; this screen shows everything the task holds:
the resident's question, the article(s) the agent consulted, callback details, intake
answers, the internal note, every callback attempt and the full step log. Read-only:
the actions stay on the worklist, so there is one place that changes a task.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from loket.domain.models import Task, TaskStep
from loket.domain.tasks import CALLBACK_ATTEMPT, LOG_ACTION
from loket.tui import strings as S
from loket.tui.formatting import format_due, local

ATTEMPT_STEP = LOG_ACTION[CALLBACK_ATTEMPT]


def attempt_count(task: Task) -> int:
    """How many callback attempts the task's log holds (shown in the worklist)."""
    return sum(1 for step in task.log if step.action == ATTEMPT_STEP)


class TaskViewScreen(Screen[None]):
    """One task in full; Esc goes back to the worklist."""

    CSS_PATH = "task_view.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", S.KEY_CLOSE, id="task-view-close"),
    ]

    def __init__(self, task: Task, article_title: Callable[[str], str] | None = None) -> None:
        super().__init__(id="task-view")
        self.task_shown = task
        self.article_title = article_title or (lambda product: product)

    def compose(self) -> ComposeResult:
        subject = self.task_shown.subject or S.NO_SUBJECT
        yield Static(S.TASK_VIEW_TITLE.format(subject=subject), id="task-view-title")
        with VerticalScroll(id="task-view-body"):
            yield Static(task_view_text(self.task_shown, self.article_title), id="task-view-text")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#task-view-body").focus()

    def action_close(self) -> None:
        self.dismiss(None)


def task_view_text(task: Task, article_title: Callable[[str], str]) -> Text:
    """Every part of the task as sections; the log in full, oldest first."""
    text = Text()

    def heading(label: str) -> None:
        if text.plain:
            text.append("\n\n")
        text.append(label, style="bold underline")
        text.append("\n")

    status = S.TASK_STATUS.get(str(task.status), str(task.status))
    text.append(
        S.TASK_VIEW_STATE.format(status=status, team=task.team, due=format_due(task.due_at))
    )
    if task.assignee:
        text.append(f"\n{S.COL_ASSIGNEE}: {task.assignee}")
    heading(S.TASK_VIEW_QUESTION)
    text.append(task.subject or S.NO_SUBJECT)
    heading(S.TASK_VIEW_ARTICLES)
    text.append(article_title(task.product) if task.product else S.TASK_VIEW_NONE)
    heading(S.TASK_VIEW_CALLBACK)
    callback = task.callback
    parts = [p for p in (callback.name, callback.phone, callback.email) if p]
    if callback.preferred_time:
        parts.append(f"({callback.preferred_time})")
    text.append(" ".join(parts) or S.TASK_VIEW_NONE)
    heading(S.TASK_INTAKE)
    text.append("\n".join(f"{q} {a}" for q, a in task.intake.items()) or S.TASK_VIEW_NONE)
    heading(S.TASK_NOTE)
    text.append(task.internal_note or S.TASK_VIEW_NONE)
    attempts = [step for step in task.log if step.action == ATTEMPT_STEP]
    heading(S.TASK_VIEW_ATTEMPTS.format(n=len(attempts)))
    text.append("\n".join(_attempt_line(step) for step in attempts) or S.TASK_VIEW_NONE)
    if task.resolution:
        heading(S.TASK_VIEW_RESOLUTION)
        text.append(task.resolution)
    heading(S.TASK_LOG)
    text.append("\n".join(_step_line(step) for step in task.log) or S.TASK_VIEW_NONE)
    return text


def _attempt_line(step: TaskStep) -> str:
    result = S.CALLBACK_REACHED if step.reached else S.CALLBACK_NOT_REACHED
    note = f": {step.note}" if step.note else ""
    return f"{local(step.at):%d-%m %H:%M} {step.by} {result}{note}"


def _step_line(step: TaskStep) -> str:
    action = S.TASK_LOG_ACTION.get(step.action, step.action)
    if step.action == ATTEMPT_STEP:
        action += " " + (S.CALLBACK_REACHED if step.reached else S.CALLBACK_NOT_REACHED)
    note = f": {step.note}" if step.note else ""
    return f"{local(step.at):%d-%m %H:%M} {step.by} {action}{note}"
