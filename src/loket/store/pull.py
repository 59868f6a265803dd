"""Applying a pulled page of the central store's change log to the console's records."""

from __future__ import annotations

import json
import sqlite3

from loket.domain.models import Contact, Task
from loket.domain.validation import is_masked_bsn, mask_bsn
from loket.protocol import ChangeKind, Entity, PullEntry
from loket.store.base import ORIGIN_CENTRAL, _dumps
from loket.store.outbox import OutboxStore


class PullStore(OutboxStore):
    """Pulled contacts and tasks, merged with what this console has not pushed yet."""

    # -- pull -------------------------------------------------------------------------------

    def apply_pull_page(self, entries: list[PullEntry], cursor: int) -> int:
        """Apply one page of server changes and the new cursor in one transaction.

        Replaces the local copy when the incoming rev (contact) / version (task) is >= ours.
        A task with an unpushed local change is not clobbered: the incoming state is held
        back and applied once the outbox for that task is empty (see _release_deferred).
        Returns how many entries were news (new, or a higher rev/version than held).
        """
        changed = 0
        with self.transaction() as conn:
            for entry in entries:
                data = entry.get("data") or {}
                if not data.get("id"):
                    continue
                if entry.get("entity") == Entity.CONTACT:
                    changed += self._pull_contact(conn, Contact.from_dict(data))
                elif entry.get("entity") == Entity.TASK:
                    changed += self._pull_task(conn, Task.from_dict(data))
            self.set_meta("cursor", int(cursor), conn)
        return changed

    def _pull_contact(self, conn: sqlite3.Connection, contact: Contact) -> int:
        row = conn.execute(
            "SELECT rev, origin, bsn FROM contacts WHERE id = ?", (contact.id,)
        ).fetchone()
        if row and contact.rev < row[0]:
            return self._take_reference(conn, contact)
        _keep_local_bsn(contact, row[2] if row else "")
        self._write_contact(conn, contact, row[1] if row else ORIGIN_CENTRAL)
        return 0 if row and contact.rev == row[0] else 1  # count only what is news

    def _take_reference(self, conn: sqlite3.Connection, pulled: Contact) -> int:
        """An older rev than ours (we saved again before this pull) still brings the
        reference the store gave the contact: the local copy takes it, nothing else."""
        row = conn.execute("SELECT doc, origin FROM contacts WHERE id = ?", (pulled.id,)).fetchone()
        local = Contact.from_dict(json.loads(row[0]))
        if not pulled.reference or local.reference == pulled.reference:
            return 0
        local.reference = pulled.reference
        self._write_contact(conn, local, row[1])
        return 1

    def _pull_task(self, conn: sqlite3.Connection, task: Task) -> int:
        pending = conn.execute(
            "SELECT 1 FROM outbox WHERE entity_id = ? AND kind IN (?, ?) LIMIT 1",
            (task.id, ChangeKind.TASK_CREATE, ChangeKind.TASK_ACTION),
        ).fetchone()
        if pending:
            conn.execute(
                "INSERT INTO deferred_tasks (id, doc, version) VALUES (?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET doc = excluded.doc, version = excluded.version "
                "WHERE excluded.version >= deferred_tasks.version",
                (task.id, _dumps(task.to_dict()), task.version),
            )
            return 0
        row = conn.execute("SELECT version FROM tasks WHERE id = ?", (task.id,)).fetchone()
        if row and task.version < row[0]:
            return 0
        self._write_task(conn, task)
        return 0 if row and task.version == row[0] else 1


def _keep_local_bsn(pulled: Contact, local_bsn: str) -> None:
    """The central store sends BSNs masked. A contact this console registered keeps the
    full number it typed (the agent may still edit and save it) when the masks agree;
    a contact registered elsewhere only ever has the masked form here."""
    customer = pulled.customer
    if customer is None or not local_bsn or not is_masked_bsn(customer.bsn):
        return
    if mask_bsn(local_bsn) == customer.bsn:
        customer.bsn = local_bsn
