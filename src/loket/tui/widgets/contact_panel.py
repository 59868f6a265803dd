"""The contact being handled: channel, customer, earlier contacts, its questions and outcomes.

The panel never saves anything itself: every edit posts `ContactEdited` (and
`CustomerChanged` for the keys used to find earlier contacts); the screen updates the
model, the draft and the store. `load()` fills the fields without echoing those messages.
An edit message carries what the widget shows *when the panel handles it*; a change event
whose value the widget no longer shows (it was refilled for another contact since) is
dropped, so only what is on screen ever reaches the model. `snapshot()` reads every field
at once, for actions that save.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Input, Label, Select, SelectionList, Static

from loket.domain.models import PREFERRED_CHANNELS, TaskStatus
from loket.domain.validation import LOOKUP_FIELDS
from loket.tui import strings as S
from loket.tui.formatting import local
from loket.tui.messages import ContactEdited, CustomerChanged, ProductUnticked
from loket.tui.widgets.question_bar import QuestionBar

if TYPE_CHECKING:
    from loket.domain.models import Contact, Question
    from loket.services.contacts import ContactSummary, TaskState

# The customer's typed fields, in screen order (postcode and house number share a row),
# and the one picked from a list.
CUSTOMER_FIELDS = ("name", "phone", "email", "bsn", "kvk", "postcode", "house_number")
CUSTOMER_CHOICE = "preferred_channel"
_CUSTOMER_LABELS = {
    "name": S.CUSTOMER_NAME,
    "phone": S.CUSTOMER_PHONE,
    "email": S.CUSTOMER_EMAIL,
    "bsn": S.CUSTOMER_BSN,
    "kvk": S.CUSTOMER_KVK,
    "postcode": S.CUSTOMER_POSTCODE,
}
# Field path (DomainError) -> widget id, for inline errors on the current question.
FIELD_WIDGETS = {
    "channel": "channel",
    "customer.name": "customer-name",
    "customer.phone": "customer-phone",
    "customer.email": "customer-email",
    "customer.bsn": "customer-bsn",
    "customer.kvk": "customer-kvk",
    "customer.postcode": "customer-postcode",
    "customer.house_number": "customer-house_number",
    "customer.preferred_channel": "customer-preferred_channel",
    "satisfaction": "satisfaction",
    "text": "question-subject",
    "outcome": "outcome",
    "products": "products",
}


def mask(value: str) -> str:
    """BSN as shown on screen (last four digits); the domain decides the format."""
    from loket.domain.validation import mask_bsn

    return mask_bsn(value) if value else ""


class ContactPanel(VerticalScroll):
    """Everything about the current contact except the notes pad (which sits under the article)."""

    DEFAULT_CSS = """
    ContactPanel { height: 1fr; padding: 0 0; scrollbar-size-vertical: 1; }
    ContactPanel .row { height: 1; }
    ContactPanel .row > Label { width: 9; color: $text-muted; }
    ContactPanel .row > Input { width: 1fr; height: 1; }  /* fixed: no re-layout per key */
    ContactPanel #question-subject { height: 1; }
    ContactPanel .row > Select { width: 1fr; }
    ContactPanel #bsn-mask { width: 10; color: $text-muted; padding: 0 0 0 1; }
    ContactPanel .row > #customer-postcode { width: 9; }
    ContactPanel .row > .inline-label { width: auto; padding: 0 1; }
    ContactPanel .row > #customer-house_number { width: 7; }
    ContactPanel #district {
        width: 1fr; height: 1; color: $text-muted; padding: 0 0 0 1;
        text-wrap: nowrap; text-overflow: ellipsis;
    }
    ContactPanel .section { color: $text-muted; text-style: bold; height: 1; }
    ContactPanel #history-title, ContactPanel #history { display: none; }
    ContactPanel.-history #history-title, ContactPanel.-history #history { display: block; }
    ContactPanel #history { height: auto; max-height: 5; color: $text-muted; }
    ContactPanel #products { height: auto; max-height: 5; border: none; }
    ContactPanel #errors { height: auto; color: $error; display: none; }
    ContactPanel #errors.-shown { display: block; }
    ContactPanel .-invalid { background: $error 30%; }
    """

    def __init__(self, channels: Sequence[str], outcomes: Sequence[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._channels = list(channels)
        self._outcomes = list(outcomes)
        self.contact_id = ""
        self.question_id = ""

    def compose(self) -> ComposeResult:
        yield Static("", id="errors")
        with Horizontal(classes="row"):
            yield Label(S.CHANNEL)
            yield _select("channel", self._channels, allow_blank=False)
        yield Static(S.CUSTOMER, classes="section")
        for name in CUSTOMER_FIELDS[:5]:
            with Horizontal(classes="row"):
                yield Label(_CUSTOMER_LABELS[name])
                yield Input(id=f"customer-{name}", compact=True, password=name == "bsn")
                if name == "bsn":
                    yield Static("", id="bsn-mask")
        with Horizontal(classes="row"):
            yield Label(S.CUSTOMER_POSTCODE)
            yield Input(id="customer-postcode", compact=True)
            yield Label(S.CUSTOMER_HOUSE_NUMBER, classes="inline-label")
            yield Input(id="customer-house_number", compact=True)
            yield Static("", id="district")
        with Horizontal(classes="row"):
            yield Label(S.CUSTOMER_PREFERRED)
            yield _select(f"customer-{CUSTOMER_CHOICE}", PREFERRED_CHANNELS, True, S.PREFERRED_NONE)
        yield Static(S.HISTORY_TITLE, classes="section", id="history-title")
        yield Static("", id="history")
        yield QuestionBar(id="questions")
        yield Input(placeholder=S.QUESTION_SUBJECT, id="question-subject", compact=True)
        with Horizontal(classes="row"):
            yield Label(S.OUTCOME)
            yield _select("outcome", self._outcomes, allow_blank=True)
        yield Static(S.PRODUCTS, classes="section")
        yield SelectionList[str](id="products", compact=True)
        with Horizontal(classes="row"):
            yield Label(S.SATISFACTION)
            yield Select(
                [(label, score) for score, label in S.SATISFACTION_SCORES.items()],
                id="satisfaction",
                prompt=S.SATISFACTION_NONE,
                compact=True,
            )

    def set_choices(self, channels: Sequence[str], outcomes: Sequence[str]) -> None:
        """The configured channels and outcomes (services know them once open)."""
        self._channels, self._outcomes = list(channels), list(outcomes)
        with self.prevent(Select.Changed):
            self.query_one("#channel", Select).set_options([(c, c) for c in self._channels])
            self.query_one("#outcome", Select).set_options([(o, o) for o in self._outcomes])

    # -- filling from the model -------------------------------------------------------------

    def load(self, contact: Contact, q_index: int, titles: dict[str, str]) -> None:
        """Show `contact` with question `q_index` selected; posts no edit messages."""
        self.contact_id = contact.id
        with self.prevent(Input.Changed, Select.Changed, SelectionList.SelectedChanged):
            channel = self.query_one("#channel", Select)
            if contact.channel not in self._channels:
                self._channels.append(contact.channel)
                channel.set_options([(c, c) for c in self._channels])
            channel.value = contact.channel
            customer = contact.customer
            for name in CUSTOMER_FIELDS:
                value = getattr(customer, name, "") if customer else ""
                self.query_one(f"#customer-{name}", Input).value = value or ""
            self.query_one("#bsn-mask", Static).update(mask(customer.bsn if customer else ""))
            district = customer.district if customer else ""
            self.show_district(district)
            preferred = customer.preferred_channel if customer else ""
            self._choice().value = preferred or Select.NULL
            satisfaction = self.query_one("#satisfaction", Select)
            satisfaction.value = contact.satisfaction or Select.NULL
        self.set_questions(len(contact.questions), q_index)
        self.load_question(contact.questions[q_index], titles)
        self.show_history(None)

    def load_question(self, question: Question, titles: dict[str, str]) -> None:
        self.question_id = question.id
        with self.prevent(Input.Changed, Select.Changed, SelectionList.SelectedChanged):
            self.query_one("#question-subject", Input).value = question.text
            outcome = self.query_one("#outcome", Select)
            if question.outcome and question.outcome not in self._outcomes:
                self._outcomes.append(question.outcome)
                outcome.set_options([(o, o) for o in self._outcomes])
            outcome.value = question.outcome or Select.NULL
            self.set_products(question.products, titles)

    def _choice(self) -> Select[str]:
        return self.query_one(f"#customer-{CUSTOMER_CHOICE}", Select)

    def show_district(self, district: str) -> None:
        """The wijk the services derived from the postcode (known once saved)."""
        text = S.CUSTOMER_DISTRICT.format(district=district) if district else ""
        self.query_one("#district", Static).update(text)

    def set_products(self, products: Iterable[str], titles: dict[str, str]) -> None:
        selection = self.query_one("#products", SelectionList)
        with self.prevent(SelectionList.SelectedChanged):
            selection.clear_options()
            for product in products:
                selection.add_option((Text(titles.get(product, product)), product, True))

    def set_questions(self, count: int, active: int) -> None:
        self.query_one(QuestionBar).set(count, active)

    def show_history(self, items: list[ContactSummary] | None, busy: bool = False) -> None:
        history = self.query_one("#history", Static)
        self.set_class(busy or items is not None, "-history")
        if busy:
            history.update(S.HISTORY_BUSY)
        elif items is None:
            history.update("")
        elif not items:
            history.update(S.HISTORY_NONE)
        else:
            history.update(Text("\n".join(history_row(item) for item in items[:5])))

    def show_errors(self, errors: list[tuple[str, str]], q_index: int) -> None:
        """Inline errors: a list on top, and the offending fields marked."""
        for widget in self.query(".-invalid"):
            widget.remove_class("-invalid")
        box = self.query_one("#errors", Static)
        box.set_class(bool(errors), "-shown")
        if not errors:
            box.update("")
            return
        # Each message already names its field in the agent's words; the path stays internal.
        lines = [S.ERRORS_TITLE] + [f"• {message}" for _path, message in errors]
        box.update(Text("\n".join(lines)))
        for path, _ in errors:
            widget_id = _widget_for(path, q_index)
            if widget_id:
                self.query_one(f"#{widget_id}").add_class("-invalid")
        self.scroll_home(animate=False)

    def snapshot(self) -> dict[str, Any]:
        """Every field as the widgets show it now (see workspace.Snapshot)."""
        channel = self.query_one("#channel", Select).value
        outcome = self.query_one("#outcome", Select).value
        preferred = self._choice().value
        satisfaction = self.query_one("#satisfaction", Select).value
        customer = {
            name: self.query_one(f"#customer-{name}", Input).value for name in CUSTOMER_FIELDS
        }
        customer[CUSTOMER_CHOICE] = "" if preferred is Select.NULL else str(preferred)
        return {
            "contact_id": self.contact_id,
            "question_id": self.question_id,
            "channel": None if channel is Select.NULL else channel,
            "customer": customer,
            "satisfaction": None if satisfaction is Select.NULL else satisfaction,
            "subject": self.query_one("#question-subject", Input).value,
            "outcome": None if outcome is Select.NULL else outcome,
        }

    # -- edits -> messages ---------------------------------------------------------------------

    def _edited(self, field: str, value: Any, question_id: str = "") -> None:
        self.post_message(ContactEdited(self.contact_id, field, value, question_id))

    @on(Select.Changed, "#channel")
    def _channel(self, event: Select.Changed) -> None:
        event.stop()
        if event.value is not Select.NULL and event.value == event.select.value:
            self._edited("channel", event.value)

    @on(Select.Changed, "#outcome")
    def _outcome(self, event: Select.Changed) -> None:
        event.stop()
        if event.value != event.select.value:
            return  # stale: the field was refilled since
        value = None if event.value is Select.NULL else event.value
        self._edited("question.outcome", value, self.question_id)

    @on(Select.Changed, f"#customer-{CUSTOMER_CHOICE}")
    def _preferred(self, event: Select.Changed) -> None:
        event.stop()
        if event.value == event.select.value:
            value = "" if event.value is Select.NULL else event.value
            self._edited(f"customer.{CUSTOMER_CHOICE}", value)

    @on(Select.Changed, "#satisfaction")
    def _satisfaction(self, event: Select.Changed) -> None:
        event.stop()
        if event.value == event.select.value:
            self._edited("satisfaction", None if event.value is Select.NULL else event.value)

    @on(Input.Changed, "#question-subject")
    def _subject(self, event: Input.Changed) -> None:
        event.stop()
        if event.value == event.input.value:
            self._edited("question.text", event.value, self.question_id)

    @on(Input.Changed)
    def _customer(self, event: Input.Changed) -> None:
        if not event.input.id or not event.input.id.startswith("customer-"):
            return
        event.stop()
        if event.value != event.input.value:
            return  # stale: the field was refilled since
        name = event.input.id.removeprefix("customer-")
        if name == "bsn":
            self.query_one("#bsn-mask", Static).update(mask(event.value))
        self._edited(f"customer.{name}", event.value)
        if name in LOOKUP_FIELDS:
            self.post_message(CustomerChanged(name, event.value))

    @on(SelectionList.SelectionToggled, "#products")
    def _product(self, event: SelectionList.SelectionToggled) -> None:
        event.stop()
        product = event.selection.value
        ticked = product in event.selection_list.selected
        self.post_message(ProductUnticked(self.contact_id, product, ticked, self.question_id))


def _select(
    widget_id: str, values: Sequence[str], allow_blank: bool, prompt: str = S.OUTCOME_NONE
) -> Select[str]:
    return Select(
        [(v, v) for v in values], id=widget_id, allow_blank=allow_blank, prompt=prompt, compact=True
    )


def _widget_for(path: str, q_index: int) -> str | None:
    if path.startswith("questions["):
        index_text, _, rest = path.removeprefix("questions[").partition("].")
        if not index_text.isdigit() or int(index_text) != q_index:
            return None
        return FIELD_WIDGETS.get(rest)
    return FIELD_WIDGETS.get(path)


def history_row(item: ContactSummary) -> str:
    row = S.HISTORY_ROW.format(
        date=local(item.started_at).strftime("%d-%m %H:%M"),
        channel=item.channel,
        subjects=", ".join(s for s in item.subjects if s) or S.NO_SUBJECT,
        outcomes=", ".join(o for o in item.outcomes if o) or "–",
        source=item.source,
    )
    return "\n".join([row, *(task_line(task) for task in item.tasks)])


def task_line(task: TaskState, full: bool = False) -> str:
    """Where a routed question stands: team, status, who has it, callbacks, and the
    resolution (done) or the reason it came back (returned); cut short unless `full`."""
    attempts = ""
    if task.attempts:
        last = S.HISTORY_TASK_REACHED.get(task.reached, "")
        attempts = S.HISTORY_TASK_ATTEMPTS.format(n=task.attempts, last=last)
    text = task.resolution if task.status == TaskStatus.DONE else task.returned_reason
    return S.HISTORY_TASK.format(
        team=task.team,
        status=S.TASK_STATUS.get(task.status, task.status),
        assignee=S.HISTORY_TASK_ASSIGNEE.format(name=task.assignee) if task.assignee else "",
        attempts=attempts,
        detail=S.HISTORY_TASK_DETAIL.format(text=text if full else " ".join(text.split())[:60])
        if text
        else "",
    )
