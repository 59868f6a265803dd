"""The console's local SQLite store: the source of truth on the agent's machine.

Every local write lands together with its outbox row in ONE transaction, so a change is
either both stored and queued for the server, or neither. The store runs in WAL mode;
commits that register contacts run with synchronous=FULL (fsync before returning:
"nothing committed is lost", even on power loss), drafts with synchronous=NORMAL (cheap,
and still safe against a killed process because the WAL is already in the OS).

One connection guarded by a lock: the UI thread and the sync thread share it; writes are
short, so waiting on the lock is cheaper than SQLITE_BUSY retries between connections.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loket.domain.models import Contact, Task, from_iso, new_id, to_iso, utcnow
from loket.domain.validation import is_masked_bsn, mask_bsn, phone_key
from loket.paths import switch_to_wal, unusable
from loket.protocol import SETTLED, ChangeKind, Entity, PullEntry, PushResult, PushStatus
from loket.store.migrations import applied_versions, migrate
from loket.store.records import Conflict, OutboxItem, Rejected

ORIGIN_LOCAL = "lokaal"
ORIGIN_CENTRAL = "centraal"


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


@dataclass
class PushOutcome:
    """What one batch's results did to the store."""

    applied: int = 0
    duplicates: int = 0
    conflicts: int = 0
    rejected: int = 0
    unanswered: int = 0


class ConsoleStore:
    """Local contacts, tasks, outbox, drafts, cursor, identity, conflicts, rejected changes."""

    def __init__(self, conn: sqlite3.Connection, path: Path | None) -> None:
        self._conn = conn
        self.path = path
        self._lock = threading.RLock()
        self._durable: bool | None = None

    # -- opening -------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path | str) -> ConsoleStore:
        """Open (and create or migrate) the store at `path`; ":memory:" works for tests."""
        memory = str(path) == ":memory:"
        try:
            if not memory:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                str(path), isolation_level=None, check_same_thread=False, timeout=10.0
            )
            switch_to_wal(conn)
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA busy_timeout=10000")
            conn.execute("PRAGMA secure_delete=ON")  # forgotten BSNs leave no bytes behind
            migrate(conn)
            _scrub_rejected(conn)
        except (OSError, sqlite3.OperationalError) as exc:  # read-only or full disk
            raise unusable(Path(path), exc) from exc
        return cls(conn, None if memory else Path(path))

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def schema_versions(self) -> list[int]:
        with self._lock:
            return applied_versions(self._conn)

    @contextmanager
    def transaction(self, *, durable: bool = False) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT; `durable` fsyncs the commit (synchronous=FULL)."""
        with self._lock:
            if self._durable is not durable:
                level = "FULL" if durable else "NORMAL"
                self._conn.execute(f"PRAGMA synchronous={level}")
                self._durable = durable
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    @contextmanager
    def attached(self, path: Path, schema: str) -> Iterator[sqlite3.Connection]:
        """The connection with another store file attached as `schema` (no transaction)."""
        with self._lock:
            self._conn.execute(f"ATTACH DATABASE ? AS {schema}", (str(path),))
            try:
                yield self._conn
            finally:
                self._conn.execute(f"DETACH DATABASE {schema}")

    def adopt(self, legacy_path: Path) -> int:
        """Take over an earlier store file's records (see loket.store.handover)."""
        from loket.store.handover import adopt

        return adopt(self, legacy_path)

    def restamp_author(self, old: str, new: str) -> int:
        """Re-stamp records made under a provisional name (see loket.store.handover)."""
        from loket.store.handover import restamp_author

        return restamp_author(self, old, new)

    def _rows(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            cursor = self._conn.execute(sql, tuple(params))
            return cursor.fetchall()

    # -- meta: cursor, identity, preferences ----------------------------------------------

    def get_meta(self, key: str, default: Any = None) -> Any:
        rows = self._rows("SELECT value FROM meta WHERE key = ?", (key,))
        return json.loads(rows[0][0]) if rows else default

    def set_meta(self, key: str, value: Any, conn: sqlite3.Connection | None = None) -> None:
        sql = "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)"
        if conn is not None:
            conn.execute(sql, (key, _dumps(value)))
            return
        with self.transaction() as tx:
            tx.execute(sql, (key, _dumps(value)))

    def cursor(self) -> int:
        """The last change-log seq this console has applied from the server."""
        return int(self.get_meta("cursor", 0))

    # -- contacts ---------------------------------------------------------------------------

    @staticmethod
    def _write_contact(conn: sqlite3.Connection, contact: Contact, origin: str) -> None:
        customer = contact.customer
        conn.execute(
            """INSERT INTO contacts (id, doc, agent, channel, started_at, ended_at, status, rev,
                   origin, updated_at, phone, email, bsn)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT(id) DO UPDATE SET doc = excluded.doc, agent = excluded.agent,
                   channel = excluded.channel, started_at = excluded.started_at,
                   ended_at = excluded.ended_at, status = excluded.status, rev = excluded.rev,
                   updated_at = excluded.updated_at, phone = excluded.phone,
                   email = excluded.email, bsn = excluded.bsn""",
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

    def find_contacts(
        self, *, phone: str = "", email: str = "", bsn: str = "", limit: int = 50
    ) -> list[tuple[Contact, str]]:
        """Local contacts with this customer (any of the keys), newest first, with origin."""
        where, params = [], []
        for column, value in (
            ("phone", phone_key(phone)),
            ("email", email.strip().lower()),
            ("bsn", bsn.strip()),
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

    # -- outbox -----------------------------------------------------------------------------

    @staticmethod
    def _enqueue(
        conn: sqlite3.Connection,
        kind: str,
        entity_id: str,
        payload: dict[str, Any],
        *,
        coalesce: bool = False,
    ) -> str:
        change_id = new_id()
        made_at = to_iso(utcnow())
        body = _dumps(payload)
        if coalesce:
            updated = conn.execute(
                "UPDATE outbox SET change_id = ?, payload = ?, made_at = ?, attempts = 0 "
                "WHERE entity_id = ? AND kind = ?",
                (change_id, body, made_at, entity_id, kind),
            )
            if updated.rowcount:
                return change_id
        conn.execute(
            "INSERT INTO outbox (change_id, kind, entity_id, payload, made_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (change_id, kind, entity_id, body, made_at),
        )
        return change_id

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
            return 0
        _keep_local_bsn(contact, row[2] if row else "")
        self._write_contact(conn, contact, row[1] if row else ORIGIN_CENTRAL)
        return 0 if row and contact.rev == row[0] else 1  # count only what is news

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


def _keep_local_bsn(pulled: Contact, local_bsn: str) -> None:
    """The central store sends BSNs masked. A contact this console registered keeps the
    full number it typed (the agent may still edit and save it) when the masks agree;
    a contact registered elsewhere only ever has the masked form here."""
    customer = pulled.customer
    if customer is None or not local_bsn or not is_masked_bsn(customer.bsn):
        return
    if mask_bsn(local_bsn) == customer.bsn:
        customer.bsn = local_bsn


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


def _scrub_rejected(conn: sqlite3.Connection) -> None:
    """Mask full BSNs that refused changes of older versions kept (a handful of rows)."""
    rows = conn.execute(
        "SELECT change_id, payload FROM rejected "
        "WHERE json_extract(payload, '$.contact.customer.bsn') GLOB '*[0-9][0-9][0-9][0-9][0-9]*'"
    ).fetchall()
    for change_id, payload in rows:
        masked = _dumps(_without_bsn(json.loads(payload)))
        conn.execute("UPDATE rejected SET payload = ? WHERE change_id = ?", (masked, change_id))
