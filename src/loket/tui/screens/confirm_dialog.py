"""Asks yes or no before something that cannot be undone (discard a contact, quit)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from loket.tui import strings as S


class ConfirmDialog(ModalScreen[bool]):
    """J or Enter confirms, N or Esc cancels; returns True when confirmed."""

    DEFAULT_CSS = """
    ConfirmDialog { align: center middle; }
    ConfirmDialog > Vertical {
        width: 60; max-width: 100%; height: auto; border: round $warning;
        background: $surface; padding: 0 1;
    }
    ConfirmDialog #confirm-keys { color: $text-muted; margin-top: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,y,enter", "answer(True)", S.KEY_YES, id="confirm-yes", priority=True),
        Binding("n,escape", "answer(False)", S.KEY_NO, id="confirm-no", priority=True),
    ]

    def __init__(self, title: str, question: str) -> None:
        super().__init__(id="confirm-dialog")
        self.title_text = title
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self.title_text
            yield Static(self.question, id="confirm-question")
            yield Static(S.CONFIRM_KEYS, id="confirm-keys")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
