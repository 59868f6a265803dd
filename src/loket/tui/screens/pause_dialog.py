"""The agent goes on a pause: a reason picked with one digit (or the arrows and Enter)."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from loket.tui import strings as S


class PauseDialog(ModalScreen[str | None]):
    """Returns the chosen reason, or None when Esc cancels."""

    DEFAULT_CSS = """
    PauseDialog { align: center middle; }
    PauseDialog > Vertical {
        width: 44; max-width: 100%; height: auto; border: round $accent;
        background: $surface; padding: 0 1;
    }
    PauseDialog OptionList { height: auto; max-height: 12; border: none; }
    PauseDialog #pause-keys { color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", S.KEY_CANCEL, id="pause-cancel", priority=True),
        *(
            Binding(str(n), f"choose({n - 1})", show=False, id=f"pause-{n}")
            for n in range(1, len(S.PAUSE_REASONS) + 1)
        ),
    ]

    def __init__(self) -> None:
        super().__init__(id="pause-dialog")

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = S.PAUSE_TITLE
            options = [
                Option(f"{n}  {reason}", id=str(n - 1))
                for n, reason in enumerate(S.PAUSE_REASONS, start=1)
            ]
            yield OptionList(*options, id="pause-reasons")
            yield Static(S.PAUSE_KEYS, id="pause-keys")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.action_choose(int(event.option.id or 0))

    def action_choose(self, index: int) -> None:
        self.dismiss(S.PAUSE_REASONS[index])

    def action_cancel(self) -> None:
        self.dismiss(None)
