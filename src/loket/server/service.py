"""The central store's rules: who may do what, push/pull, task actions, privacy.

Route handlers call one method here each; storage only runs SQL; the task state machine
and field checks come from `loket.domain` (the same code the console runs). Every
refusal is an `ApiError` value; push turns them into per-item results instead.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from loket.domain.errors import DomainError, FieldError
from loket.domain.kpi import daily_report
from loket.domain.models import (
    DEFAULT_CHANNELS,
    DEFAULT_OUTCOMES,
    Contact,
    Role,
    Task,
    TaskStatus,
    utcnow,
)
from loket.domain.sla import AMSTERDAM
from loket.domain.tasks import apply_action, new_task_log
from loket.domain.validation import (
    is_masked_bsn,
    mask_bsn,
    normalize_customer,
    validate_bsn,
    validate_contact,
    validate_email,
    validate_task,
)
from loket.domain.validation import normalize_phone as _normalize_phone
from loket.server import bsn_data, schemas
from loket.server.auth import User, hash_token, new_token
from loket.server.bsn import BsnKeyError, BsnKeys
from loket.server.errors import ApiError, forbidden, not_found
from loket.server.storage.base import (
    ChangeRow,
    ContactQuery,
    ContactRow,
    ItemFailed,
    Storage,
    TaskQuery,
    TaskRow,
    Writes,
    db_time,
)

log = logging.getLogger(__name__)

USER_CACHE_SECONDS = 2.0
_LONG_NUMBER = re.compile(r"\d{8,}")  # a BSN (or any long number) typed into a reason
_DIGIT_SEPARATOR = re.compile(r"(?<=\d)[ .-](?=\d)")
LOOKUP_LIMIT = 50
CONTACT_WRITERS = frozenset({Role.AGENT.value, Role.SUPERVISOR.value})
PUSH_PAYLOADS: dict[str, type[BaseModel]] = {
    "contact.save": schemas.ContactSavePayload,
    "task.create": schemas.TaskCreatePayload,
    "task.action": schemas.TaskActionPayload,
}


def pydantic_fields(exc: ValidationError, prefix: str = "") -> list[FieldError]:
    """Pydantic errors as FieldErrors with dotted/indexed paths (`questions[0].text`)."""
    found = []
    for err in exc.errors():
        path = prefix
        for part in err["loc"]:
            if isinstance(part, int):
                path += f"[{part}]"
            else:
                path = f"{path}.{part}" if path else str(part)
        found.append(FieldError(path or "body", err["msg"]))
    return found


def _prefixed(errors: Iterable[FieldError], prefix: str) -> list[FieldError]:
    return [FieldError(f"{prefix}.{e.field}", e.message) for e in errors]


def encode_cursor(*parts: str) -> str:
    return base64.urlsafe_b64encode(json.dumps(parts).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[str, str] | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        first, second = json.loads(raw)
        if isinstance(first, str) and isinstance(second, str):
            return first, second
    except (binascii.Error, ValueError, TypeError):
        pass
    raise ApiError("bad_request", "Invalid cursor.", [FieldError("cursor", "Invalid cursor.")])


def parse_moment(value: str | None, field: str) -> str | None:
    """A date or datetime query value as database time text; dates are local midnight."""
    if value is None or value == "":
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        msg = "Expected a date (YYYY-MM-DD) or an ISO 8601 time."
        raise ApiError("validation", msg, [FieldError(field, msg)]) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=AMSTERDAM)
    return db_time(moment)


def has_customer_data(contact: dict[str, Any]) -> bool:
    customer = contact.get("customer") or {}
    return any(customer.values())


@dataclass
class Prepared:
    """A push item after the checks that need no database: the domain record to write, or
    the refusal to answer (unless the change id turns out to be applied already)."""

    change_id: str
    kind: str
    model: BaseModel | None = None
    record: Contact | Task | None = None
    refusal: ApiError | None = None


@dataclass
class _Group:
    """Bookkeeping of one push transaction: which ids are applied, and which results
    still wait for the seq of their queued change-log entry."""

    seen: dict[str, int | None] = field(default_factory=dict)
    mine: dict[str, dict[str, Any]] = field(default_factory=dict)  # applied in this group
    waiting: list[tuple[dict[str, Any], int]] = field(default_factory=list)  # (result, ticket)
    echoes: list[tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=list)

    def applied(self, change_id: str, result: dict[str, Any], ticket: int | None) -> None:
        self.seen[change_id] = None
        self.mine[change_id] = result
        if ticket is not None:
            self.waiting.append((result, ticket))

    def duplicate(self, change_id: str, result: dict[str, Any]) -> dict[str, Any]:
        echo = {**result, "status": "duplicate", "seq": self.seen[change_id]}
        if change_id in self.mine:  # the same id earlier in this group: its seq comes later
            self.echoes.append((echo, self.mine[change_id]))
        return echo

    def settle(self, tx: Writes) -> None:
        """Write the change-log entries (the order lock's short tail), then give every
        result its seq, in the answers and in `applied_changes`."""
        seqs = tx.flush_changes()
        for result, ticket in self.waiting:
            result["seq"] = seqs[ticket]
        tx.set_change_results(
            [(r["id"], r["seq"], json.dumps(r)) for r, _ in self.waiting if r["seq"] is not None]
        )
        for echo, original in self.echoes:
            echo["seq"] = original["seq"]


class _Seen(Exception):
    """Control flow: the change id was recorded meanwhile (by another server process)."""


PushOutcome = list[dict[str, Any]] | BaseException


class CentralStore:
    """One instance per server process; thread-safe (route handlers run in a thread pool)."""

    def __init__(
        self,
        storage: Storage,
        keys: BsnKeys | None = None,
        key_file: Path | None = None,
        teams: Collection[str] | None = None,
        clock: Callable[[], datetime] = utcnow,
        channels: Collection[str] = DEFAULT_CHANNELS,
        outcomes: Collection[str] = DEFAULT_OUTCOMES,
    ) -> None:
        self.storage = storage
        self.teams = teams
        self.clock = clock
        self.channels = tuple(channels)
        self.outcomes = tuple(outcomes)
        self._keys = keys
        self._key_file = key_file
        self._opened = False
        self._users: dict[str, tuple[User, float]] = {}
        self._users_lock = threading.Lock()

    # --- set-up and identity ---------------------------------------------------------------

    def open(self) -> None:
        """Migrate; load the BSN keys (the key file is made on first use) and refuse keys
        that do not fit the data; encrypt BSNs left in plain text by older versions.
        Raises `BsnKeyError` (one line) when the keys are missing or wrong."""
        if self._opened:
            return
        self.storage.migrate()
        if self._keys is None:
            if self._key_file is None:
                raise BsnKeyError("no BSN keys configured (bsn_key_file)")
            self._keys, created = bsn_data.obtain_keys(self.storage, self._key_file)
            if created:
                log.warning("created BSN key file %s: keep it secret and backed up", self._key_file)
        bsn_data.check_keys(self.storage, self._keys)
        bsn_data.upgrade_plaintext(self.storage, self._keys)
        self._opened = True

    @property
    def keys(self) -> BsnKeys:
        if self._keys is None:
            raise BsnKeyError("the BSN keys are not loaded (CentralStore.open)")
        return self._keys

    def now(self) -> str:
        return db_time(self.clock())

    def cached_user(self, token: str) -> User | None:
        """The caller from the short-lived cache, without touching the database (so the
        event loop may ask); None means `authenticate` must look it up."""
        cached = self._users.get(hash_token(token))
        if cached and cached[1] > time.monotonic():
            return cached[0]
        return None

    def authenticate(self, token: str) -> User:
        token_hash = hash_token(token)
        cached = self._users.get(token_hash)
        if cached and cached[1] > time.monotonic():
            return cached[0]
        with self.storage.read() as r:
            row = r.user_by_token_hash(token_hash)
        if row is None or row["disabled"]:
            raise ApiError("unauthorized", "Unknown or disabled token.")
        user = User.from_row(row)
        with self._users_lock:
            self._users[token_hash] = (user, time.monotonic() + USER_CACHE_SECONDS)
        return user

    def _forget_users(self) -> None:
        with self._users_lock:
            self._users.clear()

    # --- push --------------------------------------------------------------------------------

    def push(self, user: User, changes: list[schemas.ChangeIn]) -> list[dict[str, Any]]:
        """One push request, applied on the calling thread (see `PushWriter` for many)."""
        outcome = self.apply_pushes([(user, self.prepare_push(user, changes))])[0]
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def prepare_push(self, user: User, changes: Iterable[schemas.ChangeIn]) -> list[Prepared]:
        """Per-item checks that need no database; done before the write transaction."""
        prepared = []
        for change in changes:
            try:
                prepared.append(self._prepare(user, change))
            except ApiError as exc:
                prepared.append(Prepared(change.id, change.kind, refusal=exc))
        return prepared

    def apply_pushes(self, jobs: Sequence[tuple[User, list[Prepared]]]) -> list[PushOutcome]:
        """Apply many push requests in ONE transaction, with a savepoint per item.

        A refused or failing item rolls back to its savepoint only, so it never
        half-applies and never blocks the others; the whole group commits once (one
        commit instead of one per item is most of the speed). An unexpected error in an
        item fails its request (500), not the group; a database error that breaks the
        transaction fails them all, and nothing of it is committed.

        The items' change-log entries are queued and written together at the end, under
        the change-log order lock (`Writes.flush_changes`): other server processes' groups
        run their items meanwhile and wait only for that short tail.
        """
        outcomes: list[PushOutcome] = []
        group = _Group()
        with self.storage.write() as tx:
            # Ids committed before this transaction; one pushed concurrently elsewhere is
            # caught by `record_change` (the unique key waits for the other transaction).
            group.seen = tx.applied_seqs([item.change_id for _, items in jobs for item in items])
            for user, items in jobs:
                try:
                    outcomes.append([self._apply_item(tx, user, item, group) for item in items])
                except ItemFailed as exc:
                    log.error("push item failed: %s", exc)
                    outcomes.append(exc)
            group.settle(tx)
        return outcomes

    def _apply_item(self, tx: Writes, user: User, item: Prepared, group: _Group) -> dict[str, Any]:
        result: dict[str, Any] = {
            "id": item.change_id,
            "status": "applied",
            "seq": None,
            "error": None,
            "current": None,
        }
        if item.change_id in group.seen:  # an applied id stays applied, whatever the payload
            return group.duplicate(item.change_id, result)
        try:
            if item.refusal is not None:
                raise item.refusal
            with tx.savepoint(expected=(ApiError, _Seen)):
                ticket = self._apply(tx, user, item)
                if not tx.record_change(
                    item.change_id,
                    user.name,
                    item.kind,
                    self.now(),
                    None,
                    json.dumps(result),
                ):
                    raise _Seen  # recorded meanwhile by another transaction
        except _Seen:
            return {**result, "status": "duplicate", "seq": _seq_of(tx, item.change_id)}
        except ApiError as exc:
            status = "conflict" if exc.code == "conflict" else "rejected"
            return {**result, "status": status, "error": exc.body(), "current": exc.current}
        group.applied(item.change_id, result, ticket)
        return result

    def _prepare(self, user: User, change: schemas.ChangeIn) -> Prepared:
        """Checks that need no database: shape, domain rules, the caller's role."""
        model_type = PUSH_PAYLOADS.get(change.kind)
        if model_type is None:
            msg = f"Unknown kind '{change.kind}' (expected one of {', '.join(PUSH_PAYLOADS)})."
            raise ApiError("validation", msg, [FieldError("kind", msg)])
        try:
            model = model_type.model_validate(change.payload)
        except ValidationError as exc:
            fields = pydantic_fields(exc, "payload")
            raise ApiError("validation", fields[0].message, fields) from None
        record: Contact | Task | None = None
        if isinstance(model, schemas.ContactSavePayload):
            record = self._check_contact(user, model.contact)
        elif isinstance(model, schemas.TaskCreatePayload):
            record = self._check_task(user, model.task)
        return Prepared(change.id, change.kind, model, record)

    def _apply(self, tx: Writes, user: User, item: Prepared) -> int | None:
        """Apply one item; its queued change-log entry (`Writes.queue_change`) or None."""
        if isinstance(item.record, Contact):
            return self._save_contact(tx, user, item.record)
        if isinstance(item.record, Task):
            return self._create_task(tx, user, item.record)
        model = item.model
        assert isinstance(model, schemas.TaskActionPayload)
        _, seq = self._act(tx, user, model.task_id, model.action, model.version, model.fields())
        return seq

    # --- contacts ----------------------------------------------------------------------------

    def _check_contact(self, user: User, contact_in: schemas.ContactIn) -> Contact:
        if user.role not in CONTACT_WRITERS or contact_in.agent != user.name:
            raise forbidden("Je kunt alleen je eigen contacten opslaan.")
        contact = Contact.from_dict(contact_in.as_dict())
        try:
            validate_contact(contact, self.channels, self.outcomes)
        except DomainError as exc:
            raise ApiError.from_domain(_domain_prefixed(exc, "payload.contact")) from None
        return contact

    def _save_contact(self, tx: Writes, user: User, contact: Contact) -> int | None:
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
            outcomes=[q.outcome for q in contact.questions if q.outcome],
            data_json=data_json,
        )
        if not tx.upsert_contact(row):  # another agent's contact, or an equal or older rev
            owner = tx.contact_owner(contact.id)
            if owner is not None and owner != user.name:
                raise forbidden("Dit contact is van een andere medewerker.")
            return None  # an equal or older rev: a no-op by contract
        change = ChangeRow(
            "contact", contact.id, self.now(), contact.agent, data, status=row.status
        )
        change.data_json = data_json
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
        if known is None or mask_bsn(known) != bsn or stored["agent"] != user.name:
            msg = "Vul het volledige BSN in."
            raise ApiError("validation", msg, [FieldError("payload.contact.customer.bsn", msg)])
        return stored["bsn_hash"], (stored["bsn_key_id"], stored["bsn_enc"])

    def list_contacts(
        self, user: User, filters: dict[str, str | None], limit: int, cursor: str | None
    ) -> dict[str, Any]:
        scope = self._contact_scope(user)
        query = ContactQuery(
            since=parse_moment(filters.get("since"), "since"),
            until=parse_moment(filters.get("until"), "until"),
            channel=filters.get("channel") or None,
            agent=filters.get("agent") or None,
            outcome=filters.get("outcome") or None,
            after=decode_cursor(cursor),
            limit=limit + 1,
        )
        with self.storage.read() as r:
            rows = r.contacts(query, scope)
        page = rows[:limit]
        items = [json.loads(row["data"]) for row in page]
        self._record_access(user, [r["id"] for r in page if r["has_customer"]], "export")
        last = page[-1] if page else None
        more = len(rows) > limit and last is not None
        return {
            "items": items,
            "next_cursor": encode_cursor(last["started_at"], last["id"]) if more else None,
        }

    def get_contact(self, user: User, contact_id: str) -> dict[str, Any]:
        scope = self._contact_scope(user)
        with self.storage.read() as r:
            row = r.contact(contact_id)
        if row is None:
            raise not_found("Contact")
        if scope.kind == "owner" and row["agent"] != user.name:
            raise forbidden("Je kunt alleen je eigen contacten inzien.")
        if row["has_customer"]:
            self._record_access(user, [contact_id], "view")
        return json.loads(row["data"])

    def show_bsn(self, user: User, contact_id: str, reason: str) -> dict[str, Any]:
        """The full BSN of one contact, for a caller whose work needs it, with a reason;
        access-logged (`show_bsn`, who, when, which contact, the reason) before it is
        returned. Agents: contacts they registered; back office: contacts with a task
        in one of their teams; supervisors: every contact. Admins manage, they do not
        serve residents: refused."""
        reason = " ".join(reason.split())
        if _LONG_NUMBER.search(_DIGIT_SEPARATOR.sub("", reason)):
            msg = "De reden mag geen nummer van 8 of meer cijfers bevatten."
            raise ApiError("validation", msg, [FieldError("reason", msg)])
        with self.storage.read() as r:
            row = r.contact_bsn(contact_id)
            if row is None:
                raise not_found("Contact")
            if not self._may_see_bsn(r, user, row):
                raise forbidden("Je mag het BSN van dit contact niet inzien.")
        bsn = bsn_data.reveal(self.keys, row)
        if bsn is None:
            raise not_found("BSN")
        with self.storage.write() as tx:
            tx.add_access(self.now(), user.name, [contact_id], "show_bsn", reason)
        return {"contact_id": contact_id, "bsn": bsn}

    def _may_see_bsn(self, reads: Any, user: User, row: dict[str, Any]) -> bool:
        if user.role == Role.SUPERVISOR:
            return True
        if user.role == Role.AGENT:
            return row["agent"] == user.name
        if user.role == Role.BACKOFFICE:
            return bool(user.teams) and reads.contact_has_task_for(row["id"], user.teams)
        return False

    def lookup(self, user: User, request: schemas.LookupIn) -> dict[str, Any]:
        scope = self._contact_scope(user)
        criteria = self._lookup_criteria(request)
        found: dict[str, dict[str, Any]] = {}
        with self.storage.read() as r:
            for column, value in criteria:
                for row in r.contacts_matching(column, value, scope, LOOKUP_LIMIT):
                    found.setdefault(row["id"], json.loads(row["data"]))
        items = sorted(found.values(), key=lambda c: c["started_at"], reverse=True)
        items = items[:LOOKUP_LIMIT]
        self._record_access(user, [c["id"] for c in items] or [""], "lookup")
        return {"items": [contact_summary(c) for c in items]}

    def _lookup_criteria(self, request: schemas.LookupIn) -> list[tuple[str, str]]:
        criteria: list[tuple[str, str]] = []
        errors: list[FieldError] = []
        checks = (
            ("phone", request.phone, lambda v: _normalize_phone(v, "phone")),
            ("email", request.email, lambda v: validate_email(v, "email").lower()),
            ("bsn_hash", request.bsn, lambda v: self.keys.hash(validate_bsn(v, "bsn"))),
        )
        for column, value, normalise in checks:
            if not value:
                continue
            try:
                criteria.append((column, normalise(value)))
            except DomainError as exc:
                errors.extend(exc.errors)
        if errors:
            raise ApiError("validation", errors[0].message, errors)
        if not criteria:
            msg = "Give a phone number, an e-mail address or a BSN."
            raise ApiError("validation", msg, [FieldError("body", msg)])
        return criteria

    def _contact_scope(self, user: User):
        scope = user.change_scope()
        if scope.kind not in ("all", "owner"):
            raise forbidden("Contacten zijn niet zichtbaar voor jouw rol.")
        return scope

    def _record_access(self, user: User, contact_ids: list[str], reason: str) -> None:
        if contact_ids:
            with self.storage.write() as tx:
                tx.add_access(self.now(), user.name, contact_ids, reason)

    # --- tasks -------------------------------------------------------------------------------

    def _check_task(self, user: User, task_in: schemas.TaskIn) -> Task:
        if user.role not in CONTACT_WRITERS or task_in.created_by != user.name:
            raise forbidden("Je kunt alleen taken doorzetten die je zelf aanmaakt.")
        task = Task.from_dict(task_in.as_dict())
        errors: list[FieldError] = []
        try:
            validate_task(task)
        except DomainError as exc:
            errors.extend(exc.errors)
        if self.teams is not None and task.team and task.team not in self.teams:
            errors.append(FieldError("team", f"Onbekend team '{task.team}'."))
        if errors:
            raise ApiError.from_domain(_domain_prefixed(DomainError(errors), "payload.task"))
        return task

    def _create_task(self, tx: Writes, user: User, task: Task) -> int:
        contact = tx.contact(task.contact_id) if task.contact_id else None
        if contact is not None and contact["agent"] != user.name and not user.reads_all:
            raise forbidden("Dit contact is van een andere medewerker.")
        task = new_task_log(task, user.name, self.clock())
        if not tx.insert_task(_task_row(task)):
            msg = "Er bestaat al een taak met dit id."
            raise ApiError("validation", msg, [FieldError("payload.task.id", msg)])
        return tx.queue_change(_task_change(task, self.now(), None))

    def act(
        self, user: User, task_id: str, action: str, version: int, fields: dict[str, Any]
    ) -> dict[str, Any]:
        """A task action over HTTP: the same path as `task.action` in push."""
        with self.storage.write() as tx:  # the change-log entry is written at commit
            task, _ = self._act(tx, user, task_id, action, version, fields)
        return task.to_dict()

    def _act(
        self,
        tx: Writes,
        user: User,
        task_id: str,
        action: str,
        version: int,
        fields: dict[str, Any],
    ) -> tuple[Task, int]:
        row = tx.task(task_id)
        if row is None:
            raise not_found("Taak")
        task = Task.from_dict(json.loads(row["data"]))
        if not self._may_act(user, task):
            raise forbidden("Je kunt deze taak niet behandelen.")
        if version != task.version:
            raise _stale(task)
        try:
            new = apply_action(task, action, user.name, self.clock(), teams=self.teams, **fields)
        except DomainError as exc:
            raise ApiError.from_domain(exc) from None
        if not tx.update_task(_task_row(new), expected_version=task.version):
            current = tx.task(task_id)
            raise _stale(Task.from_dict(json.loads(current["data"])) if current else task)
        team_before = task.team if new.team != task.team else None
        return new, tx.queue_change(_task_change(new, self.now(), team_before))

    def _may_act(self, user: User, task: Task) -> bool:
        if user.role == Role.SUPERVISOR:
            return True
        if user.role == Role.BACKOFFICE:
            return task.team in user.teams
        if user.role == Role.AGENT and task.created_by == user.name:
            # The front office acts on what came back to it (returned), and then on what it
            # claimed itself; the back office's queue is not its business.
            return task.status == TaskStatus.RETURNED or task.assignee == user.name
        return False

    def _may_read_task(self, user: User, task: dict[str, Any]) -> bool:
        if user.reads_all:
            return True
        if user.role == Role.AGENT:
            return task.get("created_by") == user.name
        if user.role == Role.BACKOFFICE:
            return task.get("team") in user.teams
        return False

    def list_tasks(
        self, user: User, filters: dict[str, str | None], limit: int, cursor: str | None
    ) -> dict[str, Any]:
        scope = user.change_scope()
        query = TaskQuery(
            team=filters.get("team") or None,
            status=filters.get("status") or None,
            assignee=filters.get("assignee") or None,
            after=decode_cursor(cursor),
            limit=limit + 1,
        )
        with self.storage.read() as r:
            rows = r.tasks(query, scope)
        items = [json.loads(row["data"]) for row in rows[:limit]]
        more = len(rows) > limit and items
        last = items[-1] if items else None
        return {
            "items": items,
            "next_cursor": encode_cursor(
                db_time(datetime.fromisoformat(last["created_at"])), last["id"]
            )
            if more and last
            else None,
        }

    def get_task(self, user: User, task_id: str) -> dict[str, Any]:
        with self.storage.read() as r:
            row = r.task(task_id)
        if row is None:
            raise not_found("Taak")
        task = json.loads(row["data"])
        if not self._may_read_task(user, task):
            raise forbidden("Deze taak is niet zichtbaar voor jou.")
        return task

    # --- pull --------------------------------------------------------------------------------

    def pull(self, user: User, since: int, limit: int) -> dict[str, Any]:
        scope = user.change_scope()
        with self.storage.read() as r:
            high = r.max_seq()
            rows = r.changes(since, high, scope, limit + 1) if scope.kind != "none" else []
        more = len(rows) > limit
        rows = rows[:limit]
        entries = [
            {
                "seq": int(row["seq"]),
                "entity": row["entity"],
                "id": row["entity_id"],
                "at": row["at"],
                "data": json.loads(row["data"]),
            }
            for row in rows
        ]
        cursor = entries[-1]["seq"] if more else max(since, high)
        exported = [
            e["id"]
            for e, row in zip(entries, rows, strict=True)
            if e["entity"] == "contact"
            and row["owner"] != user.name
            and has_customer_data(e["data"])
        ]
        self._record_access(user, exported, "export")
        return {"changes": entries, "cursor": cursor, "more": more}

    # --- supervisor view ----------------------------------------------------------------------

    def stats(self, user: User, day: date | None) -> dict[str, Any]:
        """The supervisor's day: `loket.domain.kpi.daily_report`, as `loket report` shows it."""
        if not user.reads_all:
            raise forbidden("Alleen voor supervisors en beheerders.")
        now = self.clock()
        day = day or now.astimezone(AMSTERDAM).date()
        start = datetime.combine(day, datetime.min.time(), AMSTERDAM)
        with self.storage.read() as r:
            tasks = [Task.from_dict(json.loads(row["data"])) for row in r.active_tasks()]
            rows = r.contacts_between(db_time(start), db_time(start + timedelta(days=1)))
        contacts = [Contact.from_dict(json.loads(row["data"])) for row in rows]
        return daily_report(contacts, tasks, now, day).to_dict()

    # --- users and access log -------------------------------------------------------------------

    def require_admin(self, user: User) -> None:
        if user.role != Role.ADMIN:
            raise forbidden("Alleen voor beheerders.")

    def list_users(self) -> list[dict[str, Any]]:
        with self.storage.read() as r:
            rows = r.users()
        return [
            {
                **User.from_row(row).as_dict(),
                "disabled": bool(row["disabled"]),
                "created_at": row["created_at"],
            }
            for row in rows
        ]

    def add_user(self, name: str, role: str, teams: Iterable[str]) -> str:
        """Create a user; returns its bearer token (shown once, stored only as a hash)."""
        token = new_token()
        with self.storage.write() as tx:
            if tx.user(name) is not None:
                msg = f"User '{name}' exists."
                raise ApiError("conflict", msg, [FieldError("name", msg)])
            tx.add_user(name, role, list(teams), hash_token(token), self.now())
        return token

    def disable_user(self, name: str) -> None:
        with self.storage.write() as tx:
            if not tx.set_user_disabled(name, True):
                raise not_found("User")
        self._forget_users()

    def access_log(self, limit: int, before: int | None) -> dict[str, Any]:
        with self.storage.read() as r:
            rows = r.access_log(before, limit + 1)
        items = [
            {
                "id": int(x["id"]),
                "at": x["at"],
                "user": x["user_name"],
                "contact_id": x["contact_id"],
                "reason": x["reason"],
                "note": x["note"],
            }
            for x in rows[:limit]
        ]
        more = len(rows) > limit
        return {"items": items, "next_before": items[-1]["id"] if more else None}


