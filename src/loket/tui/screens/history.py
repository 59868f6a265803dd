"""A resident's earlier contacts, each readable in full (read-only) at 80x24.

The list is what the customer lookup found; the detail shows one contact as the lookup
may show it: when, channel, who, every question with its outcome and, for a routed one,
its task as it stands now. An agent's own contact from this console's store also shows
its notes; a colleague's never does (docs/sync-protocol.md: what a lookup shows).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from loket.tui import strings as S
from loket.tui.formatting import local
from loket.tui.widgets.contact_panel import history_row, task_line

if TYPE_CHECKING:
    from loket.domain.models import Contact
    from loket.services import ContactSummary


class HistoryScreen(ModalScreen[None]):
    """↑↓ chooses a contact, its detail shows below; PgUp/PgDn scroll it; Esc closes."""

    DEFAULT_CSS = """
    HistoryScreen { align: center middle; }
    HistoryScreen > Vertical {
        width: 100%; max-width: 100; height: 100%; max-height: 30;
        border: round $accent; background: $surface;
    }
    HistoryScreen #history-list { height: auto; max-height: 8; border: none; }
    HistoryScreen #history-detail-box { height: 1fr; border-top: hkey $primary 40%; }
    HistoryScreen #history-keys { color: $text-muted; height: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", S.KEY_CLOSE, id="history-close", priority=True),
        Binding("pageup", "scroll_detail(-1)", show=False, priority=True),
        Binding("pagedown", "scroll_detail(1)", show=False, priority=True),
    ]

    def __init__(self, items: list[ContactSummary], own: dict[str, Contact]) -> None:
        super().__init__(id="history-screen")
        self.items = items
        self.own = own  # this agent's contacts from its own store, by id

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = S.HISTORY_SCREEN_TITLE.format(n=len(self.items))
            options = [Option(_list_row(item), id=str(i)) for i, item in enumerate(self.items)]
            yield OptionList(*options, id="history-list")
            with VerticalScroll(id="history-detail-box"):
                yield Static("", id="history-detail")
            yield Static(S.HISTORY_SCREEN_KEYS, id="history-keys")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self._show(0)

    @on(OptionList.OptionHighlighted)
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._show(int(event.option.id or 0))

    def _show(self, index: int) -> None:
        if 0 <= index < len(self.items):
            item = self.items[index]
            self.query_one("#history-detail", Static).update(
                contact_detail(item, self.own.get(item.id))
            )
            self.query_one("#history-detail-box", VerticalScroll).scroll_home(animate=False)

    def action_scroll_detail(self, pages: int) -> None:
        box = self.query_one("#history-detail-box", VerticalScroll)
        (box.scroll_page_down if pages > 0 else box.scroll_page_up)(animate=False)

    def action_close(self) -> None:
        self.dismiss(None)


def _list_row(item: ContactSummary) -> str:
    """A history row's first line, led by the reference number the resident may quote."""
    row = history_row(item).splitlines()[0]
    return f"{item.reference} {row}" if item.reference else row


def contact_detail(item: ContactSummary, own: Contact | None) -> Text:
    """The whole earlier contact as far as this agent may see it."""
    text = Text()
    when = local(item.started_at).strftime("%d-%m-%Y %H:%M")
    text.append(S.HISTORY_DETAIL_HEAD.format(when=when, channel=item.channel), style="bold")
    if item.reference:
        text.append("\n" + S.HISTORY_DETAIL_REFERENCE.format(ref=item.reference))
    text.append("\n" + S.HISTORY_DETAIL_AGENT.format(agent=item.agent, source=item.source))
    tasks = {task.id: task for task in item.tasks}
    if own is not None:  # this agent's own contact: every question with its notes
        for n, question in enumerate(own.questions, start=1):
            text.append(f"\n\n{n}. {question.text or S.NO_SUBJECT}", style="bold")
            text.append(f"\n   {S.HISTORY_DETAIL_OUTCOME}: {question.outcome or '–'}")
            if question.notes:
                text.append(f"\n   {S.HISTORY_DETAIL_NOTES}: {question.notes}")
            task = tasks.get(question.task_id or "")
            if task is not None:
                text.append("\n " + task_line(task, full=True))
        return text
    for n, subject in enumerate(item.subjects, start=1):  # a colleague's: no notes
        text.append(f"\n\n{n}. {subject}", style="bold")
    outcomes = ", ".join(item.outcomes) or "–"
    text.append(f"\n\n{S.HISTORY_DETAIL_OUTCOME}: {outcomes}")
    for task in item.tasks:
        text.append("\n" + task_line(task, full=True))
    return text
