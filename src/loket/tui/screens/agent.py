"""The agent's screen: search and article, the contact panel, the notes pad, the call timer.

The open contacts live in a `ContactWorkspace` (plain Python); this screen shows the
current one, turns keys into workspace calls and keeps drafts flowing: at most 0.5 s after
the first unsaved edit what is on screen is saved to the local store, so a killed console
restores it. Every action that saves, parks, switches or routes first lets the focused
field take every key already delivered, then takes the whole screen into the workspace:
what is on screen is what is saved, and nothing typed for one caller reaches another.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual import getters, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Footer, Input

from loket.domain.agent_states import REPORTING_ROLES
from loket.domain.errors import DomainError
from loket.domain.models import CONTENT_MAX, Contact, Question, Task
from loket.domain.validation import lookup_keys
from loket.protocol import Entity
from loket.tui import field_errors
from loket.tui import strings as S
from loket.tui.app import LoketApp
from loket.tui.formatting import format_due, format_duration, local
from loket.tui.messages import (
    ArticleChosen,
    ArticleLoaded,
    CallAnswered,
    CallEnded,
    ContactClosed,
    ContactEdited,
    CustomerChanged,
    DraftSaved,
    HistoryLoaded,
    HistoryStale,
    ProductUnticked,
    QuestionRouted,
    QuestionSelected,
)
from loket.tui.widgets.article_view import ArticleView
from loket.tui.widgets.search_panel import SearchPanel
from loket.tui.widgets.status_line import StatusLine
from loket.tui.workspace import CallState, ContactWorkspace, PoppedCall, Snapshot

if TYPE_CHECKING:  # both are mounted just after the first frame, imported then
    from textual.widgets import TextArea

    from loket.services import ConsoleServices, ContactSummary
    from loket.tui.commands import Command
    from loket.tui.widgets.contact_panel import ContactPanel

DRAFT_DELAY_S = 0.5
HISTORY_DELAY_S = 0.3
SETTLE_TIMEOUT_S = 2.0


async def settle(widget: Widget) -> None:
    """Wait until `widget` has handled every event already queued for it (twice: the keys,
    then the change events those keys posted). A burst of keys from a slow link or a text
    expander is then fully in the field before an action reads it."""
    for _ in range(2):
        done = asyncio.Event()
        if not widget.call_later(done.set):
            return  # the widget is closing: nothing more will arrive
        try:
            await asyncio.wait_for(done.wait(), SETTLE_TIMEOUT_S)
        except TimeoutError:
            return


async def focus_step(screen: Screen[Any], step: int) -> None:
    """Tab / Shift+Tab once the focused field has taken the keys queued for it: in a burst,
    text typed after a Tab belongs to the next field, not to this one."""
    focused = screen.app.focused
    if focused is not None and focused.screen is screen:
        await settle(focused)
    if step > 0:
        screen.focus_next()
    else:
        screen.focus_previous()


class AgentScreen(Screen[None]):
    """Front office: find the answer, register the contact, resolve or route it."""

    app = getters.app(LoketApp)
    CSS_PATH = "agent.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "f2,ctrl+f", "focus_search", S.KEY_SEARCH, key_display="F2", id="search", priority=True
        ),
        Binding(
            "f3",
            "focus_notes",
            S.KEY_NOTES,
            key_display="F3",
            id="notes",
            show=False,
            priority=True,
        ),
        Binding(
            "f4",
            "focus_customer",
            S.KEY_CUSTOMER,
            key_display="F4",
            id="customer",
            show=False,
            priority=True,
        ),
        Binding("f5", "resolve", S.KEY_RESOLVE, key_display="F5", id="resolve", priority=True),
        Binding("f6", "route", S.KEY_ROUTE, key_display="F6", id="route", priority=True),
        Binding(
            "f7", "add_question", S.KEY_QUESTION, key_display="F7", id="add-question", priority=True
        ),
        Binding("f8", "park", S.KEY_PARK, key_display="F8", id="park", priority=True),
        Binding("f9", "switch_contact", S.KEY_SWITCH, key_display="F9", id="switch", priority=True),
        Binding(
            "f12,ctrl+n",
            "take_call",
            S.KEY_TAKE_CALL,
            key_display="F12",
            id="take-call",
            priority=True,
        ),
        Binding(
            "ctrl+o",
            "discard",
            S.KEY_DISCARD,
            key_display="^o",
            id="discard",
            show=False,
            priority=True,
        ),
        Binding(
            "alt+h",
            "history",
            S.KEY_HISTORY,
            key_display="Alt+H",
            id="history",
            show=False,
            priority=True,
        ),
        Binding(
            "alt+r",
            "find_reference",
            S.KEY_FIND_REFERENCE,
            key_display="Alt+R",
            id="find-reference",
            show=False,
            priority=True,
        ),
        Binding(
            "f11,ctrl+g",
            "pause",
            S.KEY_PAUSE,
            key_display="F11",
            id="pause",
            show=False,  # the footer is full at 80 columns: F1 and the palette list it
            priority=True,
        ),
        Binding(
            "f10",
            "focus_article",
            S.KEY_ARTICLE,
            key_display="F10",
            id="article",
            show=False,
            priority=True,
        ),
        # Focus moves in key order too: keys after a Tab in a burst go to the next field.
        Binding("tab", "focus_step(1)", show=False, priority=True, id="focus-next"),
        Binding("shift+tab", "focus_step(-1)", show=False, priority=True, id="focus-previous"),
        Binding("ctrl+pageup", "question(-1)", S.KEY_PREV_QUESTION, id="prev-question", show=False),
        Binding(
            "ctrl+pagedown", "question(1)", S.KEY_NEXT_QUESTION, id="next-question", show=False
        ),
    ]

    def __init__(self) -> None:
        super().__init__(id="agent")
        self.workspace: ContactWorkspace | None = None
        self.titles: dict[str, str] = {}
        self._draft_timer: Timer | None = None
        self._history_timer: Timer | None = None
        self._history_key = ""
        self._notes_for = ("", "")  # (contact id, question id) the notes pad shows
        self._history_tasks: frozenset[str] = frozenset()  # the tasks the history shows
        self._history_items: list[ContactSummary] = []  # what the history shows
        self._pending_panel = False
        self._ticket_numbers: dict[str, str] = {}  # ticket id -> its number, for the notices

    @property
    def contact(self) -> Contact | None:
        return self.workspace.current if self.workspace else None

    @property
    def q_index(self) -> int:
        return self.workspace.q_index if self.workspace else 0

    @property
    def parked(self) -> dict[str, Contact]:
        return self.workspace.parked if self.workspace else {}

    @property
    def question(self) -> Question:
        assert self.workspace is not None
        return self.workspace.question

    def compose(self) -> ComposeResult:
        yield StatusLine()
        with Horizontal(id="agent-body"):
            with Vertical(id="agent-left"):
                yield SearchPanel(id="search-panel")
                # Filled right after the first frame (imports and all), so start-up paints sooner.
                yield Vertical(id="contact-slot")
            with Vertical(id="agent-right"):
                yield ArticleView(id="article")
                yield Vertical(id="notes-slot")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one(SearchPanel).focus_search()
        self.app.after_first_paint(self._after_first_frame)

    async def _after_first_frame(self) -> None:
        """Mount the contact panel and the notes pad, then load once the services are open.

        A back-office or supervisor console starts elsewhere; then this waits until the
        agent screen is first shown (on_screen_resume).
        """
        self._pending_panel = True
        if not self.is_current or not self.is_attached:
            return
        self._pending_panel = False
        from textual.widgets import TextArea

        from loket.tui.widgets.contact_panel import ContactPanel

        panel = ContactPanel(_default_channels(), _default_outcomes(), id="contact-panel")
        await self.query_one("#contact-slot").mount(panel)
        notes = TextArea(id="notes", soft_wrap=True, show_line_numbers=False)
        notes.border_title = S.NOTES
        notes.border_subtitle = S.NOTES_COUNT.format(n=0, max=CONTENT_MAX)
        await self.query_one("#notes-slot").mount(notes)
        self.app.when_ready(self._load)

    async def on_screen_resume(self) -> None:
        if self._pending_panel:
            await self._after_first_frame()
        self._refresh_status()

    # -- services ready: restore drafts and open contacts -------------------------------------

    def _load(self, services: ConsoleServices) -> None:
        self.panel.set_choices(services.reference.channels, services.reference.outcomes)
        self.workspace = ContactWorkspace(
            services, clock=self.app.clock, on_state=services.presence.follow
        )
        services.live.on_event(self._change_event)
        if services.live.available and services.user.role in REPORTING_ROLES:
            services.presence.start()
        restored = self.workspace.restore()
        self.refresh_bindings()  # the contact keys (check_action) become available
        self.show_current()
        if restored:
            message = S.DRAFT_RESTORED if restored == 1 else S.DRAFTS_RESTORED.format(n=restored)
            self.notify(message)
        for pop in self.app.take_pops():
            self.post_message(pop)

    @property
    def panel(self) -> ContactPanel:
        """The ContactPanel (mounted just after the first frame)."""
        return cast("ContactPanel", self.query_one("#contact-panel"))

    @property
    def notes(self) -> TextArea:
        """The notes pad (mounted just after the first frame)."""
        return cast("TextArea", self.query_one("#notes"))

    @property
    def services(self) -> ConsoleServices | None:
        return self.app.services

    def _refresh_status(self) -> None:
        status = self.query_one(StatusLine)
        services = self.services
        if services is not None:
            status.set_user(services.user.name, services.user.role)
        status.set_sync(self.app.sync_state)
        workspace = self.workspace
        status.set_open_count(workspace.open_count if workspace else 0)
        self._show_reference()
        if workspace is None or services is None:
            status.set_started(None)
        elif services.presence.paused:
            reason = services.presence.pause_reason
            status.set_started(services.presence.pause_since, S.STATE_PAUSE.format(reason=reason))
        else:
            status.set_started(workspace.since, _STATE_LABELS[workspace.state])

    def _show_reference(self) -> None:
        """The open contact's reference number in the notes pad's title, as the central
        store gave it (it arrives with the first sync after the contact was stored; the
        screen's copy learns it then). The status line has no room left at 80 columns."""
        services, contact = self.services, self.contact
        title = S.NOTES
        if services is not None and contact is not None and contact.id:
            if contact.reference is None:
                stored = services.contacts.get(contact.id)
                contact.reference = stored.reference if stored is not None else None
            ref = contact.reference
            title = S.NOTES_REFERENCE.format(ref=ref) if ref else S.NOTES_REFERENCE_PENDING
        for notes in self.query("#notes"):
            notes.border_title = title

    def sync_changed(self, _state: object) -> None:
        """The app calls this when the sync state changes: a reference may have come."""
        self._show_reference()

    @property
    def state(self) -> CallState:
        return self.workspace.state if self.workspace else CallState.WAITING

    # -- showing the workspace ------------------------------------------------------------------

    def show_current(self) -> None:
        """Fill every field from the workspace's current contact (blank while waiting)."""
        waiting = self.contact is None
        # A blank contact with no id: any edit still in flight finds no contact to land on.
        contact = self.contact or Contact(id="")
        self.panel.disabled = waiting
        self.notes.disabled = waiting
        self.refresh_bindings()
        self.panel.load(contact, self.q_index if not waiting else 0, self.titles)
        if waiting:
            self._notes_for = ("", "")
            self.notes.text = ""  # its Changed finds no contact: a no-op
            self.query_one(ArticleView).clear()
            self.panel.show_history(None)
            self._history_items, self._history_key = [], ""
            self._refresh_status()
            self.notify(S.WAITING_HINT, timeout=4)
            return
        self.panel.show_errors([], self.q_index)
        self._load_notes()
        self._show_question_article()
        self._refresh_status()
        self._history_key = ""
        self._schedule_history()

    def _show_question(self) -> None:
        panel = self.panel
        assert self.contact is not None
        panel.set_questions(len(self.contact.questions), self.q_index)
        panel.load_question(self.question, self.titles)
        self._load_notes()
        self._show_question_article()

    def _load_notes(self) -> None:
        notes = self.notes
        assert self.contact is not None
        # No prevent(Changed) here: Textual hands a prevented set on to every message
        # posted meanwhile, which under a burst of keys swallowed the counter's updates.
        # The Changed this posts lands as an edit to the same notes, a no-op.
        self._notes_for = (self.contact.id, self.question.id)
        notes.text = self.question.notes
        notes.move_cursor(notes.document.end)  # go on typing where the notes end
        self._count_notes(notes)

    def _count_notes(self, notes: TextArea) -> None:
        """Live counter against the limit; over it, the border turns to the error colour."""
        count = len(notes.text)
        notes.border_subtitle = S.NOTES_COUNT.format(n=count, max=CONTENT_MAX)
        notes.set_class(count > CONTENT_MAX, "-over-limit")

    def _show_question_article(self) -> None:
        """The article pane follows the question: its last article, or nothing."""
        products = self.question.products
        if products:
            self._fetch_article(products[-1], record=False)
        else:
            self.query_one(ArticleView).clear()

    # -- taking what is on screen -------------------------------------------------------------

    async def take_screen(self) -> bool:
        """Before any action that saves, parks, switches or routes: every key already sent
        to the focused field is handled, then every field is read into the workspace."""
        if self.workspace is None or self.contact is None or self.services is None:
            self.notify(S.NOT_READY)
            return False
        focused = self.app.focused
        if focused is not None and focused.screen is self:
            await settle(focused)
        if self.workspace.current is None:
            return False
        notes_contact, notes_question = self._notes_for
        snapshot = Snapshot(**self.panel.snapshot(), notes=self.notes.text)
        if (notes_contact, notes_question) != (snapshot.contact_id, snapshot.question_id):
            snapshot = Snapshot(**{**snapshot.__dict__, "notes": self.question.notes})
        if self.workspace.apply(snapshot):
            self._schedule_draft()
        return True

    # -- edits ----------------------------------------------------------------------------------

    def on_contact_edited(self, message: ContactEdited) -> None:
        if self.workspace is not None and self.workspace.edit(
            message.contact_id, message.field, message.value, message.question_id
        ):
            self._schedule_draft()
            if message.field == "customer.postcode" and self.contact is not None:
                customer = self.contact.customer
                self.panel.show_district(customer.district if customer else "")

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if event.text_area.id != "notes" or self.workspace is None:
            return
        self._count_notes(event.text_area)
        contact_id, question_id = self._notes_for
        if self.workspace.edit(contact_id, "question.notes", event.text_area.text, question_id):
            self._schedule_draft()

    def on_product_unticked(self, message: ProductUnticked) -> None:
        if self.workspace is not None and self.workspace.set_product(
            message.contact_id, message.question_id, message.product_id, message.ticked
        ):
            self._schedule_draft()

    async def on_question_selected(self, message: QuestionSelected) -> None:
        if message.index != self.q_index:
            await self.action_question(message.index - self.q_index)

    # -- drafts (throttled; survive kill -9) ---------------------------------------------------

    def _schedule_draft(self) -> None:
        """Save within DRAFT_DELAY_S of the first unsaved edit. A throttle, not a debounce:
        an agent who types on without a pause is saved all the same."""
        if self._draft_timer is None:
            self._draft_timer = self.set_timer(DRAFT_DELAY_S, self._flush_draft, name="draft")

    def _flush_draft(self) -> None:
        self._draft_timer = None
        self.save_draft()

    def save_draft(self) -> None:
        key = self.workspace.save_draft() if self.workspace else None
        if key is not None:
            self.post_message(DraftSaved(key))

    def _stop_draft_timer(self) -> None:
        if self._draft_timer is not None:
            self._draft_timer.stop()
            self._draft_timer = None

    # -- customer history ("ask once, use many times") ----------------------------------------

    def on_customer_changed(self, message: CustomerChanged) -> None:
        self._schedule_history()

    def _schedule_history(self) -> None:
        if self._history_timer is not None:
            self._history_timer.stop()
        self._history_timer = self.set_timer(HISTORY_DELAY_S, self._lookup, name="history")

    def _lookup(self, *, quietly: bool = False) -> None:
        keys = lookup_keys(self.contact.customer if self.contact else None)
        panel = self.panel
        key = repr((self.contact.id if self.contact else "", sorted(keys.items())))
        if key == self._history_key:
            return
        self._history_key = key
        self._history_items = []  # never another caller's history, not even for a moment
        if not keys:
            panel.show_history(None)
            return
        if not quietly:
            panel.show_history(None, busy=True)
        self._fetch_history(key, keys)

    @work(thread=True, exclusive=True, group="history", exit_on_error=False)
    def _fetch_history(self, key: str, keys: dict[str, str]) -> None:
        services = self.app.wait_services()
        if services is None:
            return
        online = services.sync.state().online is not False
        contact_id = self.contact.id if self.contact else ""
        try:
            items = services.contacts.customer_history(keys, online=online, for_contact=contact_id)
        except DomainError:
            items = []  # an invalid key finds nothing; the field error shows on save
        items = [item for item in items if item.id != contact_id]
        self.post_message(HistoryLoaded(key, items))

    def on_history_loaded(self, message: HistoryLoaded) -> None:
        if message.key == self._history_key:
            self._history_tasks = frozenset(t.id for item in message.items for t in item.tasks)
            self._history_items = list(message.items)
            self.panel.show_history(message.items)

    def action_history(self) -> None:
        """Every earlier contact of this customer, each readable in full (read-only)."""
        services = self.services
        if services is None or not self._history_items:
            self.notify(S.HISTORY_OPEN_NONE, timeout=4)
            return
        self._open_history(services, self._history_items)

    def _open_history(self, services: ConsoleServices, items: list[ContactSummary]) -> None:
        from loket.tui.screens.history import HistoryScreen

        own = {
            item.id: contact
            for item in items
            if item.agent == services.user.name
            and (contact := services.contacts.get(item.id)) is not None
        }
        self.app.push_screen(HistoryScreen(items, own))

    def action_find_reference(self) -> None:
        """The resident quotes a reference number: open that contact (read-only)."""
        from loket.tui.screens.prompt_dialog import PromptDialog

        def asked(answer: dict[str, str] | None) -> None:
            if answer and answer.get("text"):
                self._find_reference(answer["text"])

        dialog = PromptDialog(S.REFERENCE_FIND_TITLE, S.REFERENCE_FIND_QUESTION)
        self.app.push_screen(dialog, asked)

    @work(thread=True, exclusive=True, group="reference", exit_on_error=False)
    def _find_reference(self, reference: str) -> None:
        services = self.app.wait_services()
        if services is None:
            return
        online = services.sync.state().online is not False
        contact_id = self.contact.id if self.contact else ""
        try:
            items = services.contacts.customer_history(
                {"reference": reference}, online=online, for_contact=contact_id
            )
        except DomainError as exc:
            self.app.call_from_thread(self.notify, exc.errors[0].message, severity="warning")
            return
        self.app.call_from_thread(self._found_reference, services, reference, items)

    def _found_reference(
        self, services: ConsoleServices, reference: str, items: list[ContactSummary]
    ) -> None:
        if not items:
            self.notify(S.REFERENCE_NOT_FOUND.format(ref=reference), severity="warning")
            return
        self._open_history(services, items)

    def _change_event(self, data: dict[str, Any]) -> None:
        """From the stream thread: a task of the history on screen changed (the back
        office claimed, called back, resolved or returned it), so the agent sees it now."""
        if data.get("entity") == Entity.TASK and data.get("id") in self._history_tasks:
            self.post_message(HistoryStale())

    def on_history_stale(self, _message: HistoryStale) -> None:
        if self._history_tasks:
            self._history_key = ""
            self._lookup(quietly=True)

    # -- articles -------------------------------------------------------------------------------

    def on_article_chosen(self, message: ArticleChosen) -> None:
        self._fetch_article(message.article_id, record=True)

    def _fetch_article(self, article_id: str, *, record: bool) -> None:
        contact_id = self.contact.id if self.contact else ""
        question_id = self.question.id if self.contact else ""
        self._read_article(article_id, contact_id, question_id, record)

    @work(thread=True, exclusive=True, group="article", exit_on_error=False)
    def _read_article(
        self, article_id: str, contact_id: str, question_id: str, record: bool
    ) -> None:
        services = self.app.wait_services()
        if services is None:
            return
        article = services.reference.kb.get(article_id)
        if article is None:
            self.app.call_from_thread(self.query_one(ArticleView).show_missing, article_id)
            return
        self.post_message(ArticleLoaded(article, contact_id, question_id, record))

    def on_article_loaded(self, message: ArticleLoaded) -> None:
        """Shown and recorded only if its question is still the one on screen."""
        workspace, article = self.workspace, message.article
        self.titles[article.id] = article.title
        if message.contact_id and workspace is not None and not self._on_screen(message):
            return  # the agent moved on to another question or caller meanwhile
        self.query_one(ArticleView).show(article)
        if message.record and workspace is not None and workspace.record_product(article.id):
            self.panel.set_products(self.question.products, self.titles)
            self._schedule_draft()

    def _on_screen(self, message: ArticleLoaded) -> bool:
        assert self.workspace is not None
        question = self.workspace.find_question(message.contact_id, message.question_id)
        return question is not None and question is self.question

    # -- actions --------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keys follow the call state: no resolve without a call, no next call during one."""
        talking = self.state == CallState.TALKING
        if action in {"resolve", "route", "park", "discard"}:
            return talking
        if action in {"add_question", "question"}:
            return self.contact is not None
        if action == "take_call":
            return self.workspace is not None and not talking
        if action == "switch_contact":
            return bool(self.parked) or self.contact is not None
        return True

    def focus_now(self, selector: str) -> None:
        """Move focus at once, not after the events already queued (Widget.focus defers):
        the keys that follow F2/F3/F4 in a burst must land in the field it names."""
        self.set_focus(self.query_one(selector))

    def action_focus_search(self) -> None:
        self.focus_now("#search")
        self.query_one("#search", Input).select_all()

    def action_focus_notes(self) -> None:
        self.focus_now("#notes")

    def action_focus_customer(self) -> None:
        self.focus_now("#customer-name")

    def action_focus_article(self) -> None:
        self.focus_now("#article-scroll")

    async def action_focus_step(self, step: int) -> None:
        await focus_step(self, step)

    async def action_question(self, step: int) -> None:
        if not await self.take_screen():
            return
        assert self.workspace is not None
        if self.workspace.select_question(self.q_index + step):
            self._show_question()
            self._schedule_draft()

    async def action_add_question(self) -> None:
        if not await self.take_screen():
            return
        assert self.workspace is not None
        self.workspace.add_question()
        self._show_question()
        self._schedule_draft()
        self.focus_now("#question-subject")
        assert self.contact is not None
        self.notify(S.NEW_QUESTION.format(n=len(self.contact.questions)), timeout=2)

    def show_error(self, error: Exception) -> None:
        rows = field_errors.describe(error)
        self.panel.show_errors(
            [(path, f"{label}: {msg}" if label else msg) for path, label, msg in rows],
            self.q_index,
        )

    def clear_errors(self) -> None:
        self.panel.show_errors([], self.q_index)

    async def action_resolve(self) -> None:
        """Close the contact (the current question gets the resolve outcome if it has none)."""
        if not await self.take_screen():
            return
        assert self.workspace is not None
        try:
            closed = self.workspace.resolve()
        except DomainError as error:
            self.show_error(error)
            self._schedule_draft()
            return
        if closed is None:
            self.notify(S.NOTHING_TO_RESOLVE, timeout=3)
            return
        self._stop_draft_timer()
        self.post_message(ContactClosed(closed.id))
        self.notify(S.RESOLVED, timeout=4)
        self.show_current()  # the same contact, now in its wrap-up
        self.action_focus_notes()
        self._open_pending()

    async def action_take_call(self) -> None:
        """The next resident: ends the wrap-up (storing its time) and starts a contact now."""
        if self.workspace is None:
            self.notify(S.NOT_READY)
            return
        if self.state == CallState.TALKING:
            self.notify(S.ALREADY_TALKING, timeout=3)
            return
        if self.contact is not None and not await self.take_screen():
            return
        self._stop_draft_timer()
        services = self.services
        if services is not None and services.settings.desk and services.live.available:
            await self._call_ticket(services)
            return
        pending = self.workspace.pending_call
        try:
            contact = self.workspace.take_call()
        except DomainError as error:
            self.show_error(error)
            return
        self._clear_search()
        self.show_current()
        self.action_focus_search()
        if pending is not None and contact is not None and contact.call_id == pending.call_id:
            self._say_popped(pending)  # F12 took the caller the platform put through

    async def _call_ticket(self, services: ConsoleServices) -> None:
        """A counter desk's next resident: the wrap-up ends (stored) first, then the
        server hands out the longest-waiting ticket of this desk's services (never the
        same one to two desks) and a balie contact starts with it."""
        workspace = self.workspace
        assert workspace is not None
        try:
            workspace.end_wrapup()
        except DomainError as error:
            self.show_error(error)
            return
        from loket.services import SyncError  # httpx is behind it: not before the first frame

        settings = services.settings
        try:
            called = await asyncio.to_thread(
                services.live.next_ticket, settings.counter_service_ids() or None, settings.desk
            )
        except SyncError as error:
            self.notify(S.TICKET_FAILED.format(error=error), severity="error", timeout=6)
            self._show_next()
            return
        ticket = called.get("ticket")
        if not ticket:
            self.notify(S.TICKET_NOBODY, timeout=4)
            self._show_next()
            return
        workspace.take_ticket(ticket["id"])
        self._ticket_numbers[ticket["id"]] = ticket["number"]
        self._clear_search()
        self.show_current()
        self.action_focus_search()
        waited = format_duration(called.get("waited_seconds") or 0)
        desk = settings.desk
        self.notify(S.TICKET_CALLED.format(number=ticket["number"], desk=desk, waited=waited))

    # -- the screen pop: the platform put a call through to this agent -----------------------

    async def on_call_answered(self, message: CallAnswered) -> None:
        """A phone contact for the call at once, with the caller's number (the history
        lookup follows it); while the agent is busy with another contact nothing on screen
        changes and the call waits until that one is parked, discarded or resolved."""
        workspace = self.workspace
        if workspace is None or workspace.has_call(message.call_id):
            return
        if self.contact is not None and not await self.take_screen():
            return
        call = PoppedCall(message.call_id, message.caller, message.answered_at)
        if workspace.pop_call(call) is None:
            if workspace.pending_call is call:
                number = call.caller or S.POP_NUMBER_WITHHELD
                self.notify(S.POP_BUSY.format(number=number), severity="warning", timeout=10)
            return
        self._popped(call)

    def on_call_ended(self, message: CallEnded) -> None:
        workspace = self.workspace
        dropped = workspace.call_ended(message.call_id) if workspace is not None else None
        if dropped is not None:
            number = dropped.caller or S.POP_NUMBER_WITHHELD
            self.notify(S.POP_ENDED.format(number=number), timeout=6)

    def _popped(self, call: PoppedCall) -> None:
        """The workspace opened a contact for `call`: show it and say so."""
        self._stop_draft_timer()
        self._clear_search()
        self.show_current()
        self.action_focus_search()
        self._say_popped(call)

    def _say_popped(self, call: PoppedCall) -> None:
        if call.caller:
            self.notify(S.POP_ANSWERED.format(number=call.caller), timeout=5)
        else:
            self.notify(S.POP_WITHHELD, timeout=6)

    def _open_pending(self) -> bool:
        """After a park, discard or resolve: a call that popped meanwhile opens now."""
        workspace = self.workspace
        call = workspace.pending_call if workspace is not None else None
        if call is not None and workspace is not None and workspace.take_pending() is not None:
            self._popped(call)
            return True
        return False

    def _show_next(self) -> None:
        """The contact left the screen: the call that popped meanwhile, or the blank wait."""
        if not self._open_pending():
            self._clear_search()
            self.show_current()
            self.action_focus_search()

    async def action_pause(self) -> None:
        """Pause with a reason (the supervisor sees it live), or back to available. In a
        wrap-up the pause ends it (stored, as for the next call); not during a call."""
        services, workspace = self.services, self.workspace
        if services is None or workspace is None:
            self.notify(S.NOT_READY)
            return
        if services.presence.paused:
            services.presence.resume()
            self.notify(S.RESUMED, timeout=3)
            self._refresh_status()
            return
        if self.state == CallState.TALKING:
            self.notify(S.PAUSE_IN_CALL, severity="warning", timeout=4)
            return
        from loket.tui.screens.pause_dialog import PauseDialog

        self.app.push_screen(PauseDialog(), self._paused)

    async def _paused(self, reason: str | None) -> None:
        services, workspace = self.services, self.workspace
        if reason is None or services is None or workspace is None:
            return
        if self.state == CallState.TALKING:  # a call popped while the dialog was open
            return
        in_wrapup = self.state == CallState.WRAPUP
        if in_wrapup and not await self.take_screen():
            return
        if not services.presence.pause(reason):  # first: never "available" in between
            return
        if in_wrapup:
            try:
                workspace.end_wrapup()
            except DomainError as error:
                services.presence.resume()  # still in the wrap-up, with its error shown
                self.show_error(error)
                return
            self._show_next()
        self.notify(S.PAUSED.format(reason=reason), timeout=4)
        self._refresh_status()

    async def action_discard(self) -> None:
        """A misdial: after a confirmation the contact is thrown away and counted nowhere."""
        if not await self.take_screen():
            return
        assert self.workspace is not None
        if self.workspace.has_task():
            self.notify(S.DISCARD_ROUTED, severity="warning", timeout=4)
            return
        from loket.tui.screens.confirm_dialog import ConfirmDialog

        assert self.contact is not None  # take_screen checked it
        contact_id, ticket_id = self.contact.id, self.contact.ticket_id
        title, question = S.DISCARD_TITLE, S.DISCARD_QUESTION
        if ticket_id:  # a called resident who did not come: a no-show
            title = S.TICKET_NO_SHOW_TITLE
            question = S.TICKET_NO_SHOW_QUESTION.format(who=self._ticket_who(ticket_id))

        async def answered(yes: bool | None) -> None:
            if yes:
                await self._discarded(contact_id)

        self.app.push_screen(ConfirmDialog(title, question), answered)

    async def _discarded(self, contact_id: str) -> None:
        if self.workspace is None or not self.workspace.is_current(contact_id):
            return
        self._stop_draft_timer()
        gone = self.workspace.discard()
        if gone is None:
            return
        if gone.ticket_id and self.services is not None:
            await self._no_show(self.services, gone.ticket_id)
        else:
            self.notify(S.DISCARDED, timeout=3)
        self._show_next()

    def _ticket_who(self, ticket_id: str) -> str:
        number = self._ticket_numbers.get(ticket_id)
        return S.TICKET_WHO.format(number=number) if number else S.TICKET_WHO_UNKNOWN

    async def _no_show(self, services: ConsoleServices, ticket_id: str) -> None:
        from loket.services import SyncError  # see _call_ticket

        who = self._ticket_who(ticket_id)
        try:
            await asyncio.to_thread(services.live.no_show, ticket_id)
        except SyncError as error:
            self.notify(S.TICKET_FAILED.format(error=error), severity="error", timeout=6)
            return
        self._ticket_numbers.pop(ticket_id, None)
        self.notify(S.TICKET_NO_SHOW.format(who=who.capitalize()), timeout=4)

    def _clear_search(self) -> None:
        from textual.widgets import OptionList

        search = self.query_one(SearchPanel)
        search.query_one("#search", Input).clear()
        search.query_one("#results", OptionList).clear_options()

    async def action_route(self) -> None:
        if not await self.take_screen():
            return
        from loket.tui.screens.route_dialog import RouteDialog

        contact, question = self.contact, self.question
        assert contact is not None
        product = question.products[-1] if question.products else ""
        assert self.services is not None  # take_screen checked them
        dialog = RouteDialog(self.services, contact, question, product=product)
        self.app.push_screen(dialog, self._routed)

    def _routed(self, result: tuple[Contact, Task] | None) -> None:
        if result is None or self.workspace is None:
            return
        saved, task = result
        self.workspace.routed(saved)
        if self.workspace.is_current(saved.id):
            self.panel.load_question(self.question, self.titles)
            self.clear_errors()
            self._schedule_draft()
        team = services_team_name(self.services, task.team)
        due = format_due(task.due_at)
        self.post_message(
            QuestionRouted(saved.id, task.question_id, task.id, task.team, task.due_at)
        )
        self.notify(S.ROUTED.format(team=team, due=due), timeout=5)

    async def action_park(self) -> None:
        """Put the current contact aside (saved locally) and start a new one."""
        if not await self.take_screen():
            return
        assert self.workspace is not None
        self._stop_draft_timer()
        self.workspace.park()
        self.notify(S.PARKED, timeout=3)
        self._show_next()

    async def action_switch_contact(self) -> None:
        if self.contact is not None and not await self.take_screen():
            return
        from loket.tui.screens.switcher import ContactSwitcher

        others = list(self.parked.values())
        self.app.push_screen(ContactSwitcher(self.contact, others, self.titles), self._switch_to)

    def _switch_to(self, contact_id: str | None) -> None:
        if contact_id is None or self.workspace is None:
            return
        self._stop_draft_timer()
        try:
            target = self.workspace.switch_to(contact_id)
        except DomainError as error:  # the wrap-up could not be stored as it is
            self.show_error(error)
            return
        if target is None:
            return
        self._clear_search()
        self.show_current()
        self.notify(S.SWITCHED.format(time=local(target.started_at).strftime("%H:%M")), timeout=2)

    async def open_parked(self, contact_id: str) -> None:
        """From the palette: take the screen, then switch."""
        if self.contact is None or await self.take_screen():
            self._switch_to(contact_id)

    def palette_commands(self) -> list[Command]:
        from functools import partial

        commands: list[Command] = []
        for contact in self.parked.values():
            label = contact_label(contact)
            commands.append(
                (
                    S.PALETTE_OPEN_CONTACT.format(label=label),
                    partial(self.open_parked, contact.id),
                    "",
                )
            )
        return commands


_STATE_LABELS = {
    CallState.WAITING: S.STATE_WAITING,
    CallState.TALKING: S.STATE_TALKING,
    CallState.WRAPUP: S.STATE_WRAPUP,
}


def contact_label(contact: Contact) -> str:
    subject = next((q.text for q in contact.questions if q.text), "") or S.NO_SUBJECT
    return f"{local(contact.started_at).strftime('%H:%M')} · {contact.channel} · {subject}"


def services_team_name(services: ConsoleServices | None, team_id: str) -> str:
    team = services.reference.routing.get_team(team_id) if services is not None else None
    return team.name if team is not None else team_id


def _default_channels() -> list[str]:
    from loket.domain.models import DEFAULT_CHANNELS

    return list(DEFAULT_CHANNELS)


def _default_outcomes() -> list[str]:
    from loket.domain.models import DEFAULT_OUTCOMES

    return list(DEFAULT_OUTCOMES)
