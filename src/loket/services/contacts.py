"""The agent's contacts: start, save, close, route a question, customer history, drafts.

Every write goes into the local store together with its outbox row in one transaction,
so the console works fully offline and nothing typed is ever lost; the sync engine is
poked to push it soon. Only `customer_history(online=True)` and `show_bsn` touch the
network, with short timeouts.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from loket.domain.errors import DomainError, FieldError
from loket.domain.models import (
    OUTCOME_ROUTED,
    SUBJECT_MAX,
    Callback,
    Contact,
    ContactStatus,
    Question,
    Task,
    TaskKind,
    from_iso,
    utcnow,
)
from loket.domain.references import validate_reference
from loket.domain.tasks import progress
from loket.services.identity import Identity
from loket.services.reference import ReferenceData
from loket.store import ConsoleStore
from loket.sync import SyncEngine, SyncError


@dataclass(frozen=True)
class TaskState:
    """Where a routed question of an earlier contact stands now: what the front office
    may see of the back office's work (no internal note, no intake answers)."""

    id: str
    status: str
    team: str
    assignee: str = ""
    resolution: str = ""
    attempts: int = 0  # callback attempts
    reached: bool | None = None  # the last attempt's result
    returned_reason: str = ""


@dataclass
class ContactSummary:
    id: str
    started_at: datetime
    channel: str
    agent: str
    subjects: list[str]
    outcomes: list[str]
    source: str  # "lokaal" | "centraal"
    tasks: list[TaskState] = field(default_factory=list)  # its routed questions' tasks
    reference: str = ""  # the number the resident quotes; "" until synced (or older)