def _seq_of(tx: Writes, change_id: str) -> int | None:
    row = tx.applied(change_id)
    return int(row["seq"]) if row and row["seq"] is not None else None


def _stale(task: Task) -> ApiError:
    return ApiError(
        "conflict",
        f"De taak is intussen gewijzigd (nu versie {task.version}). Bekijk de nieuwe stand.",
        [FieldError("version", "Verouderde versie.")],
        current=task.to_dict(),
    )


def _domain_prefixed(exc: DomainError, prefix: str) -> DomainError:
    return DomainError(_prefixed(exc.errors, prefix))


def _task_row(task: Task) -> TaskRow:
    return TaskRow(
        id=task.id,
        contact_id=task.contact_id,
        team=task.team,
        assignee=task.assignee,
        status=str(task.status),
        created_by=task.created_by,
        created_at=db_time(task.created_at),
        due_at=db_time(task.due_at) if task.due_at else None,
        version=task.version,
        data=task.to_dict(),
    )


def _task_change(task: Task, at: str, team_before: str | None) -> ChangeRow:
    return ChangeRow(
        "task",
        task.id,
        at,
        task.created_by,
        task.to_dict(),
        team=task.team,
        team_before=team_before,
        status=str(task.status),
    )


def contact_summary(contact: dict[str, Any]) -> dict[str, Any]:
    """What a lookup shows: enough to recognise the resident's history; BSN masked."""
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
        "customer": customer or None,
        "questions": [
            {"text": q.get("text", ""), "outcome": q.get("outcome"), "task_id": q.get("task_id")}
            for q in contact.get("questions", [])
        ],
    }
