"""Contacts and customer lookup: saving what consoles push (BSN sealed, see
`loket.server.bsn_data`), listing and reading them, showing a full BSN with a reason, and
finding a resident's earlier contacts by phone, e-mail or BSN (keyed hash)."""

from __future__ import annotations

import builtins
import json
import re
from collections.abc import Callable, Collection, Mapping
from typing import Any

from loket.domain.errors import DomainError, FieldError
from loket.domain.models import Contact, Task
from loket.domain.references import make_reference, validate_reference
from loket.domain.tasks import progress
from loket.domain.validation import (
    address_key,
    is_masked_bsn,
    mask_bsn,
    normalize_customer,
    normalize_house_number,
    normalize_phone,
    normalize_postcode,
    validate_bsn,
    validate_contact,
    validate_email,
    validate_kvk,
)
from loket.protocol import Entity
from loket.server import bsn_data, policy, schemas
from loket.server.auth import User
from loket.server.bsn import BsnKeyError, BsnKeys
from loket.server.errors import ApiError, forbidden, not_found
from loket.server.services.common import (
    Context,
    decode_cursor,
    encode_cursor,
    parse_moment,
    prefixed,
)
from loket.server.services.users import AccessLog
from loket.server.storage.base import Writes, db_time
from loket.server.storage.changes import ChangeRow
from loket.server.storage.contacts import ContactQuery, ContactRow

LOOKUP_LIMIT = 50
_LONG_NUMBER = re.compile(r"\d{8,}")  # a BSN (or any long number) typed into a reason
_DIGIT_SEPARATOR = re.compile(r"(?<=\d)[ .-](?=\d)")


def has_customer_data(contact: dict[str, Any]) -> bool:
    customer = contact.get("customer") or {}
    return any(customer.values())