class ContactService:
    """One agent's contacts on this console."""

    def __init__(
        self,
        store: ConsoleStore,
        engine: SyncEngine,
        reference: ReferenceData,
        identity: Identity,
    ) -> None:
        self.store = store
        self.engine = engine
        self.reference = reference
        self.identity = identity

    def new(self, channel: str | None = None) -> Contact:
        """Start a contact on the agent's last channel.

        Not stored yet: an untouched contact must never reach the central store or its
        figures. What the agent types survives a crash through the drafts; the first
        save stores it (with the original start time, so the clock is right).
        """
        chosen = channel or self.store.get_meta("last_channel") or self.reference.channels[0]
        self.store.set_meta("last_channel", chosen)
        return Contact(agent=self.identity.user.name, channel=chosen)

    def save(self, contact: Contact) -> Contact:
        """Validate (DomainError with field paths), bump rev, store with its outbox row."""
        from loket.domain.validation import normalize_customer, validate_contact

        saved = copy.deepcopy(contact)
        saved.agent = saved.agent or self.identity.user.name
        stored = self.store.get_contact(saved.id)
        self._check_products(saved, stored)
        validate_contact(saved, self.reference.channels, self.reference.outcomes)
        if saved.customer is not None:
            saved.customer = normalize_customer(saved.customer)
            if saved.customer.is_empty():
                saved.customer = None
            elif saved.customer.postcode and not saved.customer.district:
                saved.customer.district = self.district_for(saved.customer.postcode)
        saved.rev = max(saved.rev, stored.rev if stored else 0) + 1
        self.store.save_contact(saved)
        self.engine.poke()
        return saved

    def close(self, contact: Contact) -> Contact:
        """End the contact: every question needs an outcome (validated with closing=True)."""
        from loket.domain.validation import validate_contact

        closing = copy.deepcopy(contact)
        closing.ended_at = closing.ended_at or utcnow()
        closing.status = ContactStatus.CLOSED
        for question in closing.questions:
            self._default_subject(question)
        validate_contact(closing, self.reference.channels, self.reference.outcomes, closing=True)
        return self.save(closing)

    def _check_products(self, contact: Contact, stored: Contact | None, route: str = "") -> None:
        """A question names only products of the kb; one kept from an earlier save stays
        valid even if the kb dropped it since (it was right when the agent chose it)."""
        known = {p for q in stored.questions for p in q.products} if stored else set()
        errors = [
            FieldError(f"questions[{i}].products", f"Onbekend product '{product}'.")
            for i, question in enumerate(contact.questions)
            for product in question.products
            if product not in known and self.reference.kb.get(product) is None
        ]
        if route and route not in known and self.reference.kb.get(route) is None:
            errors.append(FieldError("product", f"Onbekend product '{route}'."))
        if errors:
            raise DomainError(errors)

    def _default_subject(self, question: Question) -> None:
        """An agent in a hurry skips the subject; the product consulted first names it, so
        histories and reports never show a blank question."""
        if question.text.strip() or not question.products:
            return
        article = self.reference.kb.get(question.products[0])
        if article is not None:
            question.text = article.title[:SUBJECT_MAX]

    def record_product(self, contact: Contact, question_id: str, product_id: str) -> Contact:
        """The agent opened an article for this question: remember it (in order, once)."""
        updated = copy.deepcopy(contact)
        question = _question(updated, question_id)
        if product_id not in question.products:
            question.products.append(product_id)
        return self.save(updated)

    def open(self) -> list[Contact]:
        return self.store.contacts(status=str(ContactStatus.OPEN), agent=self.identity.user.name)

    def get(self, contact_id: str) -> Contact | None:
        return self.store.get_contact(contact_id)

    def recent(self, limit: int = 50) -> list[Contact]:
        return self.store.contacts(limit=limit)

    def district_for(self, postcode: str) -> str:
        """The wijk of a postcode in this municipality, "" when outside or unknown."""
        return self.reference.districts.district_for(postcode) or ""

    def customer_history(
        self, keys: Mapping[str, str], *, online: bool = True, for_contact: str = ""
    ) -> list[ContactSummary]:
        """Earlier contacts with this customer (`validation.lookup_keys`), or the one with
        `keys["reference"]`: this console's, and when online the whole KCC's from the
        central store, whose answer wins (it holds the tasks' state now). `for_contact` (the
        open contact) is the lookup's reason in the access log. A reference that is no
        reference raises DomainError (the check digit catches a misheard digit)."""
        keys = {name: value for name, value in keys.items() if value}
        if "reference" in keys:
            keys["reference"] = validate_reference(keys["reference"])
        found = {c.id: self._summary(c, origin) for c, origin in self.store.find_contacts(keys)}
        client = self.engine.client
        if online and client is not None and keys:
            try:
                items = client.lookup(keys, for_contact=for_contact)
            except SyncError as exc:
                self.engine.last_error = str(exc)
                items = []
            for item in items:
                summary = _remote_summary(item)
                if summary is not None:
                    found[summary.id] = summary
        return sorted(found.values(), key=lambda s: s.started_at, reverse=True)

    def _summary(self, contact: Contact, origin: str) -> ContactSummary:
        tasks = [self.store.get_task(q.task_id) for q in contact.questions if q.task_id]
        return ContactSummary(
            id=contact.id,
            started_at=contact.started_at,
            channel=contact.channel,
            agent=contact.agent,
            subjects=[q.text for q in contact.questions if q.text],
            outcomes=[q.outcome for q in contact.questions if q.outcome],
            source=origin,
            tasks=[_task_state(task) for task in tasks if task is not None],
            reference=contact.reference or "",
        )

    def save_draft(self, key: str, data: dict[str, Any]) -> None:
        self.store.save_draft(key, data)

    def drafts(self) -> dict[str, dict[str, Any]]:
        return self.store.drafts()

    def discard_draft(self, key: str) -> None:
        self.store.discard_draft(key)

    def route_question(
        self,
        contact: Contact,
        question_id: str,
        *,
        team: str,
        internal_note: str,
        callback: Callback,
        intake: dict[str, str],
        kind: TaskKind = TaskKind.DOORZETTING,
        product: str = "",
        now: datetime | None = None,
    ) -> tuple[Contact, Task]:
        """Make the task (due from the SLA), mark the question routed, store both atomically.

        `now` is the routing moment (default: the clock); importers of earlier contacts
        pass the contact's own time so the SLA runs from when the resident asked."""
        from loket.domain.tasks import new_task_log
        from loket.domain.validation import validate_contact, validate_task

        routed = copy.deepcopy(contact)
        routed.agent = routed.agent or self.identity.user.name
        question = _question(routed, question_id)
        product = product or (question.products[-1] if question.products else "")
        self._check_products(routed, self.store.get_contact(routed.id), product)
        self._default_subject(question)
        now = now or utcnow()
        errors: list[FieldError] = []
        due = None
        try:
            due = self.reference.due_preview(team, product, now)
        except DomainError as exc:
            errors.extend(exc.errors)
        task = Task(
            contact_id=routed.id,
            question_id=question.id,
            kind=TaskKind(kind),
            product=product,
            team=team,
            subject=(question.text or "")[:SUBJECT_MAX],
            internal_note=internal_note,
            callback=callback,
            intake=dict(intake),
            created_by=self.identity.user.name,
            created_at=now,
            due_at=due,
        )
        question.outcome = OUTCOME_ROUTED
        question.task_id = task.id
        for check in (
            lambda: validate_task(task),
            lambda: validate_contact(routed, self.reference.channels, self.reference.outcomes),
        ):
            try:
                check()
            except DomainError as exc:
                errors.extend(e for e in exc.errors if e not in errors)
        if errors:
            raise DomainError(errors)
        task = new_task_log(task, self.identity.user.name, now)
        stored = self.store.get_contact(routed.id)
        routed.rev = max(routed.rev, stored.rev if stored else 0) + 1
        self.store.save_contact_and_task(routed, task)
        self.engine.poke()
        return routed, task

    def show_bsn(self, contact_id: str, reason: str) -> str:
        """The full BSN of a contact, from the central store (it keeps BSNs encrypted and
        sends them masked; this call is access-logged there with `reason`). Raises
        SyncError (Dutch, no personal data) offline, without the right, or without a BSN."""
        client = self.engine.client
        if client is None:
            raise SyncError("Geen centrale server ingesteld (LOKET_SERVER_URL).")
        return client.show_bsn(contact_id, reason)


