"""Route a question to a back office: team (pre-filled from the product), the team's intake
questions, the internal note, callback details and the due time it will get.

The dialog calls `services.contacts.route_question` itself so a DomainError stays inside the
dialog, shown next to the fields, and nothing typed is lost.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import getters, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Footer, Input, Label, Select, Static, TextArea

from loket.domain.errors import DomainError
from loket.domain.models import Callback, Contact, Question, Task, TaskKind
from loket.tui import field_errors
from loket.tui import strings as S
from loket.tui.app import LoketApp
from loket.tui.formatting import format_due, urgency_of

if TYPE_CHECKING:
    from loket.services import ConsoleServices

# DomainError path -> widget id
_FIELD_WIDGETS = {
    "team": "route-team",
    "internal_note": "route-note",
    "callback": "route-phone",
    "callback.phone": "route-phone",
    "callback.email": "route-email",
    "callback.name": "route-name",
    "callback.preferred_time": "route-time",
}


class IntakeAnswer(Input):
    """The answer field to one of the team's intake questions."""

    def __init__(self, question: str, value: str) -> None:
        super().__init__(value, classes="intake-a", compact=True)
        self.question = question


class RouteDialog(ModalScreen[tuple[Contact, Task] | None]):
    """Modal: returns (saved contact, task) when routed, None when cancelled."""

    app = getters.app(LoketApp)
    CSS_PATH = "route_dialog.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+s,f6", "submit", S.KEY_SUBMIT, key_display="^S", id="route-submit", priority=True
        ),
        Binding("escape", "cancel", S.KEY_CLOSE, id="route-cancel"),
        # Focus moves in key order (as on the agent screen): in a burst of keys, what comes
        # after a Tab lands in the next field, not in the one the Tab left.
        Binding("tab", "focus_step(1)", show=False, priority=True, id="route-next"),
        Binding("shift+tab", "focus_step(-1)", show=False, priority=True, id="route-previous"),
    ]

    def __init__(
        self, services: ConsoleServices, contact: Contact, question: Question, *, product: str = ""
    ) -> None:
        super().__init__(id="route-dialog")
        self.services = services
        self.contact = contact
        self.question = question
        self.product = product
        team = services.reference.team_for_product(product) if product else None
        self.team_id: str = team.id if team is not None else ""
        self._intake_team: str | None = None
        self.due_at: datetime | None = None
        self._initial: tuple[object, ...] = ()  # what the fields held when the dialog opened

    def compose(self) -> ComposeResult:
        teams = self.services.reference.routing.teams()
        customer = self.contact.customer
        with Vertical(id="route-box") as box:
            box.border_title = S.ROUTE_TITLE
            yield Static("", id="route-errors")
            # Not a Tab stop of its own: focusing a field scrolls it into view.
            with VerticalScroll(id="route-scroll", can_focus=False):
                with Horizontal(classes="row"):
                    yield Label(S.ROUTE_TEAM)
                    yield Select(
                        [(t.name, t.id) for t in teams],
                        value=self.team_id or Select.NULL,
                        id="route-team",
                        compact=True,
                        prompt=S.ROUTE_TEAM,
                    )
                with Horizontal(classes="row"):
                    yield Label(S.ROUTE_KIND)
                    yield Select(
                        [(str(k), str(k)) for k in TaskKind],
                        value=str(TaskKind.DOORZETTING),
                        allow_blank=False,
                        id="route-kind",
                        compact=True,
                    )
                yield Static("", id="route-due")
                yield Static(S.ROUTE_INTAKE, classes="section")
                yield Vertical(id="route-intake")
                yield Static(S.ROUTE_NOTE, classes="section")
                yield TextArea(id="route-note", soft_wrap=True)
                yield Static(S.ROUTE_CALLBACK, classes="section")
                for widget_id, label, value in (
                    ("route-name", S.CUSTOMER_NAME, customer.name if customer else ""),
                    ("route-phone", S.CUSTOMER_PHONE, customer.phone if customer else ""),
                    ("route-email", S.CUSTOMER_EMAIL, customer.email if customer else ""),
                    ("route-time", S.ROUTE_CALLBACK_TIME, ""),
                ):
                    with Horizontal(classes="row"):
                        yield Label(label)
                        yield Input(value or "", id=widget_id, compact=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._team_changed()
        self._initial = self._typed()
        self.call_after_refresh(self._focus_first)  # the intake answers mount meanwhile

    def _focus_first(self) -> None:
        """The first thing to fill in: the team's first intake question, else the note,
        else (no team known from the article) the team."""
        answers = self._intake_inputs()
        if answers:
            answers[0][1].focus()
        else:
            self.query_one("#route-note" if self.team_id else "#route-team").focus()

    async def action_focus_step(self, step: int) -> None:
        from loket.tui.screens.agent import focus_step  # loaded: this dialog opens from there

        await focus_step(self, step)

    def _typed(self) -> tuple[object, ...]:
        """Everything the agent can type here, to tell whether Esc would lose any of it."""
        fields = ("#route-name", "#route-phone", "#route-email", "#route-time")
        return (
            self.query_one("#route-note", TextArea).text.strip(),
            tuple(sorted((q, a) for q, a in self.intake().items() if a)),
            *(self.query_one(f, Input).value.strip() for f in fields),
        )

    @on(Select.Changed, "#route-team")
    def _on_team(self, event: Select.Changed) -> None:
        self.team_id = "" if event.value is Select.NULL else str(event.value)
        self._team_changed()

    def _team_changed(self) -> None:
        self._show_due()
        self._show_intake()

    def _show_due(self) -> None:
        due_label = self.query_one("#route-due", Static)
        if not self.team_id:
            due_label.update(S.ROUTE_DUE_UNKNOWN)
            return
        now = self.app.clock()
        due = self.services.reference.due_preview(self.team_id, self.product or None, now)
        level, label = urgency_of(due, now, self.services.reference.calendar)
        due_label.update(Text(S.ROUTE_DUE.format(due=format_due(due), label=label)))
        due_label.set_classes(f"-{level}")
        self.due_at = due

    def _show_intake(self) -> None:
        if self.team_id == self._intake_team:
            return
        self._intake_team = self.team_id
        box = self.query_one("#route-intake", Vertical)
        answers = {q: i.value for q, i in self._intake_inputs()}
        box.remove_children()
        team = self.services.reference.routing.get_team(self.team_id) if self.team_id else None
        questions = list(team.intake) if team is not None else []
        if not questions:
            box.mount(Static(S.ROUTE_INTAKE_NONE, classes="muted"))
            return
        widgets: list[Widget] = []
        for question in questions:
            widgets.append(Label(Text(question), classes="intake-q"))
            widgets.append(IntakeAnswer(question, answers.get(question, "")))
        box.mount_all(widgets)

    def _intake_inputs(self) -> list[tuple[str, Input]]:
        return [(i.question, i) for i in self.query("#route-intake Input").results(IntakeAnswer)]

    def intake(self) -> dict[str, str]:
        return {question: field.value.strip() for question, field in self._intake_inputs()}

    def action_submit(self) -> None:
        kind = self.query_one("#route-kind", Select).value
        callback = Callback(
            name=self.query_one("#route-name", Input).value.strip(),
            phone=self.query_one("#route-phone", Input).value.strip(),
            email=self.query_one("#route-email", Input).value.strip(),
            preferred_time=self.query_one("#route-time", Input).value.strip(),
        )
        try:
            result = self.services.contacts.route_question(
                self.contact,
                self.question.id,
                team=self.team_id,
                internal_note=self.query_one("#route-note", TextArea).text.strip(),
                callback=callback,
                intake=self.intake(),
                kind=TaskKind(str(kind)),
                product=self.product,
                now=self.app.clock(),
            )
        except DomainError as error:
            self.show_errors(error)
            return
        self.dismiss(result)

    def show_errors(self, error: DomainError) -> None:
        for widget in self.query(".-invalid"):
            widget.remove_class("-invalid")
        rows = field_errors.describe(error)
        lines = [S.ERRORS_TITLE] + [
            f"• {label}: {msg}" if label else f"• {msg}" for _, label, msg in rows
        ]
        box = self.query_one("#route-errors", Static)
        box.update(Text("\n".join(lines)))
        box.add_class("-shown")
        for path, _, _ in rows:
            widget_id = _FIELD_WIDGETS.get(path)
            if widget_id is None and path.startswith("questions["):
                continue
            if widget_id:
                self.query_one(f"#{widget_id}").add_class("-invalid")

    def action_cancel(self) -> None:
        """Esc closes; when something was typed it asks first (nothing is lost unasked)."""
        if self._typed() == self._initial:
            self.dismiss(None)
            return
        from loket.tui.screens.confirm_dialog import ConfirmDialog

        def answered(yes: bool | None) -> None:
            if yes:
                self.dismiss(None)

        self.app.push_screen(
            ConfirmDialog(S.ROUTE_DISCARD_TITLE, S.ROUTE_DISCARD_QUESTION), answered
        )
