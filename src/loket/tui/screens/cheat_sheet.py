"""`?` / F1: every key of the screen you came from, including those not in the footer."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Static

from loket.tui import strings as S


def key_rows(screen: Screen) -> list[tuple[str, str]]:
    """(keys, description) for every binding with a description, screen's first, no repeats."""
    app = screen.app
    rows: dict[str, list[str]] = {}
    for _key, active in screen.active_bindings.items():
        binding = active.binding
        if not binding.description or not binding.id:
            continue  # loket's own bindings all have an id; Textual's built-ins are left out
        rows.setdefault(binding.description, [])
        display = app.get_key_display(binding)
        if display not in rows[binding.description]:
            rows[binding.description].append(display)
    rows.setdefault(S.KEY_PALETTE, ["^p"])
    return [(", ".join(keys), description) for description, keys in rows.items() if keys]


class CheatSheet(ModalScreen[None]):
    """A table of keys; Esc, F1 or ? closes it."""

    DEFAULT_CSS = """
    CheatSheet { align: center middle; }
    CheatSheet > Vertical {
        width: 60; max-width: 100%; height: auto; max-height: 22;
        border: round $accent; background: $surface;
    }
    /* 18: the footer's two lines still fit at 80x24 */
    CheatSheet DataTable { height: auto; max-height: 18; }
    CheatSheet #help-footer { color: $text-muted; height: auto; }
    CheatSheet DataTable.-short { max-height: 12; }
    CheatSheet #help-connection { height: auto; margin-top: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,question_mark", "close", S.KEY_CLOSE, id="help-close", priority=True),
    ]

    def __init__(self, source: Screen) -> None:
        super().__init__(id="cheat-sheet")
        self.rows = key_rows(source)

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = S.HELP_TITLE
            table: DataTable[Text] = DataTable(cursor_type="row", zebra_stripes=True)
            table.add_column(S.HELP_KEY, width=18)
            table.add_column(S.HELP_ACTION)
            for keys, description in self.rows:
                table.add_row(Text(keys, style="bold"), Text(description))
            yield table
            connection = getattr(self.app, "connection_text", "")
            if connection:  # the demo: where its store is and how to open a second console
                table.add_class("-short")  # room for it at 80x24
                yield Static(connection, id="help-connection")
            yield Static(S.HELP_FOOTER, id="help-footer")

    def action_close(self) -> None:
        self.dismiss(None)
