"""Numbered schema migrations for the console's local store, applied in order and recorded.

Each migration runs in its own transaction together with the row that records it, so a
crash half-way leaves the store at the previous version, never in between. Opening a
store that is already up to date applies nothing (migrating twice is a no-op).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from loket.domain.models import to_iso, utcnow


def _rekey_phones(conn: sqlite3.Connection) -> None:
    """Versions before 3 keyed phones as national digits (06...); the project has one
    normaliser now (`loket.domain.validation.phone_key`), so lookups still match."""
    from loket.domain.validation import phone_key

    rows = conn.execute("SELECT id, doc FROM contacts WHERE phone != ''").fetchall()
    for contact_id, doc in rows:
        customer = json.loads(doc).get("customer") or {}
        conn.execute(
            "UPDATE contacts SET phone = ? WHERE id = ?",
            (phone_key(str(customer.get("phone") or "")), contact_id),
        )


def _key_kvk(conn: sqlite3.Connection) -> None:
    """Contacts saved before version 4 get their KvK key (house numbers are newer)."""
    from loket.domain.validation import kvk_key

    rows = conn.execute("SELECT id, doc FROM contacts").fetchall()
    for contact_id, doc in rows:
        customer = json.loads(doc).get("customer") or {}
        kvk = kvk_key(str(customer.get("kvk") or ""))
        if kvk:
            conn.execute("UPDATE contacts SET kvk = ? WHERE id = ?", (kvk, contact_id))


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]
    # A data step run after the statements, in the same transaction.
    apply: Callable[[sqlite3.Connection], None] | None = None


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "initial: contacts, tasks, outbox, drafts, meta, conflicts, rejected",
        (
            """CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)""",
            """CREATE TABLE contacts (
                id TEXT PRIMARY KEY, doc TEXT NOT NULL, agent TEXT NOT NULL,
                channel TEXT NOT NULL, started_at TEXT NOT NULL, ended_at TEXT,
                status TEXT NOT NULL, rev INTEGER NOT NULL,
                origin TEXT NOT NULL DEFAULT 'lokaal', updated_at TEXT NOT NULL)""",
            "CREATE INDEX contacts_started ON contacts(started_at)",
            "CREATE INDEX contacts_status ON contacts(status, started_at)",
            """CREATE TABLE tasks (
                id TEXT PRIMARY KEY, doc TEXT NOT NULL, contact_id TEXT NOT NULL,
                team TEXT NOT NULL, status TEXT NOT NULL, assignee TEXT,
                created_by TEXT NOT NULL, due_at TEXT, version INTEGER NOT NULL,
                updated_at TEXT NOT NULL)""",
            "CREATE INDEX tasks_team ON tasks(team, status)",
            "CREATE INDEX tasks_created_by ON tasks(created_by)",
            """CREATE TABLE outbox (
                seq INTEGER PRIMARY KEY AUTOINCREMENT, change_id TEXT NOT NULL UNIQUE,
                kind TEXT NOT NULL, entity_id TEXT NOT NULL, payload TEXT NOT NULL,
                made_at TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0)""",
            "CREATE INDEX outbox_entity ON outbox(entity_id, kind)",
            """CREATE TABLE drafts (key TEXT PRIMARY KEY, data TEXT NOT NULL,
                saved_at TEXT NOT NULL)""",
            """CREATE TABLE conflicts (
                task_id TEXT PRIMARY KEY, change_id TEXT NOT NULL, mine TEXT NOT NULL,
                current TEXT NOT NULL, message TEXT NOT NULL, at TEXT NOT NULL)""",
            """CREATE TABLE rejected (
                change_id TEXT PRIMARY KEY, kind TEXT NOT NULL, entity_id TEXT NOT NULL,
                payload TEXT NOT NULL, error TEXT NOT NULL, at TEXT NOT NULL)""",
            # Pulled task states held back while a local action on that task is unpushed.
            """CREATE TABLE deferred_tasks (id TEXT PRIMARY KEY, doc TEXT NOT NULL,
                version INTEGER NOT NULL)""",
        ),
    ),
    Migration(
        2,
        "contacts: customer keys for local history lookup",
        (
            "ALTER TABLE contacts ADD COLUMN phone TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE contacts ADD COLUMN email TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE contacts ADD COLUMN bsn TEXT NOT NULL DEFAULT ''",
            "CREATE INDEX contacts_phone ON contacts(phone) WHERE phone != ''",
            "CREATE INDEX contacts_email ON contacts(email) WHERE email != ''",
            "CREATE INDEX contacts_bsn ON contacts(bsn) WHERE bsn != ''",
        ),
    ),
    Migration(3, "contacts: phone key in the domain's form (+31...)", (), _rekey_phones),
    Migration(
        4,
        "contacts: KvK number and address keys for local history lookup",
        (
            "ALTER TABLE contacts ADD COLUMN kvk TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE contacts ADD COLUMN address TEXT NOT NULL DEFAULT ''",
            "CREATE INDEX contacts_kvk ON contacts(kvk) WHERE kvk != ''",
            "CREATE INDEX contacts_address ON contacts(address) WHERE address != ''",
        ),
        _key_kvk,
    ),
)

_LEDGER = """CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"""


def applied_versions(conn: sqlite3.Connection) -> list[int]:
    conn.execute(_LEDGER)
    return [row[0] for row in conn.execute("SELECT version FROM schema_migrations ORDER BY 1")]


def migrate(conn: sqlite3.Connection, migrations: tuple[Migration, ...] = MIGRATIONS) -> list[int]:
    """Apply every migration not yet recorded; returns the versions applied now.

    The connection must be in autocommit mode (isolation_level=None) so BEGIN is ours.
    BEGIN IMMEDIATE makes a second process opening the same file wait instead of racing.
    """
    conn.execute(_LEDGER)
    done_now: list[int] = []
    for migration in sorted(migrations, key=lambda m: m.version):
        conn.execute("BEGIN IMMEDIATE")
        try:
            seen = conn.execute(
                "SELECT 1 FROM schema_migrations WHERE version = ?", (migration.version,)
            ).fetchone()
            if not seen:
                for statement in migration.statements:
                    conn.execute(statement)
                if migration.apply is not None:
                    migration.apply(conn)
                conn.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    (migration.version, migration.name, to_iso(utcnow())),
                )
                done_now.append(migration.version)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return done_now