class CentralContacts:
    def __init__(
        self,
        ctx: Context,
        access: AccessLog,
        channels: Collection[str],
        outcomes: Collection[str],
        bsn_keys: BsnKeys | None = None,
    ) -> None:
        self.ctx = ctx
        self.access = access
        self.channels = tuple(channels)
        self.outcomes = tuple(outcomes)
        self.bsn_keys = bsn_keys  # loaded by `CentralStore.open` when not given

    @property
    def keys(self) -> BsnKeys:
        if self.bsn_keys is None:
            raise BsnKeyError("the BSN keys are not loaded (CentralStore.open)")
        return self.bsn_keys

    # --- saving (push: contact.save) ------------------------------------------------------

    def check(self, user: User, contact_in: schemas.ContactIn) -> Contact:
        """Checks that need no database: the caller's right and the domain's rules. The
        author is the caller, whatever the console wrote (see `policy.may_register`)."""
        if not policy.may_register(user):
            raise forbidden("Je kunt alleen je eigen contacten opslaan.")
        contact = Contact.from_dict({**contact_in.as_dict(), "agent": user.name})
        try:
            validate_contact(contact, self.channels, self.outcomes)
        except DomainError as exc:
            raise ApiError.from_domain(prefixed(exc.errors, "payload.contact")) from None
        return contact

    def save(self, tx: Writes, user: User, contact: Contact) -> int | None:
        """Upsert by rev; the queued change-log entry, or None for an older rev (no-op).
        The reference is the store's: the one stored, or (first save) the counter's next,
        whatever the console sent."""
        stored, reference = tx.contact_reference(contact.id)
        if not stored:
            reference = make_reference(tx.next_reference_number())
        contact.reference = reference
        full = contact.to_dict()
        data = bsn_data.masked_record(full)  # stored and logged: never the raw BSN
        data_json = json.dumps(data)
        customer = normalize_customer(contact.customer) if contact.customer else None
        bsn_hash, sealed = self._sealed_bsn(tx, user, contact.id, customer)
        row = ContactRow(
            id=contact.id,
            agent=contact.agent,
            channel=contact.channel,
            started_at=db_time(contact.started_at),
            status=str(contact.status),
            rev=contact.rev,
            has_customer=has_customer_data(full),
            data=data,
            phone=(customer.phone or None) if customer else None,
            email=(customer.email.lower() or None) if customer else None,
            bsn_hash=bsn_hash,
            bsn_key_id=sealed[0] if sealed else None,
            bsn_enc=sealed[1] if sealed else None,
            district=(customer.district or None) if customer else None,
            kvk=(customer.kvk or None) if customer else None,
            address=(address_key(customer.postcode, customer.house_number) or None)
            if customer
            else None,
            outcomes=[q.outcome for q in contact.questions if q.outcome],
            call_id=contact.call_id,
            reference=reference,
            data_json=data_json,
        )
        if not tx.upsert_contact(row):  # another agent's contact, or an equal or older rev
            owner = tx.contact_owner(contact.id)
            if owner is not None and owner != user.name:
                raise forbidden("Dit contact is van een andere medewerker.")
            return None  # an equal or older rev: a no-op by contract
        change = ChangeRow(
            Entity.CONTACT, contact.id, self.ctx.now(), contact.agent, row.data, status=row.status
        )
        change.data_json = row.data_json
        return tx.queue_change(change)

    def _sealed_bsn(
        self, tx: Writes, user: User, contact_id: str, customer: Any
    ) -> tuple[str | None, tuple[str, str] | None]:
        """(hash, (key id, ciphertext)) for a saved contact's BSN. A masked BSN (what
        consoles get back from the store) means "unchanged": the stored one is kept."""
        bsn = customer.bsn if customer else ""
        if not bsn:
            return None, None
        if not is_masked_bsn(bsn):
            bsn_hash, sealed = bsn_data.seal_bsn(self.keys, contact_id, bsn)
            return bsn_hash, (sealed.key_id, sealed.token)
        stored = tx.contact_bsn(contact_id)
        known = bsn_data.reveal(self.keys, stored) if stored else None
        if (
            stored is None
            or known is None
            or mask_bsn(known) != bsn
            or stored["agent"] != user.name
        ):
            msg = "Vul het volledige BSN in."
            raise ApiError("validation", msg, [FieldError("payload.contact.customer.bsn", msg)])
        return stored["bsn_hash"], (stored["bsn_key_id"], stored["bsn_enc"])

    # --- reading ----------------------------------------------------------------------------

    def list(
        self,
        user: User,
        *,
        since: str | None = None,
        until: str | None = None,
        channel: str | None = None,
        agent: str | None = None,
        outcome: str | None = None,
        limit: int = 100,
        cursor: str | None = None,
    ) -> dict[str, Any]:
        scope = policy.contact_scope(user)
        query = ContactQuery(
            since=parse_moment(since, "since"),
            until=parse_moment(until, "until"),
            channel=channel or None,
            agent=agent or None,
            outcome=outcome or None,
            after=decode_cursor(cursor),
            limit=limit + 1,
        )
        with self.ctx.storage.read() as r:
            rows = r.contacts(query, scope)
        page = rows[:limit]
        items = [json.loads(row["data"]) for row in page]
        self.access.record(user, [r["id"] for r in page if r["has_customer"]], "export")
        last = page[-1] if page else None
        more = len(rows) > limit
        return {
            "items": items,
            "next_cursor": encode_cursor(last["started_at"], last["id"])
            if more and last is not None
            else None,
        }

    def get(self, user: User, contact_id: str) -> dict[str, Any]:
        scope = policy.contact_scope(user)
        with self.ctx.storage.read() as r:
            row = r.contact(contact_id)
        if row is None:
            raise not_found("Contact")
        if not scope.admits(row):
            raise forbidden("Je kunt alleen je eigen contacten inzien.")
        if row["has_customer"]:
            self.access.record(user, [contact_id], "view")
        contact: dict[str, Any] = json.loads(row["data"])
        return contact

    def show_bsn(self, user: User, contact_id: str, reason: str) -> dict[str, Any]:
        """The full BSN of one contact, for a caller whose work needs it, with a reason;
        access-logged (`show_bsn`, who, when, which contact, the reason) before it is
        returned. Who may: `policy.may_see_bsn`."""
        reason = " ".join(reason.split())
        if _LONG_NUMBER.search(_DIGIT_SEPARATOR.sub("", reason)):
            msg = "De reden mag geen nummer van 8 of meer cijfers bevatten."
            raise ApiError("validation", msg, [FieldError("reason", msg)])
        with self.ctx.storage.read() as r:
            row = r.contact_bsn(contact_id)
            if row is None:
                raise not_found("Contact")
            if not policy.may_see_bsn(
                user, row["agent"], lambda teams: r.contact_has_task_for(contact_id, teams)
            ):
                raise forbidden("Je mag het BSN van dit contact niet inzien.")
        bsn = bsn_data.reveal(self.keys, row)
        if bsn is None:
            raise not_found("BSN")
        self.access.record(user, [contact_id], "show_bsn", reason)
        return {"contact_id": contact_id, "bsn": bsn}

    # --- customer lookup --------------------------------------------------------------------

    def lookup(self, user: User, request: schemas.LookupIn) -> dict[str, Any]:
        """A resident's earlier contacts across the KCC (`policy.history_scope`), newest
        first, each routed question with its task's state now. Access-logged: who, when,
        which contacts, and the open contact the lookup was made for."""
        scope = policy.history_scope(user)
        criteria = self._criteria(request)
        found: dict[str, dict[str, Any]] = {}
        with self.ctx.storage.read() as r:
            for column, value in criteria:
                for row in r.contacts_matching(column, value, scope, LOOKUP_LIMIT):
                    found.setdefault(row["id"], json.loads(row["data"]))
            items = sorted(found.values(), key=lambda c: c["started_at"], reverse=True)
            items = items[:LOOKUP_LIMIT]
            tasks = [json.loads(t["data"]) for t in r.tasks_of_contacts([c["id"] for c in items])]
        by_id = {task["id"]: task for task in tasks}
        why = request.for_contact or ""
        self.access.record(user, [c["id"] for c in items] or [""], "lookup", why)
        return {"items": [history_entry(c, by_id) for c in items]}

    def _criteria(self, request: schemas.LookupIn) -> builtins.list[tuple[str, str]]:
        criteria: builtins.list[tuple[str, str]] = []
        errors: builtins.list[FieldError] = []
        checks: tuple[tuple[str, str | None, Callable[[str], str]], ...] = (
            ("phone", request.phone, lambda v: normalize_phone(v, "phone")),
            ("email", request.email, lambda v: validate_email(v, "email").lower()),
            ("bsn_hash", request.bsn, lambda v: self.keys.hash(validate_bsn(v, "bsn"))),
            ("reference", request.reference, lambda v: validate_reference(v, "reference")),
            ("kvk", request.kvk, lambda v: validate_kvk(v, "kvk")),
        )
        for column, value, normalise in checks:
            if not value:
                continue
            try:
                criteria.append((column, normalise(value)))
            except DomainError as exc:
                errors.extend(exc.errors)
        errors.extend(_address_criterion(request, criteria))
        if errors:
            raise ApiError("validation", errors[0].message, errors)
        if not criteria:
            msg = (
                "Give a phone number, an e-mail address, a BSN, a KvK number, an address"
                " or a reference number."
            )
            raise ApiError("validation", msg, [FieldError("body", msg)])
        return criteria