def _question(contact: Contact, question_id: str) -> Question:
    for question in contact.questions:
        if question.id == question_id:
            return question
    raise DomainError(FieldError("question_id", "Deze vraag hoort niet bij het contact."))


def _task_state(task: Task) -> TaskState:
    done = progress(task)
    return TaskState(
        id=task.id,
        status=str(task.status),
        team=task.team,
        assignee=task.assignee or "",
        resolution=task.resolution,
        attempts=done.attempts,
        reached=done.reached,
        returned_reason=done.returned_reason,
    )


def _remote_task(item: Any) -> TaskState | None:
    if not isinstance(item, dict) or not item.get("id"):
        return None
    reached = item.get("reached")
    return TaskState(
        id=str(item["id"]),
        status=str(item.get("status", "")),
        team=str(item.get("team", "")),
        assignee=str(item.get("assignee") or ""),
        resolution=str(item.get("resolution") or ""),
        attempts=int(item.get("attempts") or 0),
        reached=reached if isinstance(reached, bool) else None,
        returned_reason=str(item.get("returned_reason") or ""),
    )


def _remote_summary(item: dict[str, Any]) -> ContactSummary | None:
    """A server lookup item: a contact summary or a full contact dict, read defensively."""
    if not isinstance(item, dict) or not item.get("id"):
        return None
    questions = item.get("questions") or []
    return ContactSummary(
        id=str(item["id"]),
        started_at=from_iso(item.get("started_at")) or utcnow(),
        channel=str(item.get("channel", "")),
        agent=str(item.get("agent", "")),
        subjects=list(item.get("subjects") or [q.get("text", "") for q in questions]),
        outcomes=list(item.get("outcomes") or [q.get("outcome") for q in questions]),
        source="centraal",
        tasks=[t for t in (_remote_task(q.get("task")) for q in questions) if t is not None],
        reference=str(item.get("reference") or ""),
    )
