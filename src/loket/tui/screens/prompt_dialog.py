"""A small modal that asks one thing (a note, a resolution, a team) and returns it."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select


class PromptDialog(ModalScreen[dict[str, str] | None]):
    """Asks for a text (and optionally a choice); Enter confirms, Esc cancels."""

    DEFAULT_CSS = """
    PromptDialog { align: center middle; }
    PromptDialog > Vertical {
        width: 64; max-width: 100%; height: auto; border: round $accent;
        background: $surface; padding: 0 1;
    }
    PromptDialog Label { margin-top: 1; }
    /* The field shows where it is, also in the 16-colour theme (as in the route dialog). */
    PromptDialog Input { background: $panel; }
    PromptDialog Input:focus { background: $primary 25%; }
    PromptDialog Input:ansi { background: ansi_bright_black; color: ansi_bright_white; }
    PromptDialog Input:ansi:focus { background: ansi_blue; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", show=False)]

    def __init__(
        self,
        title: str,
        question: str,
        choices: list[tuple[str, str]] | None = None,
        choice_label: str = "",
    ) -> None:
        super().__init__()
        self.title_text = title
        self.question = question
        self.choices = choices
        self.choice_label = choice_label

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self.title_text
            if self.choices is not None:
                yield Label(self.choice_label)
                yield Select(self.choices, id="prompt-choice", compact=True)
            yield Label(self.question)
            yield Input(id="prompt-text", compact=True)

    def on_mount(self) -> None:
        self.query_one("#prompt-choice" if self.choices else "#prompt-text").focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        result = {"text": event.value.strip()}
        if self.choices is not None:
            value = self.query_one("#prompt-choice", Select).value
            result["choice"] = "" if value is Select.NULL else str(value)
        self.dismiss(result)

    def on_select_changed(self, event: Select.Changed) -> None:
        self.query_one("#prompt-text").focus()

    def action_cancel(self) -> None:
        self.dismiss(None)