def _address_criterion(
    request: schemas.LookupIn, criteria: builtins.list[tuple[str, str]]
) -> builtins.list[FieldError]:
    """Postcode and house number find a household together, never one without the other."""
    postcode, number = request.postcode or "", request.house_number or ""
    if not postcode and not number:
        return []
    if not (postcode and number):
        missing = "house_number" if postcode else "postcode"
        return [FieldError(missing, "Give both a postcode and a house number.")]
    try:
        code = normalize_postcode(postcode, "postcode")
        house = normalize_house_number(number, "house_number")
    except DomainError as exc:
        return list(exc.errors)
    criteria.append(("address", address_key(code, house)))
    return []


def history_entry(contact: dict[str, Any], tasks: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    """What a customer history shows of an earlier contact, whoever registered it: enough
    to recognise it and to tell the resident where their question stands (subject,
    outcome, the task's state and the back office's resolution), BSN masked. Never the
    agent's notes, nor the back office's internal note, intake answers or step notes."""
    customer = dict(contact.get("customer") or {})
    if customer.get("bsn"):
        customer["bsn"] = mask_bsn(customer["bsn"])
    return {
        "id": contact["id"],
        "agent": contact.get("agent"),
        "channel": contact.get("channel"),
        "started_at": contact.get("started_at"),
        "ended_at": contact.get("ended_at"),
        "status": contact.get("status"),
        "reference": contact.get("reference"),
        "customer": customer or None,
        "questions": [
            {
                "text": q.get("text", ""),
                "outcome": q.get("outcome"),
                "task_id": q.get("task_id"),
                "task": task_summary(tasks[q["task_id"]]) if q.get("task_id") in tasks else None,
            }
            for q in contact.get("questions", [])
        ],
    }


def task_summary(data: dict[str, Any]) -> dict[str, Any]:
    """A task as the front office follows it (`responses.TaskSummaryOut`)."""
    task = Task.from_dict(data)
    done = progress(task)
    return {
        "id": task.id,
        "status": str(task.status),
        "team": task.team,
        "assignee": task.assignee,
        "due_at": data.get("due_at"),
        "resolution": task.resolution,
        "attempts": done.attempts,
        "reached": done.reached,
        "returned_reason": done.returned_reason,
        "version": task.version,
    }
