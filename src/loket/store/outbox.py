"""The outbox: changes queued in the same transaction as the record they change, pushed
in batches, and what the server's answers do (applied, duplicate, conflict, rejected),
with the conflicts and refused changes kept to be shown."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from loket.domain.models import Contact, Task, from_iso, to_iso, utcnow
from loket.domain.validation import is_masked_bsn, mask_bsn
from loket.protocol import SETTLED, ChangeKind, PushResult, PushStatus
from loket.store.base import _dumps
from loket.store.local import LocalRecords
from loket.store.records import Conflict, OutboxItem, Rejected


@dataclass
class PushOutcome:
    """What one batch's results did to the store."""

    applied: int = 0
    duplicates: int = 0
    conflicts: int = 0
    rejected: int = 0
    unanswered: int = 0


class OutboxStore(LocalRecords):
    """Queueing changes and settling the server's answers to them."""

    # -- outbox -----------------------------------------------------------------------------

    def outbox_batch(self, limit: int = 500) -> list[OutboxItem]:
        """The oldest pending changes, in the order they were made."""
        rows = self._rows(
            "SELECT seq, change_id, kind, entity_id, payload, made_at, attempts "
            "FROM outbox ORDER BY seq LIMIT ?",
            (limit,),
        )
        return [OutboxItem(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5], r[6]) for r in rows]

    def outbox_count(self) -> int:
        return int(self._rows("SELECT count(*) FROM outbox")[0][0])

    def note_attempt(self, items: list[OutboxItem]) -> None:
        with self.transaction() as conn:
            conn.executemany(
                "UPDATE outbox SET attempts = attempts + 1 WHERE change_id = ?",
                [(i.change_id,) for i in items],
            )

    def apply_push_results(self, items: list[OutboxItem], results: list[PushResult]) -> PushOutcome:
        """Act on the server's per-item answers, all in one transaction.

        applied/duplicate: done, off the outbox. conflict: off the outbox, kept as a visible
        conflict, local task set to the server's current state (never ours over theirs).
        rejected: off the outbox, kept as rejected (visible, not retried). No answer: stays.
        """
        by_id = {i.change_id: i for i in items}
        outcome = PushOutcome()
        touched_tasks: set[str] = set()
        settled_contacts: list[OutboxItem] = []
        with self.transaction() as conn:
            answered = set()
            for result in results:
                item = by_id.get(str(result.get("id")))
                if item is None:
                    continue
                answered.add(item.change_id)
                status = result.get("status")
                if status in SETTLED:
                    conn.execute("DELETE FROM outbox WHERE change_id = ?", (item.change_id,))
                    if status == PushStatus.APPLIED:
                        outcome.applied += 1
                    else:
                        outcome.duplicates += 1
                    if item.kind == ChangeKind.CONTACT_SAVE:
                        settled_contacts.append(item)
                elif status == PushStatus.CONFLICT:
                    self._record_conflict(conn, item, result)
                    outcome.conflicts += 1
                elif status == PushStatus.REJECTED:
                    self._record_rejected(conn, item, result.get("error") or {})
                    outcome.rejected += 1
                else:
                    answered.discard(item.change_id)
                    continue
                if item.kind in (ChangeKind.TASK_CREATE, ChangeKind.TASK_ACTION):
                    touched_tasks.add(item.entity_id)
            outcome.unanswered = len(items) - len(answered)
            for task_id in touched_tasks:
                self._release_deferred(conn, task_id)
            for item in settled_contacts:
                self._forget_bsn(conn, item)
        return outcome

    def _forget_bsn(self, conn: sqlite3.Connection, item: OutboxItem) -> None:
        """Once the central store holds a closed contact (and nothing newer waits to be
        sent), this console keeps only the masked BSN: the full one is there, encrypted,
        and reachable with show-BSN. Open contacts keep it: the agent is still at work."""
        pushed = (item.payload.get("contact") or {}) if isinstance(item.payload, dict) else {}
        bsn = str((pushed.get("customer") or {}).get("bsn") or "")
        if pushed.get("status") != "closed" or not bsn or is_masked_bsn(bsn):
            return
        waiting = conn.execute(
            "SELECT 1 FROM outbox WHERE entity_id = ? AND kind = ?",
            (item.entity_id, ChangeKind.CONTACT_SAVE),
        ).fetchone()
        row = conn.execute(
            "SELECT doc, rev, origin FROM contacts WHERE id = ?", (item.entity_id,)
        ).fetchone()
        if waiting or row is None or row[1] != pushed.get("rev"):
            return
        contact = Contact.from_dict(json.loads(row[0]))
        if contact.customer is not None and contact.customer.bsn:
            contact.customer.bsn = mask_bsn(contact.customer.bsn)
            self._write_contact(conn, contact, row[2])

    def _record_conflict(
        self, conn: sqlite3.Connection, item: OutboxItem, result: PushResult
    ) -> None:
        conn.execute("DELETE FROM outbox WHERE change_id = ?", (item.change_id,))
        current = result.get("current") or {}
        error: Mapping[str, Any] = result.get("error") or {}
        message = conflict_message(current)
        if current.get("id"):
            self._write_task(conn, Task.from_dict(current))
            conn.execute("DELETE FROM deferred_tasks WHERE id = ?", (item.entity_id,))
        # The first conflicting action is the one the user must decide on; later ones on
        # the same task followed from it.
        conn.execute(
            "INSERT INTO conflicts (task_id, change_id, mine, current, message, at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(task_id) DO UPDATE SET current = "
            "excluded.current",
            (
                item.entity_id,
                item.change_id,
                _dumps(item.payload),
                _dumps(current),
                message or str(error.get("message", "")),
                to_iso(utcnow()),
            ),
        )

    @staticmethod
    def _record_rejected(
        conn: sqlite3.Connection, item: OutboxItem, error: Mapping[str, Any]
    ) -> None:
        conn.execute("DELETE FROM outbox WHERE change_id = ?", (item.change_id,))
        conn.execute(
            "INSERT OR REPLACE INTO rejected (change_id, kind, entity_id, payload, error, at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                item.change_id,
                item.kind,
                item.entity_id,
                _dumps(_without_bsn(item.payload)),
                _dumps(error),
                to_iso(utcnow()),
            ),
        )

    def reject_locally(self, item: OutboxItem, message: str) -> None:
        """A change the server cannot even parse (4xx for a batch of one): park it."""
        with self.transaction() as conn:
            self._record_rejected(conn, item, {"code": "bad_request", "message": message})

    # -- conflicts and rejected ---------------------------------------------------------------

    def conflicts(self) -> list[Conflict]:
        rows = self._rows(
            "SELECT task_id, mine, current, message, change_id, at FROM conflicts ORDER BY at"
        )
        out = []
        for task_id, mine, current, message, change_id, at in rows:
            data = json.loads(current)
            task = Task.from_dict(data) if data.get("id") else self.get_task(task_id)
            if task is None:
                continue
            out.append(Conflict(task_id, json.loads(mine), task, message, change_id, from_iso(at)))
        return out

    def count_conflicts(self) -> int:
        return int(self._rows("SELECT count(*) FROM conflicts")[0][0])

    def drop_conflict(self, task_id: str) -> None:
        with self.transaction() as conn:
            conn.execute("DELETE FROM conflicts WHERE task_id = ?", (task_id,))

    def rejected(self) -> list[Rejected]:
        rows = self._rows("SELECT change_id, kind, entity_id, error, at FROM rejected ORDER BY at")
        out = []
        for change_id, kind, entity_id, error, at in rows:
            err = json.loads(error)
            out.append(
                Rejected(
                    change_id,
                    kind,
                    entity_id,
                    str(err.get("message", "")),
                    list(err.get("fields") or []),
                    from_iso(at),
                )
            )
        return out

    def count_rejected(self) -> int:
        return int(self._rows("SELECT count(*) FROM rejected")[0][0])

    def _release_deferred(self, conn: sqlite3.Connection, task_id: str) -> None:
        """Once a task has nothing unpushed, apply the server state pulled meanwhile."""
        pending = conn.execute(
            "SELECT 1 FROM outbox WHERE entity_id = ? LIMIT 1", (task_id,)
        ).fetchone()
        if pending:
            return
        row = conn.execute(
            "SELECT doc, version FROM deferred_tasks WHERE id = ?", (task_id,)
        ).fetchone()
        if not row:
            return
        conn.execute("DELETE FROM deferred_tasks WHERE id = ?", (task_id,))
        local = conn.execute("SELECT version FROM tasks WHERE id = ?", (task_id,)).fetchone()
        if local is None or row[1] >= local[0]:
            self._write_task(conn, Task.from_dict(json.loads(row[0])))


