"""The agent's open contacts, without Textual: the screen is only a view of this model.

`ContactWorkspace` owns the contact being handled, the parked ones, the selected question
and the drafts that survive a crash. Every change goes through it, stamped with the contact
it was made for, so an edit that arrives late (a burst of keys over a slow link) can never
land on another caller's contact. Saving goes through the console services.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from loket.domain.errors import DomainError
from loket.domain.models import (
    OUTCOME_RESOLVED,
    Contact,
    ContactStatus,
    Customer,
    Question,
    utcnow,
)

DRAFT_PREFIX = "contact:"
CURRENT_KEY = "agent:current"


class CallState(StrEnum):
    """Where the agent is in the call flow; the status line shows it."""

    WAITING = "waiting"  # free: no call taken (the wait is no one's handling time)
    TALKING = "talking"  # a call was taken: the contact is being handled
    WRAPUP = "wrapup"  # the conversation ended; notes are finished (nawerk)


@dataclass(frozen=True)
class PoppedCall:
    """A call the telephone platform says this agent answered (the screen pop)."""

    call_id: str
    caller: str  # the caller's number; "" when withheld
    answered_at: datetime | None  # when the agent answered: the contact's start


class WorkspaceContacts(Protocol):
    """What the workspace needs of the contact service (`loket.services.contacts`)."""

    def new(self, channel: str | None = None) -> Contact: ...
    def save(self, contact: Contact) -> Contact: ...
    def close(self, contact: Contact) -> Contact: ...
    def record_product(self, contact: Contact, question_id: str, product_id: str) -> Contact: ...
    def open(self) -> list[Contact]: ...
    def get(self, contact_id: str) -> Contact | None: ...
    def save_draft(self, key: str, data: dict[str, Any]) -> None: ...
    def drafts(self) -> dict[str, dict[str, Any]]: ...
    def discard_draft(self, key: str) -> None: ...
    def district_for(self, postcode: str) -> str: ...


class WorkspaceUser(Protocol):
    @property
    def name(self) -> str: ...


class WorkspaceServices(Protocol):
    """What the workspace needs from the console services (`loket.services`)."""

    @property
    def user(self) -> WorkspaceUser: ...
    @property
    def contacts(self) -> WorkspaceContacts: ...


@dataclass(frozen=True)
class Snapshot:
    """Everything the screen shows of the current contact, read straight from its widgets."""

    contact_id: str
    question_id: str
    channel: str | None
    customer: dict[str, str]
    subject: str
    outcome: str | None
    notes: str
    satisfaction: int | None = None  # asked at the end of some calls; None when not asked


def is_untouched(contact: Contact) -> bool:
    """Nothing was entered: storing it would only add an empty contact to the figures."""
    if contact.customer is not None and not contact.customer.is_empty():
        return False
    if contact.satisfaction is not None or len(contact.questions) > 1:
        return False
    return not any(
        q.text.strip() or q.notes.strip() or q.products or q.outcome or q.task_id
        for q in contact.questions
    )


class ContactWorkspace:
    """The open contacts of one agent's console."""

    def __init__(
        self,
        services: WorkspaceServices,
        clock: Callable[[], datetime] = utcnow,
        on_state: Callable[[str], None] | None = None,
    ) -> None:
        self.services = services
        self.clock = clock
        self.on_state = on_state  # told every state entered (the agent's reported state)
        self.current: Contact | None = None
        self.q_index = 0
        self.parked: dict[str, Contact] = {}
        self.dirty = False  # edits not yet in the draft
        self.state = CallState.WAITING
        self.since = clock()  # when the current state began
        self.edited_in_wrapup = False  # the wrap-up has edits the store does not have yet
        # An answered call that popped while the agent was busy: it opens once they are not.
        self.pending_call: PoppedCall | None = None
        # When the platform ended the call of an open contact (contact id -> moment).
        self.call_ends: dict[str, datetime] = {}

    # -- reading ----------------------------------------------------------------------------

    @property
    def question(self) -> Question:
        assert self.current is not None
        return self.current.questions[self.q_index]

    @property
    def open_count(self) -> int:
        return len(self.parked) + (1 if self.current is not None else 0)

    def has_task(self) -> bool:
        """A question of the current contact was routed (a back office has it)."""
        return self.current is not None and any(q.task_id for q in self.current.questions)

    def is_current(self, contact_id: str) -> bool:
        return self.current is not None and self.current.id == contact_id

    def find_question(self, contact_id: str, question_id: str) -> Question | None:
        """The question an edit was made for, only while its contact is the current one."""
        if not self.is_current(contact_id):
            return None
        assert self.current is not None
        if not question_id:
            return self.question
        return next((q for q in self.current.questions if q.id == question_id), None)

    # -- start: restore what a killed console left ------------------------------------------

    def restore(self) -> int:
        """Open contacts from the store plus drafts; returns how many drafts were restored."""
        services = self.services
        open_contacts = {c.id: c for c in services.contacts.open()}
        drafts = services.contacts.drafts()
        restored = 0
        for key, data in drafts.items():
            if not key.startswith(DRAFT_PREFIX) or "contact" not in data:
                continue
            contact = Contact.from_dict(data["contact"])
            if contact.agent and contact.agent != services.user.name:
                continue
            open_contacts[contact.id] = contact
            restored += 1
        pointer = drafts.get(CURRENT_KEY, {})
        current = open_contacts.pop(pointer.get("contact_id", ""), None)
        if current is None and open_contacts:
            newest = max(open_contacts.values(), key=lambda c: c.started_at)
            current = open_contacts.pop(newest.id)
        self.parked = open_contacts
        if current is not None:
            self._show(current, int(pointer.get("question", 0) or 0))
            # A wrap-up that comes back from its draft has edits the store does not have.
            self.edited_in_wrapup = self.state == CallState.WRAPUP and (
                DRAFT_PREFIX + current.id in drafts
            )
        return restored

    def _show(self, contact: Contact, q_index: int = 0) -> None:
        self.current = contact
        self.q_index = max(0, min(q_index, len(contact.questions) - 1))
        self.dirty = False
        if contact.status == ContactStatus.CLOSED:  # restored in the middle of its wrap-up
            self._enter(CallState.WRAPUP, contact.wrapup_started_at)
        else:
            self._enter(CallState.TALKING, contact.started_at)

    def _enter(self, state: CallState, since: datetime | None = None) -> None:
        self.state, self.since = state, since or self.clock()
        self.edited_in_wrapup = False
        if self.on_state is not None:
            self.on_state(str(state))

    def _touched(self) -> None:
        """Something changed on the current contact (not yet in the draft or the store)."""
        self.dirty = True
        if self.state == CallState.WRAPUP:
            self.edited_in_wrapup = True

    @property
    def busy(self) -> bool:
        """In a conversation, or in a wrap-up with edits since it was stored: a popped call
        must not take the screen now (it waits in `pending_call`)."""
        return self.state == CallState.TALKING or (
            self.state == CallState.WRAPUP and self.edited_in_wrapup
        )

    # -- edits (each names the contact it was made for) -------------------------------------

    def edit(self, contact_id: str, field: str, value: Any, question_id: str = "") -> bool:
        """Apply one field edit; False (and nothing changed) if it is stale or a no-op."""
        if not self.is_current(contact_id):
            return False
        contact = self.current
        assert contact is not None
        if field == "channel":
            changed = value is not None and contact.channel != value
            if changed:
                contact.channel = value
        elif field == "satisfaction":
            changed = contact.satisfaction != value
            if changed:
                contact.satisfaction = value
        elif field.startswith("customer."):
            changed = self._set_customer(contact, field.removeprefix("customer."), value or "")
        elif field.startswith("question."):
            question = self.find_question(contact_id, question_id)
            name = field.removeprefix("question.")
            if question is None or name not in ("text", "outcome", "notes"):
                return False
            value = value or (None if name == "outcome" else "")
            changed = getattr(question, name) != value
            if changed:
                setattr(question, name, value)
        else:
            raise ValueError(f"unknown field {field!r}")
        if changed:
            self._touched()
        return changed

    def _set_customer(self, contact: Contact, name: str, value: str) -> bool:
        customer = contact.customer or Customer()
        if getattr(customer, name) == value:
            return False
        setattr(customer, name, value)
        if name == "postcode":
            customer.district = self.services.contacts.district_for(value)
        contact.customer = None if customer.is_empty() else customer
        return True

    def apply(self, snapshot: Snapshot) -> bool:
        """Take everything on screen at once (before saving, parking, switching, routing)."""
        cid, qid = snapshot.contact_id, snapshot.question_id
        changed = False
        if snapshot.channel is not None:
            changed |= self.edit(cid, "channel", snapshot.channel)
        for name, value in snapshot.customer.items():
            changed |= self.edit(cid, f"customer.{name}", value)
        changed |= self.edit(cid, "satisfaction", snapshot.satisfaction)
        changed |= self.edit(cid, "question.text", snapshot.subject, qid)
        changed |= self.edit(cid, "question.outcome", snapshot.outcome, qid)
        changed |= self.edit(cid, "question.notes", snapshot.notes, qid)
        return changed

    def set_product(self, contact_id: str, question_id: str, product_id: str, on: bool) -> bool:
        question = self.find_question(contact_id, question_id)
        if question is None or (product_id in question.products) == on:
            return False
        if on:
            question.products.append(product_id)
        else:
            question.products.remove(product_id)
        self._touched()
        return True

    def record_product(self, product_id: str) -> bool:
        """An article was opened: note it on the current question (and store it if valid)."""
        if self.current is None or product_id in self.question.products:
            return False
        try:
            saved = self.services.contacts.record_product(
                self.current, self.question.id, product_id
            )
        except DomainError:
            saved = None  # not valid yet: it stays on screen and in the draft
        if saved is not None:
            self._merge_saved(saved)
        if product_id not in self.question.products:
            self.question.products.append(product_id)
        self._touched()
        return True

    def _merge_saved(self, saved: Contact) -> None:
        """Take the saved record's rev, products and tasks; keep what is typed on screen."""
        assert self.current is not None
        by_id = {q.id: q for q in saved.questions}
        for question in self.current.questions:
            stored = by_id.get(question.id)
            if stored is None:
                continue
            question.products.extend(p for p in stored.products if p not in question.products)
            if stored.task_id:
                question.outcome, question.task_id = stored.outcome, stored.task_id
        self.current.rev = max(self.current.rev, saved.rev)

    def routed(self, saved: Contact) -> None:
        """The route dialog stored a task for a question of the current contact."""
        if self.is_current(saved.id):
            self._merge_saved(saved)
            self._touched()

    # -- questions --------------------------------------------------------------------------

    def add_question(self) -> Question:
        assert self.current is not None
        self.current.questions.append(Question())
        self.q_index = len(self.current.questions) - 1
        self._touched()
        return self.question

    def select_question(self, index: int) -> bool:
        if self.current is None:
            return False
        new = max(0, min(index, len(self.current.questions) - 1))
        changed, self.q_index = new != self.q_index, new
        return changed

    # -- closing, parking, switching --------------------------------------------------------

    def resolve(self) -> Contact | None:
        """End the conversation: the contact is closed and stored, wrap-up begins.

        None if nothing was entered (nothing is stored). The current question gets the
        resolve outcome when it has none; if closing fails validation, that outcome is
        taken back and the DomainError raised, nothing lost. The contact stays on screen
        for its wrap-up; `end_wrapup` (or taking the next call) stores when it ended.
        """
        contact = self.current
        if contact is None or self.state != CallState.TALKING or is_untouched(contact):
            return None
        question = self.question
        defaulted = not question.outcome
        if defaulted:
            question.outcome = OUTCOME_RESOLVED
        now = self.clock()
        talk_end = min(now, max(self.call_ends.get(contact.id, now), contact.started_at))
        contact.wrapup_started_at, contact.ended_at = talk_end, now
        try:
            closed = self.services.contacts.close(contact)
        except DomainError:
            if defaulted:
                question.outcome = None
            contact.wrapup_started_at = contact.ended_at = None
            self.dirty = True
            raise
        self._drop_draft(contact)
        self.call_ends.pop(contact.id, None)
        self.current = closed
        self._enter(CallState.WRAPUP, talk_end)
        return closed

    def end_wrapup(self) -> Contact | None:
        """Wrap-up done: store when it ended (and what was added to the notes meanwhile).
        Raises DomainError (and stays in wrap-up) if an edit made the contact invalid."""
        contact = self.current
        if contact is None or self.state != CallState.WRAPUP:
            return None
        ended = contact.ended_at
        contact.ended_at = max(self.clock(), contact.wrapup_started_at or contact.started_at)
        try:
            saved = self.services.contacts.save(contact)
        except DomainError:
            contact.ended_at = ended
            raise
        self._drop_draft(contact)
        self.current = None
        self._enter(CallState.WAITING)
        return saved

    def take_call(self, channel: str | None = None) -> Contact | None:
        """The next resident: ends a running wrap-up, then starts a contact now (for the
        pending popped call, if one waits). None while a call is being handled (park or
        close it first)."""
        if self.state == CallState.TALKING:
            return None
        previous = self.current
        if self.state == CallState.WRAPUP:
            self.end_wrapup()
        if self.pending_call is not None:  # the caller the platform put through meanwhile
            popped = self.take_pending()
            if popped is not None:
                return popped
        return self.new_contact(channel or (previous.channel if previous else None))

    def take_ticket(self, ticket_id: str) -> Contact | None:
        """The counter's next resident, called with their ticket: a balie contact that
        starts now and carries the ticket (its wait is on the ticket). The wrap-up must be
        ended first (`end_wrapup`): the ticket was called on the server already."""
        if self.state != CallState.WAITING:
            return None
        contact = self.new_contact("balie")
        contact.ticket_id = ticket_id
        self.save_draft()  # a console killed now still knows whom it called
        return contact

    def has_call(self, call_id: str) -> bool:
        """A contact for this call is open already (current or parked), or waits to open."""
        contacts = [*self.parked.values(), *([self.current] if self.current else [])]
        pending = self.pending_call
        return any(c.call_id == call_id for c in contacts) or (
            pending is not None and pending.call_id == call_id
        )

    def pop_call(self, call: PoppedCall) -> Contact | None:
        """The platform says this agent answered `call`: a telefoon contact for it, started
        when it was answered, with the caller's number (so the history lookup starts).

        A running wrap-up without new edits is ended and stored first, as for the next
        call (`take_call`). While `busy`, or when that wrap-up cannot be stored as it is
        (DomainError), nothing changes: the call waits in `pending_call` (the latest wins:
        the agent has one line) and None is returned; `take_pending` opens it later."""
        if self.has_call(call.call_id):
            return None
        self.pending_call = call
        if self.busy:
            return None
        return self.take_pending()

    def call_ended(self, call_id: str) -> PoppedCall | None:
        """The platform says `call_id` ended: if it was still waiting to open (the agent
        was busy), it never opens; returns the dropped call. A contact open for it stays
        (the agent finishes its registration), and its talk time ends now: closing it
        later counts the time since as wrap-up, as the call events say."""
        contacts = [*self.parked.values(), *([self.current] if self.current else [])]
        for contact in contacts:
            if contact.call_id == call_id and contact.status != ContactStatus.CLOSED:
                self.call_ends.setdefault(contact.id, self.clock())
        pending = self.pending_call
        if pending is None or pending.call_id != call_id:
            return None
        self.pending_call = None
        return pending

    def take_pending(self) -> Contact | None:
        """Open the pending popped call if the agent is no longer busy; None otherwise.
        Raises nothing: a wrap-up that cannot be stored keeps the call pending."""
        call = self.pending_call
        if call is None or self.busy:
            return None
        if self.state == CallState.WRAPUP:
            try:
                self.end_wrapup()
            except DomainError:
                return None
        self.pending_call = None
        contact = self.new_contact("telefoon", call_id=call.call_id)
        if call.answered_at is not None:
            contact.started_at = min(call.answered_at, contact.started_at)
            self.since = contact.started_at
        if call.caller:
            contact.customer = Customer(phone=call.caller)
        self.save_draft()  # a console killed now still has the call and the number
        return contact

    def discard(self) -> Contact | None:
        """Throw the current contact away (a misdial): it is in no figure. If it was stored
        already (parked, an article recorded), it is stored as discarded so the central
        store drops it from its figures too; otherwise nothing is stored at all."""
        contact = self.current
        if contact is None or self.state != CallState.TALKING or self.has_task():
            return None
        if self.services.contacts.get(contact.id) is not None:
            gone = copy.deepcopy(contact)
            gone.status = ContactStatus.DISCARDED
            gone.ended_at = self.clock()
            self.services.contacts.save(gone)
        self._drop_draft(contact)
        self.current = None
        self._enter(CallState.WAITING)
        return contact

    def park(self) -> Contact | None:
        """Put the current contact aside: kept as a draft, stored too when it is valid."""
        contact = self.current
        if contact is None:
            return None
        self._store_aside(contact)
        self.current = None
        self._enter(CallState.WAITING)
        return contact

    def _store_aside(self, contact: Contact) -> None:
        self._write_draft(contact)
        try:
            saved = self.services.contacts.save(contact)
            contact.rev = max(contact.rev, saved.rev)
        except DomainError:
            pass  # kept as a draft; errors show when it is opened again and saved
        self.parked[contact.id] = contact

    def switch_to(self, contact_id: str) -> Contact | None:
        """Park the current contact and open a parked one; None if there is no such one."""
        if self.current is not None and self.current.id == contact_id:
            return None
        if contact_id not in self.parked:
            return None
        if self.state == CallState.WRAPUP:
            self.end_wrapup()
        target = self.parked.pop(contact_id)
        if self.current is not None:
            self._store_aside(self.current)
        self._show(target)
        self.save_draft()
        return target

    def new_contact(self, channel: str | None = None, call_id: str | None = None) -> Contact:
        """Start the next contact now (the previous one is closed or parked)."""
        contact = self.services.contacts.new(channel)
        contact.started_at = self.clock()  # the call is taken now: handling time starts
        contact.call_id = call_id
        self._show(contact)
        self.services.contacts.save_draft(CURRENT_KEY, {"contact_id": contact.id, "question": 0})
        return contact

    # -- drafts -----------------------------------------------------------------------------

    def save_draft(self) -> str | None:
        """Write the current contact as a draft (even when it is not valid yet)."""
        if self.current is None:
            return None
        key = self._write_draft(self.current)
        self.services.contacts.save_draft(
            CURRENT_KEY, {"contact_id": self.current.id, "question": self.q_index}
        )
        self.dirty = False
        return key

    def _write_draft(self, contact: Contact) -> str:
        key = DRAFT_PREFIX + contact.id
        self.services.contacts.save_draft(key, {"contact": copy.deepcopy(contact).to_dict()})
        return key

    def _drop_draft(self, contact: Contact) -> None:
        self.services.contacts.discard_draft(DRAFT_PREFIX + contact.id)
        self.dirty = False
