"""A one-line bar of the contact's questions: `Vraag 1 │ ▶Vraag 2◀`; ←/→ when focused."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widget import Widget

from loket.tui import strings as S
from loket.tui.messages import QuestionSelected


class QuestionBar(Widget, can_focus=True):
    """Shows which question of the contact is on screen; posts QuestionSelected."""

    DEFAULT_CSS = """
    QuestionBar { height: 1; margin-top: 1; }
    QuestionBar:focus { background-tint: $foreground 8%; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "step(-1)", S.KEY_PREV_QUESTION, show=False),
        Binding("right", "step(1)", S.KEY_NEXT_QUESTION, show=False),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.count = 1
        self.active = 0

    def set(self, count: int, active: int) -> None:
        self.count, self.active = max(1, count), active
        self.refresh()

    def render(self) -> Text:
        text = Text()
        for i in range(self.count):
            if i:
                text.append(" │ ", style="dim")
            label = S.QUESTION_TAB.format(n=i + 1)
            if i == self.active:
                text.append(f"▶{label}", style="bold reverse")
            else:
                text.append(label)
        return text

    def action_step(self, step: int) -> None:
        target = self.active + step
        if 0 <= target < self.count:
            self.post_message(QuestionSelected(target))