def conflict_message(current: dict[str, Any]) -> str:
    """Dutch text for the user; names who changed the task, never customer data."""
    status = current.get("status") or "onbekend"
    log = current.get("log") or []
    by = log[-1].get("by") if log else ""
    who = f" door {by}" if by else ""
    return (
        f"Deze taak is intussen{who} gewijzigd (status nu: {status}). "
        "Jouw actie is niet uitgevoerd."
    )


def _without_bsn(payload: dict[str, Any]) -> dict[str, Any]:
    """A refused change is kept to be shown, never resent: it needs no full BSN (the
    contact itself keeps what the agent typed while it is open)."""
    customer = (payload.get("contact") or {}).get("customer") or {}
    if not customer.get("bsn") or is_masked_bsn(customer["bsn"]):
        return payload
    contact = {**payload["contact"], "customer": {**customer, "bsn": mask_bsn(customer["bsn"])}}
    return {**payload, "contact": contact}


def scrub_rejected(conn: sqlite3.Connection) -> None:
    """Mask full BSNs that refused changes of older versions kept (a handful of rows)."""
    rows = conn.execute(
        "SELECT change_id, payload FROM rejected "
        "WHERE json_extract(payload, '$.contact.customer.bsn') GLOB '*[0-9][0-9][0-9][0-9][0-9]*'"
    ).fetchall()
    for change_id, payload in rows:
        masked = _dumps(_without_bsn(json.loads(payload)))
        conn.execute("UPDATE rejected SET payload = ? WHERE change_id = ?", (masked, change_id))
