"""Push and pull: applying the consoles' outboxes exactly once (group commit, a savepoint
per item, change ids remembered) and handing out the change log in seq order."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from pydantic import BaseModel, ValidationError

from loket.domain.errors import FieldError
from loket.domain.models import Contact, Task
from loket.protocol import (
    RECORD_ENTITIES,
    ChangeKind,
    Entity,
    PullEntry,
    PullPage,
    PushResult,
    PushStatus,
)
from loket.server import policy, schemas
from loket.server.auth import User
from loket.server.errors import ApiError
from loket.server.services.common import Context, pydantic_fields
from loket.server.services.contacts import CentralContacts, has_customer_data
from loket.server.services.tasks import CentralTasks
from loket.server.services.users import AccessLog
from loket.server.storage.base import Writes
from loket.server.storage.changes import ItemFailed

log = logging.getLogger(__name__)

PUSH_PAYLOADS: dict[str, type[BaseModel]] = {
    ChangeKind.CONTACT_SAVE: schemas.ContactSavePayload,
    ChangeKind.TASK_CREATE: schemas.TaskCreatePayload,
    ChangeKind.TASK_ACTION: schemas.TaskActionPayload,
}

# One push request's answer from a group transaction: its per-item results, or the error
# that failed the whole request (a 500; the other requests of the group go on).
RequestOutcome = list[PushResult] | BaseException


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
    mine: dict[str, PushResult] = field(default_factory=dict)  # applied in this group
    waiting: list[tuple[PushResult, int]] = field(default_factory=list)  # (result, ticket)
    echoes: list[tuple[PushResult, PushResult]] = field(default_factory=list)
    users: dict[str, bool] = field(default_factory=dict)  # name -> still enabled

    def enabled(self, tx: Writes, user: User) -> bool:
        """Whether the caller is still enabled, read inside this transaction: a push
        whose caller came from a cache writes nothing once the user is disabled."""
        if user.name not in self.users:
            self.users[user.name] = tx.user_enabled(user.name)
        return self.users[user.name]

    def applied(self, change_id: str, result: PushResult, ticket: int | None) -> None:
        self.seen[change_id] = None
        self.mine[change_id] = result
        if ticket is not None:
            self.waiting.append((result, ticket))

    def duplicate(self, change_id: str, result: PushResult) -> PushResult:
        echo: PushResult = {**result, "status": PushStatus.DUPLICATE, "seq": self.seen[change_id]}
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


class CentralSync:
    def __init__(
        self, ctx: Context, contacts: CentralContacts, tasks: CentralTasks, access: AccessLog
    ) -> None:
        self.ctx = ctx
        self.contacts = contacts
        self.tasks = tasks
        self.access = access

    # --- push ---------------------------------------------------------------------------------

    def push(self, user: User, changes: list[schemas.ChangeIn]) -> list[PushResult]:
        """One push request, applied on the calling thread (see `PushWriter` for many)."""
        outcome = self.apply([(user, self.prepare(user, changes))])[0]
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def prepare(self, user: User, changes: Iterable[schemas.ChangeIn]) -> list[Prepared]:
        """Per-item checks that need no database; done before the write transaction."""
        prepared = []
        for change in changes:
            try:
                prepared.append(self._prepare(user, change))
            except ApiError as exc:
                prepared.append(Prepared(change.id, change.kind, refusal=exc))
        return prepared

    def apply(self, jobs: Sequence[tuple[User, list[Prepared]]]) -> list[RequestOutcome]:
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
        outcomes: list[RequestOutcome] = []
        group = _Group()
        with self.ctx.storage.write() as tx:
            # Ids committed before this transaction; one pushed concurrently elsewhere is
            # caught by `record_change` (the unique key waits for the other transaction).
            group.seen = tx.applied_seqs([item.change_id for _, items in jobs for item in items])
            for user, items in jobs:
                if not group.enabled(tx, user):
                    outcomes.append(ApiError("unauthorized", "Unknown or disabled token."))
                    continue
                try:
                    outcomes.append([self._apply_item(tx, user, item, group) for item in items])
                except ItemFailed as exc:
                    log.error("push item failed: %s", exc)
                    outcomes.append(exc)
            group.settle(tx)
        for (user, _), outcome in zip(jobs, outcomes, strict=True):
            if not isinstance(outcome, BaseException):  # a conflict answers the task now
                current = [r["current"] for r in outcome if r["current"] is not None]
                self.access.record_tasks(user, current, "task_action")
        return outcomes

    def _apply_item(self, tx: Writes, user: User, item: Prepared, group: _Group) -> PushResult:
        result: PushResult = {
            "id": item.change_id,
            "status": PushStatus.APPLIED,
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
                    item.change_id, user.name, item.kind, self.ctx.now(), None, json.dumps(result)
                ):
                    raise _Seen  # recorded meanwhile by another transaction
        except _Seen:
            return {**result, "status": PushStatus.DUPLICATE, "seq": _seq_of(tx, item.change_id)}
        except ApiError as exc:
            status = PushStatus.CONFLICT if exc.code == "conflict" else PushStatus.REJECTED
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
            record = self.contacts.check(user, model.contact)
        elif isinstance(model, schemas.TaskCreatePayload):
            record = self.tasks.check(user, model.task)
        return Prepared(change.id, change.kind, model, record)

    def _apply(self, tx: Writes, user: User, item: Prepared) -> int | None:
        """Apply one item; its queued change-log entry (`Writes.queue_change`) or None."""
        if isinstance(item.record, Contact):
            return self.contacts.save(tx, user, item.record)
        if isinstance(item.record, Task):
            return self.tasks.create(tx, user, item.record)
        model = item.model
        assert isinstance(model, schemas.TaskActionPayload)
        _, seq = self.tasks.act_in(
            tx, user, model.task_id, model.action, model.version, model.fields()
        )
        return seq

    # --- pull ---------------------------------------------------------------------------------

    def pull(self, user: User, since: int, limit: int) -> PullPage:
        scope = policy.change_scope(user)
        with self.ctx.storage.read() as r:
            high = r.max_seq()
            rows = r.changes(since, high, scope, limit + 1) if not scope.nothing else []
        more = len(rows) > limit
        rows = rows[:limit]
        last = int(rows[-1]["seq"]) if rows else since
        # Live entries (calls, tickets, agent states) are for the event stream only: a
        # pull skips them like any entry the caller may not see (the cursor moves on).
        rows = [row for row in rows if row["entity"] in RECORD_ENTITIES]
        entries: list[PullEntry] = [
            {
                "seq": int(row["seq"]),
                "entity": row["entity"],
                "id": row["entity_id"],
                "at": row["at"],
                "data": json.loads(row["data"]),
            }
            for row in rows
        ]
        cursor = last if more else max(since, high)
        others = [e for e, row in zip(entries, rows, strict=True) if row["owner"] != user.name]
        exported = [
            e["id"]
            for e in others
            if e["entity"] == Entity.CONTACT and has_customer_data(e["data"])
        ]
        self.access.record(user, exported, "export")
        tasks = [e["data"] for e in others if e["entity"] == Entity.TASK]
        self.access.record_tasks(user, tasks, "task_export")
        return {"changes": entries, "cursor": cursor, "more": more}


def _seq_of(tx: Writes, change_id: str) -> int | None:
    row = tx.applied(change_id)
    return int(row["seq"]) if row and row["seq"] is not None else None
