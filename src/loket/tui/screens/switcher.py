"""Switch between open contacts: a counter agent pauses one, a phone agent takes a second line."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual import getters
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from loket.domain.models import Contact
from loket.tui import strings as S
from loket.tui.app import LoketApp
from loket.tui.formatting import format_duration, local


def _row(contact: Contact, state: str, titles: dict[str, str], now: datetime) -> Text:
    """Who and what: customer name (or phone), subject (or first article), channel, time."""
    customer = contact.customer
    who = (customer.name or customer.phone) if customer else ""
    subject = next((q.text for q in contact.questions if q.text), "")
    if not subject:
        first = next((q.products[0] for q in contact.questions if q.products), "")
        subject = titles.get(first, first)
    waited = format_duration((now - contact.started_at).total_seconds())
    return Text(
        S.SWITCHER_ROW.format(
            time=local(contact.started_at).strftime("%H:%M"),
            who=who or S.SWITCHER_ANONYMOUS,
            channel=contact.channel,
            subject=subject or S.NO_SUBJECT,
            state=state,
            waited=waited,
        )
    )


class ContactSwitcher(ModalScreen[str | None]):
    """Returns the id of the contact to open, or None."""

    app = getters.app(LoketApp)
    DEFAULT_CSS = """
    ContactSwitcher { align: center middle; }
    ContactSwitcher > Vertical {
        width: 78; max-width: 100%; height: auto; max-height: 20;
        border: round $accent; background: $surface;
    }
    ContactSwitcher OptionList { height: auto; max-height: 18; border: none; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f9", "cancel", S.KEY_CLOSE, id="switcher-close"),
    ]

    def __init__(
        self,
        current: Contact | None,
        others: list[Contact],
        titles: dict[str, str] | None = None,
    ) -> None:
        super().__init__(id="switcher")
        self.current = current
        self.others = sorted(others, key=lambda c: c.started_at, reverse=True)
        self.titles = titles or {}

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = S.SWITCHER_TITLE
            options = []
            now = self.app.clock()
            if self.current is not None:
                row = _row(self.current, S.SWITCHER_CURRENT, self.titles, now)
                options.append(Option(row, id=self.current.id))
            options += [
                Option(_row(c, S.SWITCHER_PARKED, self.titles, now), id=c.id) for c in self.others
            ]
            yield OptionList(*options, id="switcher-list")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = 1 if self.others and self.current is not None else 0
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
