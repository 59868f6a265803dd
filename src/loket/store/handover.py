"""Work that changes hands inside one console: an earlier store file taken over, and
records made under a provisional name re-stamped with the real one.

Both exist for the offline first start (issue 8): before the server has said who a token
belongs to, the console still registers contacts, and none of them may be left behind or
pushed under the wrong name. Both are idempotent, so a crash half-way is repaired by
simply running them again on the next start.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loket.protocol import ChangeKind

if TYPE_CHECKING:
    from loket.store.db import ConsoleStore

ADOPTED_INTO = "adopted_into"  # meta key in a taken-over file: the store that holds it now

# Copy every row the newer store lacks; a record both hold keeps the newer rev / version.
_COPY = (
    """INSERT INTO contacts SELECT * FROM legacy.contacts WHERE true
       ON CONFLICT(id) DO UPDATE SET doc = excluded.doc, agent = excluded.agent,
           channel = excluded.channel, started_at = excluded.started_at,
           ended_at = excluded.ended_at, status = excluded.status, rev = excluded.rev,
           updated_at = excluded.updated_at, phone = excluded.phone,
           email = excluded.email, bsn = excluded.bsn
       WHERE excluded.rev > contacts.rev""",
    """INSERT INTO tasks SELECT * FROM legacy.tasks WHERE true
       ON CONFLICT(id) DO UPDATE SET doc = excluded.doc, team = excluded.team,
           status = excluded.status, assignee = excluded.assignee, due_at = excluded.due_at,
           version = excluded.version, updated_at = excluded.updated_at
       WHERE excluded.version > tasks.version""",
    """INSERT OR IGNORE INTO outbox (change_id, kind, entity_id, payload, made_at, attempts)
       SELECT change_id, kind, entity_id, payload, made_at, attempts FROM legacy.outbox
       ORDER BY seq""",
    "INSERT OR IGNORE INTO drafts SELECT * FROM legacy.drafts",
    "INSERT OR IGNORE INTO conflicts SELECT * FROM legacy.conflicts",
    "INSERT OR IGNORE INTO rejected SELECT * FROM legacy.rejected",
    "INSERT OR IGNORE INTO deferred_tasks SELECT * FROM legacy.deferred_tasks",
    "INSERT OR IGNORE INTO meta SELECT * FROM legacy.meta WHERE key = 'last_channel'",
)


def adopt(store: ConsoleStore, legacy_path: Path) -> int:
    """Copy what the store file at `legacy_path` holds into `store`; returns the number of
    contacts and outbox changes it held (0 when it was taken over before)."""
    from loket.store.db import ConsoleStore

    legacy = ConsoleStore.open(legacy_path)  # brings an old file to the current schema
    try:
        if legacy.get_meta(ADOPTED_INTO) or not (legacy.count_contacts() or legacy.outbox_count()):
            return 0
        held = legacy.count_contacts() + legacy.outbox_count()
    finally:
        legacy.close()
    with store.attached(legacy_path, "legacy") as conn:
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _COPY:
                conn.execute(statement)
            conn.execute(
                "INSERT OR REPLACE INTO legacy.meta (key, value) VALUES (?, ?)",
                (ADOPTED_INTO, json.dumps(str(store.path))),
            )
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    return held


def restamp_author(store: ConsoleStore, old: str, new: str) -> int:
    """Replace the provisional author `old` by `new` on this console's own contacts and
    tasks and on their unpushed changes, in one transaction; returns the rows changed."""
    changed = 0
    with store.transaction(durable=True) as conn:
        rows = conn.execute(
            "SELECT id, doc FROM contacts WHERE agent = ? AND origin = 'lokaal'", (old,)
        ).fetchall()
        for contact_id, doc in rows:
            data = _restamped_contact(json.loads(doc), old, new)
            conn.execute(
                "UPDATE contacts SET doc = ?, agent = ? WHERE id = ?",
                (_dumps(data), new, contact_id),
            )
        changed += len(rows)
        tasks = conn.execute("SELECT id, doc FROM tasks WHERE created_by = ?", (old,)).fetchall()
        for task_id, doc in tasks:
            data = _restamped_task(json.loads(doc), old, new)
            conn.execute(
                "UPDATE tasks SET doc = ?, created_by = ?, assignee = ? WHERE id = ?",
                (_dumps(data), new, data.get("assignee"), task_id),
            )
        changed += len(tasks)
        changed += _restamp_outbox(conn, old, new)
    return changed


def _restamp_outbox(conn: sqlite3.Connection, old: str, new: str) -> int:
    changed = 0
    rows = conn.execute(
        "SELECT change_id, kind, payload FROM outbox WHERE kind IN (?, ?)",
        (ChangeKind.CONTACT_SAVE, ChangeKind.TASK_CREATE),
    ).fetchall()
    for change_id, kind, payload in rows:
        data = json.loads(payload)
        if kind == ChangeKind.CONTACT_SAVE and data.get("contact", {}).get("agent") == old:
            data["contact"] = _restamped_contact(data["contact"], old, new)
        elif kind == ChangeKind.TASK_CREATE and data.get("task", {}).get("created_by") == old:
            data["task"] = _restamped_task(data["task"], old, new)
        else:
            continue
        conn.execute("UPDATE outbox SET payload = ? WHERE change_id = ?", (_dumps(data), change_id))
        changed += 1
    return changed


def _restamped_contact(data: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    if data.get("agent") == old:
        data["agent"] = new
    return data


def _restamped_task(data: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    for key in ("created_by", "assignee"):
        if data.get(key) == old:
            data[key] = new
    for step in data.get("log") or []:
        if step.get("by") == old:
            step["by"] = new
    return data


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
