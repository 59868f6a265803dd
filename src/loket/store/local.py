"""The console's own records: contacts, tasks and drafts. Every write of a contact or a
task lands with its outbox row in ONE transaction (`StoreBase._enqueue`)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from typing import Any

from loket.domain.models import Contact, Task, to_iso, utcnow
from loket.domain.validation import address_key, kvk_key, phone_key
from loket.protocol import ChangeKind
from loket.store.base import ORIGIN_LOCAL, StoreBase, _dumps


class LocalRecords(StoreBase):
    """Contacts, tasks and drafts on this console."""

    # -- contacts ---------------------------------------------------------------------------

    @staticmethod
    def _write_contact(conn: sqlite3.Connection, contact: Contact, origin: str) -> None:
        """Insert or replace the local copy. A reference the central store gave is kept
        when the contact written has none (the screen's copy was made before the sync)."""
        if contact.reference is None:
            kept = conn.execute(
                "SELECT json_extract(doc, '$.reference') FROM contacts WHERE id = ?",
                (contact.id,),
            ).fetchone()
            contact.reference = kept[0] if kept and kept[0] else None
        customer = contact.customer
        conn.execute(
            """INSERT INTO contacts (id, doc, agent, channel, started_at, ended_at, status, rev,
                   origin, updated_at, phone, email, bsn, kvk, address)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT(id) DO UPDATE SET doc = excluded.doc, agent = excluded.agent,
                   channel = excluded.channel, started_at = excluded.started_at,
                   ended_at = excluded.ended_at, status = excluded.status, rev = excluded.rev,
                   updated_at = excluded.updated_at, phone = excluded.phone,
                   email = excluded.email, bsn = excluded.bsn, kvk = excluded.kvk,
                   address = excluded.address""",
            (
                contact.id,
                _dumps(contact.to_dict()),
                contact.agent,
                contact.channel,
                to_iso(contact.started_at),
                to_iso(contact.ended_at),
                str(contact.status),
                contact.rev,
                origin,
                to_iso(utcnow()),
                phone_key(customer.phone) if customer else "",
                customer.email.strip().lower() if customer else "",
                customer.bsn.strip() if customer else "",
                kvk_key(customer.kvk) if customer else "",
                address_key(customer.postcode, customer.house_number) if customer else "",
            ),
        )

    def save_contact(self, contact: Contact, *, durable: bool = True) -> str:
        """Store the contact and queue a contact.save, in one (fsynced) transaction.

        An unpushed save of the same contact is replaced in place (same queue position, new
        change id): the server keeps only the highest rev anyway, and the position keeps a
        contact's first save ahead of the tasks routed from it.
        """
        with self.transaction(durable=durable) as conn:
            self._write_contact(conn, contact, ORIGIN_LOCAL)
            return self._enqueue(
                conn,
                ChangeKind.CONTACT_SAVE,
                contact.id,
                {"contact": contact.to_dict()},
                coalesce=True,
            )

    def save_contact_and_task(self, contact: Contact, task: Task) -> None:
        """A routed question: the contact, the new task and both outbox rows, atomically."""
        with self.transaction(durable=True) as conn:
            self._write_contact(conn, contact, ORIGIN_LOCAL)
            self._enqueue(
                conn,
                ChangeKind.CONTACT_SAVE,
                contact.id,
                {"contact": contact.to_dict()},
                coalesce=True,
            )
            self._write_task(conn, task)
            self._enqueue(conn, ChangeKind.TASK_CREATE, task.id, {"task": task.to_dict()})

    def get_contact(self, contact_id: str) -> Contact | None:
        rows = self._rows("SELECT doc FROM contacts WHERE id = ?", (contact_id,))
        return Contact.from_dict(json.loads(rows[0][0])) if rows else None

    def contact_origin(self, contact_id: str) -> str | None:
        rows = self._rows("SELECT origin FROM contacts WHERE id = ?", (contact_id,))
        return rows[0][0] if rows else None

    def contacts(
        self, *, status: str | None = None, agent: str | None = None, limit: int = 50
    ) -> list[Contact]:
        """Newest first."""
        where, params = [], []
        if status:
            where.append("status = ?")
            params.append(status)
        if agent:
            where.append("agent = ?")
            params.append(agent)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        rows = self._rows(
            f"SELECT doc FROM contacts {clause} ORDER BY started_at DESC LIMIT ?",
            [*params, limit],
        )
        return [Contact.from_dict(json.loads(r[0])) for r in rows]

    def count_contacts(self) -> int:
        return int(self._rows("SELECT count(*) FROM contacts")[0][0])

    def find_contacts(self, keys: Mapping[str, str], limit: int = 50) -> list[tuple[Contact, str]]:
        """Local contacts with this customer (any of `validation.lookup_keys`) or with
        `keys["reference"]`, newest first, with origin."""
        where, params = [], []
        for column, value in (
            ("phone", phone_key(keys.get("phone", ""))),
            ("email", keys.get("email", "").strip().lower()),
            ("bsn", keys.get("bsn", "").strip()),
            ("kvk", kvk_key(keys.get("kvk", ""))),
            ("address", address_key(keys.get("postcode", ""), keys.get("house_number", ""))),
            ("json_extract(doc, '$.reference')", keys.get("reference", "").strip()),
        ):
            if value:
                where.append(f"{column} = ?")
                params.append(value)
        if not where:
            return []
        rows = self._rows(
            f"SELECT doc, origin FROM contacts WHERE {' OR '.join(where)} "
            "ORDER BY started_at DESC LIMIT ?",
            [*params, limit],
        )
        return [(Contact.from_dict(json.loads(r[0])), r[1]) for r in rows]

    # -- tasks ------------------------------------------------------------------------------

    @staticmethod
    def _write_task(conn: sqlite3.Connection, task: Task) -> None:
        conn.execute(
            """INSERT INTO tasks (id, doc, contact_id, team, status, assignee, created_by, due_at,
                   version, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT(id) DO UPDATE SET doc = excluded.doc, team = excluded.team,
                   status = excluded.status, assignee = excluded.assignee,
                   due_at = excluded.due_at, version = excluded.version,
                   updated_at = excluded.updated_at""",
            (
                task.id,
                _dumps(task.to_dict()),
                task.contact_id,
                task.team,
                str(task.status),
                task.assignee,
                task.created_by,
                to_iso(task.due_at),
                task.version,
                to_iso(utcnow()),
            ),
        )

    def queue_task_action(self, task: Task, action: dict[str, Any]) -> str:
        """Store the locally applied (optimistic) task and queue the task.action change."""
        with self.transaction(durable=True) as conn:
            self._write_task(conn, task)
            return self._enqueue(
                conn, ChangeKind.TASK_ACTION, task.id, {"task_id": task.id, **action}
            )

    def get_task(self, task_id: str) -> Task | None:
        rows = self._rows("SELECT doc FROM tasks WHERE id = ?", (task_id,))
        return Task.from_dict(json.loads(rows[0][0])) if rows else None

    def tasks(
        self,
        *,
        teams: list[str] | None = None,
        status: str | None = None,
        assignee: str | None = None,
        created_by: str | None = None,
        limit: int = 500,
    ) -> list[Task]:
        """Soonest due first."""
        where: list[str] = []
        params: list[Any] = []
        if teams is not None:
            where.append(f"team IN ({','.join('?' * len(teams))})" if teams else "0")
            params.extend(teams)
        for column, value in (
            ("status", status),
            ("assignee", assignee),
            ("created_by", created_by),
        ):
            if value:
                where.append(f"{column} = ?")
                params.append(value)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        rows = self._rows(
            f"SELECT doc FROM tasks {clause} ORDER BY due_at IS NULL, due_at LIMIT ?",
            [*params, limit],
        )
        return [Task.from_dict(json.loads(r[0])) for r in rows]

    # -- drafts -----------------------------------------------------------------------------

    def save_draft(self, key: str, data: dict[str, Any]) -> None:
        """Cheap (no fsync), yet survives kill -9: the WAL write is in the OS once we return."""
        with self.transaction(durable=False) as conn:
            conn.execute(
                "INSERT OR REPLACE INTO drafts (key, data, saved_at) VALUES (?, ?, ?)",
                (key, _dumps(data), to_iso(utcnow())),
            )

    def drafts(self) -> dict[str, dict[str, Any]]:
        rows = self._rows("SELECT key, data FROM drafts ORDER BY saved_at")
        return {key: json.loads(data) for key, data in rows}

    def discard_draft(self, key: str) -> None:
        with self.transaction(durable=False) as conn:
            conn.execute("DELETE FROM drafts WHERE key = ?", (key,))
