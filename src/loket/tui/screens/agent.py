"""The agent's screen: search and article, the contact panel, the notes pad, the call timer.

This screen owns the open contacts in memory. Every edit updates the model and, at most
0.5 s after the first unsaved edit, what is on screen is saved to the local store as a
draft, so a killed console restores it. Saving, resolving and routing go through the
services; a DomainError is shown inline, in Dutch, and nothing typed is lost.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer

from loket.domain.errors import DomainError
from loket.domain.models import OUTCOME_RESOLVED, Contact, Customer, Question
from loket.tui import field_errors
from loket.tui import strings as S
from loket.tui.formatting import format_due, local
from loket.tui.messages import (
    ArticleChosen,
    ArticleLoaded,
    ContactClosed,
    ContactEdited,
    CustomerChanged,
    DraftSaved,
    HistoryLoaded,
    ProductUnticked,
    QuestionRouted,
    QuestionSelected,
)
from loket.tui.widgets.article_view import ArticleView
from loket.tui.widgets.search_panel import SearchPanel
from loket.tui.widgets.status_line import StatusLine

DRAFT_DELAY_S = 0.5
HISTORY_DELAY_S = 0.3
DRAFT_PREFIX = "contact:"
CURRENT_KEY = "agent:current"


def lookup_ready(field: str, value: str) -> bool:
    """Only look up earlier contacts once the key is complete enough to mean something."""
    value = value.strip()
    if field == "email":
        from loket.domain.validation import validate_email

        try:
            validate_email(value)
        except DomainError:
            return False
        return True
    digits = sum(ch.isdigit() for ch in value)
    return digits >= (9 if field == "bsn" else 10)


class AgentScreen(Screen[None]):
    """Front office: find the answer, register the contact, resolve or route it."""

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
            "f10",
            "focus_article",
            S.KEY_ARTICLE,
            key_display="F10",
            id="article",
            show=False,
            priority=True,
        ),
        Binding("ctrl+pageup", "question(-1)", S.KEY_PREV_QUESTION, id="prev-question", show=False),
        Binding(
            "ctrl+pagedown", "question(1)", S.KEY_NEXT_QUESTION, id="next-question", show=False
        ),
    ]

    def __init__(self) -> None:
        super().__init__(id="agent")
        self.contact: Contact | None = None
        self.q_index = 0
        self.parked: dict[str, Contact] = {}
        self.titles: dict[str, str] = {}
        self._draft_timer: Timer | None = None
        self._history_timer: Timer | None = None
        self._history_key = ""
        self._notes_question = ""
        self._pending_panel = False

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
        self.app.after_first_paint(self._after_first_frame)  # type: ignore[attr-defined]

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
        await self.query_one("#notes-slot").mount(notes)
        self.app.when_ready(self._load)  # type: ignore[attr-defined]

    async def on_screen_resume(self) -> None:
        if self._pending_panel:
            await self._after_first_frame()
        self._refresh_status()

    # -- services ready: restore drafts and open contacts -------------------------------------

    def _load(self, services: Any) -> None:
        panel = self.panel
        panel.set_choices(services.channels, services.outcomes)
        self._refresh_status()
        open_contacts = {c.id: c for c in services.open_contacts()}
        drafts = services.drafts()
        restored = 0
        for key, data in drafts.items():
            if not key.startswith(DRAFT_PREFIX) or "contact" not in data:
                continue
            contact = Contact.from_dict(data["contact"])
            if contact.agent and contact.agent != services.user.name:
                continue
            open_contacts[contact.id] = contact
            restored += 1
        current_id = drafts.get(CURRENT_KEY, {}).get("contact_id")
        current = open_contacts.pop(current_id, None) if current_id else None
        if current is None and open_contacts:
            newest = max(open_contacts.values(), key=lambda c: c.started_at)
            current = open_contacts.pop(newest.id)
        self.parked = open_contacts
        question = drafts.get(CURRENT_KEY, {}).get("question", 0)
        self.show_contact(current or services.new_contact(), question)
        if restored:
            message = S.DRAFT_RESTORED if restored == 1 else S.DRAFTS_RESTORED.format(n=restored)
            self.notify(message)

    @property
    def panel(self) -> Any:
        """The ContactPanel (mounted just after the first frame)."""
        return self.query_one("#contact-panel")

    @property
    def services(self) -> Any | None:
        return self.app.services  # type: ignore[attr-defined]

    def _refresh_status(self) -> None:
        status = self.query_one(StatusLine)
        services = self.services
        if services is not None:
            status.set_user(services.user.name, services.user.role)
        status.set_sync(self.app.sync_state)  # type: ignore[attr-defined]
        status.set_open_count(len(self.parked) + (1 if self.contact else 0))
        status.set_started(self.contact.started_at if self.contact else None)

    # -- showing a contact ----------------------------------------------------------------------

    def show_contact(self, contact: Contact, q_index: int = 0) -> None:
        had_contact, self.contact = self.contact is not None, contact
        if not had_contact:  # the contact keys (check_action) become available
            self.refresh_bindings()
        self.q_index = max(0, min(q_index, len(contact.questions) - 1))
        self.panel.load(contact, self.q_index, self.titles)
        self.panel.show_errors([], self.q_index)
        self._load_notes()
        self._refresh_status()
        self._schedule_history()

    @property
    def question(self) -> Question:
        assert self.contact is not None
        return self.contact.questions[self.q_index]

    def _load_notes(self) -> None:
        notes = self.query_one("#notes")
        self._notes_question = self.question.id
        with notes.prevent(type(notes).Changed):
            notes.text = self.question.notes

    def _select_question(self, index: int) -> None:
        if self.contact is None:
            return
        self.q_index = max(0, min(index, len(self.contact.questions) - 1))
        panel = self.panel
        panel.set_questions(len(self.contact.questions), self.q_index)
        panel.load_question(self.question, self.titles)
        self._load_notes()
        self._schedule_draft()

    # -- edits ----------------------------------------------------------------------------------

    def on_contact_edited(self, message: ContactEdited) -> None:
        if self.contact is None:
            return
        field, value = message.field, message.value
        if field == "channel":
            self.contact.channel = value
        elif field.startswith("customer."):
            customer = self.contact.customer or Customer()
            setattr(customer, field.removeprefix("customer."), value)
            self.contact.customer = None if customer.is_empty() else customer
        elif field.startswith("question."):
            question = self._question_by_id(message.question_id)
            if question is None:
                return
            if field == "question.text":
                question.text = value
            elif field == "question.outcome":
                question.outcome = value
        self._schedule_draft()

    def _question_by_id(self, question_id: str) -> Question | None:
        """Edits name their question: a message may arrive after the agent switched."""
        if self.contact is None:
            return None
        if not question_id:
            return self.question
        return next((q for q in self.contact.questions if q.id == question_id), None)

    def on_text_area_changed(self, event: Any) -> None:
        if event.text_area.id != "notes":
            return
        question = self._question_by_id(self._notes_question)
        if question is not None:
            question.notes = event.text_area.text
            self._schedule_draft()

    def on_product_unticked(self, message: ProductUnticked) -> None:
        question = self._question_by_id(message.question_id)
        if question is None:
            return
        products = question.products
        if message.ticked and message.product_id not in products:
            products.append(message.product_id)
        elif not message.ticked and message.product_id in products:
            products.remove(message.product_id)
        self._schedule_draft()

    def on_question_selected(self, message: QuestionSelected) -> None:
        if message.index != self.q_index:
            self._select_question(message.index)

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
        services, contact = self.services, self.contact
        if services is None or contact is None:
            return
        key = DRAFT_PREFIX + contact.id
        services.save_draft(key, {"contact": contact.to_dict()})
        services.save_draft(CURRENT_KEY, {"contact_id": contact.id, "question": self.q_index})
        self.post_message(DraftSaved(key))

    def _drop_draft(self, contact: Contact) -> None:
        if self._draft_timer is not None:
            self._draft_timer.stop()
            self._draft_timer = None
        if self.services is not None:
            self.services.discard_draft(DRAFT_PREFIX + contact.id)

    # -- customer history ("ask once, use many times") ----------------------------------------

    def on_customer_changed(self, message: CustomerChanged) -> None:
        self._schedule_history()

    def _schedule_history(self) -> None:
        if self._history_timer is not None:
            self._history_timer.stop()
        self._history_timer = self.set_timer(HISTORY_DELAY_S, self._lookup, name="history")

    def _lookup(self) -> None:
        customer = self.contact.customer if self.contact else None
        keys = {
            name: getattr(customer, name)
            for name in ("phone", "email", "bsn")
            if customer and lookup_ready(name, getattr(customer, name))
        }
        panel = self.panel
        key = repr(sorted(keys.items()))
        if key == self._history_key:
            return
        self._history_key = key
        if not keys:
            panel.show_history(None)
            return
        panel.show_history(None, busy=True)
        self._fetch_history(key, keys)

    @work(thread=True, exclusive=True, group="history", exit_on_error=False)
    def _fetch_history(self, key: str, keys: dict[str, str]) -> None:
        services = self.app.wait_services()  # type: ignore[attr-defined]
        if services is None:
            return
        online = services.sync_state().online is not False
        try:
            items = services.customer_history(**keys, online=online)
        except DomainError:
            items = []  # an invalid key finds nothing; the field error shows on save
        contact_id = self.contact.id if self.contact else ""
        items = [item for item in items if item.id != contact_id]
        self.post_message(HistoryLoaded(key, items))

    def on_history_loaded(self, message: HistoryLoaded) -> None:
        if message.key == self._history_key:
            self.panel.show_history(message.items)

    # -- articles -------------------------------------------------------------------------------

    def on_article_chosen(self, message: ArticleChosen) -> None:
        self._fetch_article(message.article_id)

    @work(thread=True, exclusive=True, group="article", exit_on_error=False)
    def _fetch_article(self, article_id: str) -> None:
        services = self.app.wait_services()  # type: ignore[attr-defined]
        if services is None:
            return
        article = services.kb.get(article_id)
        if article is None:
            self.app.call_from_thread(self.query_one(ArticleView).show_missing, article_id)
            return
        self.post_message(ArticleLoaded(article))

    def on_article_loaded(self, message: ArticleLoaded) -> None:
        article = message.article
        self.titles[article.id] = article.title
        self.query_one(ArticleView).show(article)
        self._record_product(article.id)

    def _record_product(self, product_id: str) -> None:
        """The article is noted on the current question; the agent can untick it."""
        services, contact = self.services, self.contact
        if services is None or contact is None or product_id in self.question.products:
            return
        question_id = self.question.id
        try:
            saved = services.record_product(contact, question_id, product_id)
        except DomainError:
            saved = None  # the contact is not valid yet: keep it on screen, in the draft
        if saved is not None:
            self._merge_saved(saved)
        if product_id not in self.question.products:
            self.question.products.append(product_id)
        self.panel.set_products(self.question.products, self.titles)
        self._schedule_draft()

    def _merge_saved(self, saved: Contact) -> None:
        """Take the saved record (rev, products) but keep what is typed on screen."""
        assert self.contact is not None
        by_id = {q.id: q for q in saved.questions}
        for question in self.contact.questions:
            stored = by_id.get(question.id)
            if stored is not None:
                for product in stored.products:
                    if product not in question.products:
                        question.products.append(product)
        self.contact.rev = max(self.contact.rev, saved.rev)

    # -- actions --------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        needs_contact = {"resolve", "route", "add_question", "park", "switch_contact", "question"}
        return not (action in needs_contact and self.contact is None)

    def action_focus_search(self) -> None:
        self.query_one(SearchPanel).focus_search()

    def action_focus_notes(self) -> None:
        self.query_one("#notes").focus()

    def action_focus_customer(self) -> None:
        self.query_one("#customer-phone").focus()

    def action_focus_article(self) -> None:
        self.query_one("#article-scroll").focus()

    def action_question(self, step: int) -> None:
        self._select_question(self.q_index + step)

    def action_add_question(self) -> None:
        assert self.contact is not None
        self.contact.questions.append(Question())
        self._select_question(len(self.contact.questions) - 1)
        self.query_one("#question-subject").focus()
        self.notify(S.NEW_QUESTION.format(n=len(self.contact.questions)), timeout=2)

    def show_error(self, error: Exception) -> None:
        rows = field_errors.describe(error)
        self.panel.show_errors(
            [(path, f"{label}: {msg}" if label else msg) for path, label, msg in rows],
            self.q_index,
        )

    def clear_errors(self) -> None:
        self.panel.show_errors([], self.q_index)

    def action_resolve(self) -> None:
        """Give the current question the default outcome if it has none, then close."""
        services, contact = self.services, self.contact
        if services is None or contact is None:
            self.notify(S.NOT_READY)
            return
        if not self.question.outcome:
            self.question.outcome = OUTCOME_RESOLVED
            self.panel.load_question(self.question, self.titles)
        try:
            closed = services.close_contact(contact)
        except DomainError as error:
            self.show_error(error)
            self._schedule_draft()
            return
        self._drop_draft(contact)
        self.post_message(ContactClosed(closed.id))
        self.notify(S.RESOLVED, timeout=3)
        self._next_contact(channel=contact.channel)

    def _next_contact(self, channel: str | None = None) -> None:
        services = self.services
        assert services is not None
        self.query_one(ArticleView).clear()
        self._history_key = ""
        self.show_contact(services.new_contact(channel))
        self.save_draft_current()
        self.query_one(SearchPanel).focus_search()

    def save_draft_current(self) -> None:
        if self.services is not None and self.contact is not None:
            self.services.save_draft(CURRENT_KEY, {"contact_id": self.contact.id, "question": 0})

    def action_route(self) -> None:
        services, contact = self.services, self.contact
        if services is None or contact is None:
            self.notify(S.NOT_READY)
            return
        from loket.tui.screens.route_dialog import RouteDialog

        product = self.question.products[-1] if self.question.products else ""
        dialog = RouteDialog(services, contact, self.question, product=product)
        self.app.push_screen(dialog, self._routed)

    def _routed(self, result: tuple[Contact, Any] | None) -> None:
        if result is None or self.contact is None:
            return
        saved, task = result
        self.contact.rev = max(self.contact.rev, saved.rev)
        for question in self.contact.questions:
            stored = next((q for q in saved.questions if q.id == question.id), None)
            if stored is not None and stored.task_id:
                question.outcome, question.task_id = stored.outcome, stored.task_id
        self.panel.load_question(self.question, self.titles)
        self.clear_errors()
        self._schedule_draft()
        team = services_team_name(self.services, task.team)
        due = format_due(task.due_at)
        self.post_message(
            QuestionRouted(saved.id, task.question_id, task.id, task.team, task.due_at)
        )
        self.notify(S.ROUTED.format(team=team, due=due), timeout=5)

    def action_park(self) -> None:
        """Put the current contact aside (saved locally) and start a new one."""
        services, contact = self.services, self.contact
        if services is None or contact is None:
            self.notify(S.NOT_READY)
            return
        self._park(contact)
        self.notify(S.PARKED, timeout=3)
        self._next_contact(channel=contact.channel)

    def _park(self, contact: Contact) -> None:
        self.save_draft()  # the draft always holds it, even when it is not valid yet
        try:
            saved = self.services.save_contact(contact)  # type: ignore[union-attr]
            contact.rev = max(contact.rev, saved.rev)
        except DomainError:
            pass  # kept as a draft; errors show when it is opened again and saved
        self.parked[contact.id] = contact

    def action_switch_contact(self) -> None:
        from loket.tui.screens.switcher import ContactSwitcher

        assert self.contact is not None
        others = list(self.parked.values())
        self.app.push_screen(ContactSwitcher(self.contact, others), self._switch_to)

    def _switch_to(self, contact_id: str | None) -> None:
        if contact_id is None or self.contact is None or contact_id == self.contact.id:
            return
        target = self.parked.pop(contact_id, None)
        if target is None:
            return
        self._park(self.contact)
        self._history_key = ""
        self.show_contact(target)
        self.save_draft()
        self.notify(S.SWITCHED.format(time=local(target.started_at).strftime("%H:%M")), timeout=2)

    def palette_commands(self) -> list[tuple[str, Any, str]]:
        from functools import partial

        commands = []
        for contact in self.parked.values():
            label = contact_label(contact)
            commands.append(
                (
                    S.PALETTE_OPEN_CONTACT.format(label=label),
                    partial(self._switch_to, contact.id),
                    "",
                )
            )
        return commands


def contact_label(contact: Contact) -> str:
    subject = next((q.text for q in contact.questions if q.text), "") or S.NO_SUBJECT
    return f"{local(contact.started_at).strftime('%H:%M')} · {contact.channel} · {subject}"


def services_team_name(services: Any, team_id: str) -> str:
    team = services.routing.get_team(team_id) if services is not None else None
    return team.name if team is not None else team_id


def _default_channels() -> list[str]:
    from loket.domain.models import DEFAULT_CHANNELS

    return list(DEFAULT_CHANNELS)


def _default_outcomes() -> list[str]:
    from loket.domain.models import DEFAULT_OUTCOMES

    return list(DEFAULT_OUTCOMES)
