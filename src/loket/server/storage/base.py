"""The storage contract of the central store, and the SQL both backends share.

A backend (`sqlite.py`, `postgres.py`) owns connections, transactions, ordering of the
change log and wake-ups; the statements themselves are plain SQL that SQLite and
PostgreSQL both understand, written once here with `?` placeholders (the PostgreSQL
backend rewrites them). Rules live in `loket.server.services` and `loket.server.policy`,
never here: these classes only read and write rows.
"""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from typing import TYPE_CHECKING, Any, Protocol

from loket.server.storage import figures

if TYPE_CHECKING:
    from loket.server.policy import Scope

Row = dict[str, Any]
Listener = Callable[[], None]


class ItemFailed(Exception):
    """An unexpected error in one push item, rolled back to its savepoint: that request
    fails, the other requests in the same transaction go on."""


class Executor(Protocol):
    """The one thing the shared SQL needs from a backend: run a statement, get dict rows."""

    def __call__(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...


def db_time(moment: datetime) -> str:
    """Fixed-width UTC ISO text, so string order is time order on both backends."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class ContactQuery:
    since: str | None = None
    until: str | None = None
    channel: str | None = None
    agent: str | None = None
    outcome: str | None = None
    after: tuple[str, str] | None = None  # (started_at, id) of the last item seen
    limit: int = 100


@dataclass(frozen=True)
class TaskQuery:
    team: str | None = None
    status: str | None = None
    assignee: str | None = None
    after: tuple[str, str] | None = None  # (created_at, id)
    limit: int = 100


@dataclass
class ChangeRow:
    """One change-log entry as written: the entity snapshot plus what visibility needs."""

    entity: str
    entity_id: str
    at: str
    owner: str
    data: dict[str, Any]
    team: str | None = None
    team_before: str | None = None
    status: str | None = None
    data_json: str = ""  # `data` already encoded


@dataclass
class ContactRow:
    id: str
    agent: str
    channel: str
    started_at: str
    status: str
    rev: int
    has_customer: bool
    data: dict[str, Any]
    phone: str | None = None
    email: str | None = None
    bsn_hash: str | None = None
    bsn_key_id: str | None = None  # the BSN sealed (loket.server.bsn): which key ...
    bsn_enc: str | None = None  # ... and the ciphertext; `data` holds only the masked form
    district: str | None = None
    outcomes: list[str] = field(default_factory=list)
    data_json: str = ""  # `data` already encoded, so it is encoded once for both tables


@dataclass
class TaskRow:
    id: str
    contact_id: str
    team: str
    assignee: str | None
    status: str
    created_by: str
    created_at: str
    due_at: str | None
    version: int
    data: dict[str, Any]


def _in(values: Sequence[str]) -> str:
    return "(" + ", ".join("?" for _ in values) + ")"


_COLUMN = re.compile(r"^[a-z_]+$")


def scope_sql(scope: Scope) -> tuple[str, list[Any]]:
    """SQL condition (and params) for the rows `scope` admits (`loket.server.policy`)."""
    if scope.everything:
        return "1 = 1", []
    conds, params = [], []
    for rule in scope.rules:
        if rule.values:
            if not _COLUMN.match(rule.column):
                raise ValueError(rule.column)
            conds.append(f"{rule.column} IN {_in(rule.values)}")
            params.extend(rule.values)
    if not conds:
        return "1 = 0", []
    cond = "(" + " OR ".join(conds) + ")"
    if scope.entity is not None:
        cond = f"entity = ? AND {cond}"
        params.insert(0, str(scope.entity))
    return cond, params


class Reads:
    """Read statements; also the base of a write transaction (reads inside it)."""

    def __init__(self, run: Executor) -> None:
        self.run = run

    def _one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        rows = self.run(sql, params)
        return rows[0] if rows else None

    # users and secrets
    def user_by_token_hash(self, token_hash: str) -> Row | None:
        return self._one("SELECT * FROM users WHERE token_hash = ?", (token_hash,))

    def user(self, name: str) -> Row | None:
        return self._one("SELECT * FROM users WHERE name = ?", (name,))

    def users(self) -> list[Row]:
        return self.run("SELECT name, role, teams, disabled, created_at FROM users ORDER BY name")

    def secret(self, name: str) -> str | None:
        row = self._one("SELECT value FROM secrets WHERE name = ?", (name,))
        return row["value"] if row else None

    # sealed BSNs (loket.server.bsn_data)
    def contact_bsn(self, contact_id: str) -> Row | None:
        """`bsn_key_id`, `bsn_enc` and `bsn_hash` of one contact."""
        return self._one(
            "SELECT id, agent, bsn_key_id, bsn_enc, bsn_hash FROM contacts WHERE id = ?",
            (contact_id,),
        )

    def contact_has_task_for(self, contact_id: str, teams: Sequence[str]) -> bool:
        teams = list(teams)
        sql = f"SELECT 1 AS x FROM tasks WHERE contact_id = ? AND team IN {_in(teams)} LIMIT 1"
        return bool(self.run(sql, [contact_id, *teams]))

    def bsn_key_ids(self) -> set[str]:
        """Ids of the keys the stored BSNs are sealed with (index-only on both engines)."""
        rows = self.run("SELECT DISTINCT bsn_key_id FROM contacts WHERE bsn_key_id IS NOT NULL")
        return {row["bsn_key_id"] for row in rows}

    def plain_bsn_contacts(self, limit: int) -> list[Row]:
        """Contacts written before BSN encryption: a hash but nothing sealed."""
        return self.run(
            "SELECT id, data FROM contacts WHERE bsn_hash IS NOT NULL AND bsn_enc IS NULL"
            " ORDER BY id LIMIT ?",
            (limit,),
        )

    def sealed_bsns(self, after_id: str, limit: int) -> list[Row]:
        return self.run(
            "SELECT id, bsn_key_id, bsn_enc, bsn_hash FROM contacts"
            " WHERE bsn_enc IS NOT NULL AND id > ? ORDER BY id LIMIT ?",
            (after_id, limit),
        )

    def contact_changes_with_bsn(self, after_seq: int, limit: int) -> list[Row]:
        """Contact change-log entries whose snapshot may hold an unmasked BSN: the SQL
        only narrows (the server writes `"bsn": "..."`), the caller checks each."""
        return self.run(
            "SELECT seq, data FROM changes WHERE entity = 'contact' AND seq > ?"
            " AND data LIKE ? AND data NOT LIKE ? AND data NOT LIKE ? ORDER BY seq LIMIT ?",
            (after_seq, '%"bsn": "%', '%"bsn": ""%', '%"bsn": "*%', limit),
        )

    # idempotency
    def applied(self, change_id: str) -> Row | None:
        return self._one("SELECT * FROM applied_changes WHERE change_id = ?", (change_id,))

    def applied_seqs(self, change_ids: Sequence[str]) -> dict[str, int | None]:
        """{change id: seq} of those already applied: one statement for a whole batch."""
        found: dict[str, int | None] = {}
        ids = list(dict.fromkeys(change_ids))
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            for row in self.run(
                f"SELECT change_id, seq FROM applied_changes WHERE change_id IN {_in(chunk)}",
                chunk,
            ):
                found[row["change_id"]] = None if row["seq"] is None else int(row["seq"])
        return found

    # contacts
    def contact(self, contact_id: str) -> Row | None:
        return self._one(
            "SELECT id, agent, rev, has_customer, data FROM contacts WHERE id = ?", (contact_id,)
        )

    def contacts(self, query: ContactQuery, scope: Scope) -> list[Row]:
        cond, params = scope_sql(scope)
        conds = [cond]
        for column, op, value in (
            ("started_at", ">=", query.since),
            ("started_at", "<", query.until),
            ("channel", "=", query.channel),
            ("agent", "=", query.agent),
        ):
            if value is not None:
                conds.append(f"{column} {op} ?")
                params.append(value)
        if query.outcome is not None:
            conds.append(
                "EXISTS (SELECT 1 FROM contact_outcomes o WHERE o.contact_id = contacts.id"
                " AND o.outcome = ?)"
            )
            params.append(query.outcome)
        if query.after is not None:
            conds.append("(started_at > ? OR (started_at = ? AND id > ?))")
            params.extend([query.after[0], query.after[0], query.after[1]])
        sql = (
            "SELECT id, agent, started_at, has_customer, data FROM contacts WHERE "
            + " AND ".join(conds)
            + " ORDER BY started_at, id LIMIT ?"
        )
        return self.run(sql, [*params, query.limit])

    def contacts_matching(self, column: str, value: str, scope: Scope, limit: int) -> list[Row]:
        if column not in {"phone", "email", "bsn_hash"}:
            raise ValueError(column)
        cond, params = scope_sql(scope)
        conds = [f"{column} = ?", cond]
        params.insert(0, value)
        sql = (
            f"SELECT id, agent, data FROM contacts WHERE {' AND '.join(conds)}"
            " ORDER BY started_at DESC, id LIMIT ?"
        )
        return self.run(sql, [*params, limit])

    def contacts_between(self, start: str, end: str) -> list[Row]:
        return self.run(
            "SELECT data FROM contacts WHERE started_at >= ? AND started_at < ?", (start, end)
        )

    # tasks
    def task(self, task_id: str) -> Row | None:
        return self._one("SELECT * FROM tasks WHERE id = ?", (task_id,))

    def tasks(self, query: TaskQuery, scope: Scope) -> list[Row]:
        cond, params = scope_sql(scope)
        conds = [cond]
        for column, value in (
            ("team", query.team),
            ("status", query.status),
            ("assignee", query.assignee),
        ):
            if value is not None:
                conds.append(f"{column} = ?")
                params.append(value)
        if query.after is not None:
            conds.append("(created_at > ? OR (created_at = ? AND id > ?))")
            params.extend([query.after[0], query.after[0], query.after[1]])
        sql = (
            "SELECT data FROM tasks WHERE "
            + " AND ".join(conds)
            + " ORDER BY created_at, id LIMIT ?"
        )
        return self.run(sql, [*params, query.limit])

    def active_tasks(self) -> list[Row]:
        """Every task not done: the queues are a snapshot of these."""
        return self.run("SELECT data FROM tasks WHERE status <> 'done'")

    # management figures (loket.server.storage.figures, docs/metrics.md)
    def figure_rows(self, name: str, by: str, first: str, last: str, now: str) -> list[Row]:
        """One figure's aggregate rows, grouped by `by`, over local days first..last."""
        sql, params = figures.query(name, by, first, last, now)
        return self.run(sql, params)

    def count_floor(self, table: str, first: str, last: str) -> int:
        """Bare count over the same rows: the benchmark's floor."""
        if table not in {"contacts", "tasks"}:
            raise ValueError(table)
        sql = f"SELECT count(*) AS n FROM {table} WHERE local_day >= ? AND local_day <= ?"
        row = self._one(sql, (first, last))
        return int(row["n"]) if row else 0

    # change log
    def max_seq(self) -> int:
        row = self._one("SELECT COALESCE(MAX(seq), 0) AS hi FROM changes")
        return int(row["hi"]) if row else 0

    def changes(self, since: int, upto: int, scope: Scope, limit: int) -> list[Row]:
        cond, params = scope_sql(scope)
        sql = (
            "SELECT seq, entity, entity_id, at, owner, data FROM changes"
            f" WHERE seq > ? AND seq <= ? AND {cond} ORDER BY seq LIMIT ?"
        )
        return self.run(sql, [since, upto, *params, limit])

    def change_heads(self, since: int, limit: int) -> list[Row]:
        """Change-log entries without their snapshots: enough to route live events."""
        return self.run(
            "SELECT seq, entity, entity_id, owner, team, team_before, status FROM changes"
            " WHERE seq > ? ORDER BY seq LIMIT ?",
            (since, limit),
        )

    # access log
    def access_log(self, before_id: int | None, limit: int) -> list[Row]:
        if before_id is None:
            return self.run("SELECT * FROM access_log ORDER BY id DESC LIMIT ?", (limit,))
        return self.run(
            "SELECT * FROM access_log WHERE id < ? ORDER BY id DESC LIMIT ?", (before_id, limit)
        )


class Writes(Reads):
    """Write statements, used inside one transaction opened by the backend."""

    def __init__(
        self, run: Executor, order_changes: Callable[[], None], send: Executor | None = None
    ) -> None:
        super().__init__(run)
        # `send`: a statement whose result nobody reads. A backend may queue it and ship it
        # with the next `run` (PostgreSQL pipeline mode: one round trip for several
        # statements); its error then comes out of that next `run`.
        self.send = send or run
        self._order_changes = order_changes
        self.appended: list[int] = []
        self.pending: list[ChangeRow] = []  # queued for the change log: see `queue_change`

    def add_user(
        self, name: str, role: str, teams: Sequence[str], token_hash: str, at: str
    ) -> None:
        self.run(
            "INSERT INTO users (name, role, teams, token_hash, disabled, created_at)"
            " VALUES (?, ?, ?, ?, 0, ?)",
            (name, role, json.dumps(list(teams)), token_hash, at),
        )

    def set_user_disabled(self, name: str, disabled: bool) -> bool:
        rows = self.run(
            "UPDATE users SET disabled = ? WHERE name = ? RETURNING name", (int(disabled), name)
        )
        return bool(rows)

    def delete_secret(self, name: str) -> None:
        self.run("DELETE FROM secrets WHERE name = ?", (name,))

    def set_secret(self, name: str, value: str) -> None:
        self.run(
            "INSERT INTO secrets (name, value) VALUES (?, ?)"
            " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            (name, value),
        )

    def set_contact_bsn(
        self,
        contact_id: str,
        bsn_hash: str | None,
        key_id: str | None,
        enc: str | None,
        data_json: str | None,
    ) -> None:
        """Re-seal (and re-hash) one contact's BSN; `data_json`: its masked record too."""
        if data_json is None:
            self.run(
                "UPDATE contacts SET bsn_hash = ?, bsn_key_id = ?, bsn_enc = ? WHERE id = ?",
                (bsn_hash, key_id, enc, contact_id),
            )
            return
        self.run(
            "UPDATE contacts SET bsn_hash = ?, bsn_key_id = ?, bsn_enc = ?, data = ? WHERE id = ?",
            (bsn_hash, key_id, enc, data_json, contact_id),
        )

    def set_change_data(self, seq: int, data_json: str) -> None:
        """Rewrite one change-log snapshot (the BSN upgrade masks old entries; nothing
        else ever changes the log)."""
        self.run("UPDATE changes SET data = ? WHERE seq = ?", (data_json, seq))

    def set_secret_if_absent(self, name: str, value: str) -> str:
        self.run(
            "INSERT INTO secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
            (name, value),
        )
        return self.secret(name) or value

    def record_change(
        self, change_id: str, user: str, kind: str, at: str, seq: int | None, result: str
    ) -> bool:
        """Mark a change id applied, with its result, as the item's last statement (inside
        its savepoint). False when that id was recorded meanwhile (a concurrent push of the
        same change elsewhere): the caller rolls the item back and answers `duplicate`.
        With a queued change-log entry `seq` is still None; `set_change_results` fills it
        in before commit."""
        rows = self.run(
            "INSERT INTO applied_changes (change_id, user_name, kind, seq, result, at)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (change_id) DO NOTHING"
            " RETURNING change_id",
            (change_id, user, kind, seq, result, at),
        )
        return bool(rows)

    @contextmanager
    def savepoint(self, expected: tuple[type[Exception], ...] = ()) -> Iterator[None]:
        """One push item inside a batch transaction: on an exception everything the item
        wrote is undone and the rest of the batch stays. `expected` exceptions (refusals)
        go on as they are; any other comes out as `ItemFailed` once rolled back (the
        transaction is still usable). If the rollback itself fails, that error goes on:
        the transaction is lost and the caller must not commit it."""
        appended, pending = len(self.appended), len(self.pending)
        self.send("SAVEPOINT item")
        try:
            yield
        except BaseException as exc:
            self.run("ROLLBACK TO SAVEPOINT item")
            self.send("RELEASE SAVEPOINT item")
            del self.appended[appended:]
            del self.pending[pending:]
            if isinstance(exc, Exception) and not isinstance(exc, expected):
                raise ItemFailed(type(exc).__name__) from exc
            raise
        self.send("RELEASE SAVEPOINT item")

    def upsert_contact(self, row: ContactRow) -> bool:
        """Insert, or replace when `row.rev` is higher than stored and the stored contact is
        the same agent's; False for a no-op (`contact_owner` tells the two apart)."""
        rows = self.run(
            "INSERT INTO contacts (id, agent, channel, started_at, status, rev, has_customer,"
            " phone, email, bsn_hash, bsn_key_id, bsn_enc, district, data,"
            " ended_at, handling_seconds, local_day, local_week)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET agent = excluded.agent, channel = excluded.channel,"
            " started_at = excluded.started_at, status = excluded.status, rev = excluded.rev,"
            " has_customer = excluded.has_customer, phone = excluded.phone,"
            " email = excluded.email, bsn_hash = excluded.bsn_hash,"
            " bsn_key_id = excluded.bsn_key_id, bsn_enc = excluded.bsn_enc,"
            " district = excluded.district, data = excluded.data,"
            " ended_at = excluded.ended_at, handling_seconds = excluded.handling_seconds,"
            " local_day = excluded.local_day, local_week = excluded.local_week"
            " WHERE contacts.rev < excluded.rev AND contacts.agent = excluded.agent"
            " RETURNING id",
            (
                row.id,
                row.agent,
                row.channel,
                row.started_at,
                row.status,
                row.rev,
                int(row.has_customer),
                row.phone,
                row.email,
                row.bsn_hash,
                row.bsn_key_id,
                row.bsn_enc,
                row.district,
                row.data_json or json.dumps(row.data),
                *figures.contact_columns(row.data),
            ),
        )
        if not rows:
            return False
        self.send("DELETE FROM contact_questions WHERE contact_id = ?", (row.id,))
        for question in figures.question_rows(row.id, row.data):
            self.send(
                "INSERT INTO contact_questions (contact_id, idx, outcome, product, closed,"
                " local_day) VALUES (?, ?, ?, ?, ?, ?)",
                question,
            )
        self.send("DELETE FROM contact_outcomes WHERE contact_id = ?", (row.id,))
        for outcome in sorted(set(row.outcomes)):
            self.send(
                "INSERT INTO contact_outcomes (contact_id, outcome) VALUES (?, ?)",
                (row.id, outcome),
            )
        return True

    def contact_owner(self, contact_id: str) -> str | None:
        row = self._one("SELECT agent FROM contacts WHERE id = ?", (contact_id,))
        return row["agent"] if row else None

    def insert_task(self, row: TaskRow) -> bool:
        rows = self.run(
            "INSERT INTO tasks (id, contact_id, team, assignee, status, created_by, created_at,"
            " due_at, version, data, done_at, local_day, local_week, product)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
            " ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING RETURNING id",
            (*_task_values(row), json.dumps(row.data), *figures.task_columns(row.data)),
        )
        return bool(rows)

    def update_task(self, row: TaskRow, expected_version: int) -> bool:
        """Write the new state only if nobody changed the task since `expected_version`."""
        rows = self.run(
            "UPDATE tasks SET team = ?, assignee = ?, status = ?, due_at = ?, version = ?,"
            " data = ?, done_at = ?, local_day = ?, local_week = ?, product = ?"
            " WHERE id = ? AND version = ? RETURNING id",
            (
                row.team,
                row.assignee,
                row.status,
                row.due_at,
                row.version,
                json.dumps(row.data),
                *figures.task_columns(row.data),
                row.id,
                expected_version,
            ),
        )
        return bool(rows)

    def append_change(self, change: ChangeRow) -> int:
        """Append one change-log entry now (takes the order lock: call it last)."""
        self.pending.append(change)
        return self.flush_changes()[-1]

    def queue_change(self, change: ChangeRow) -> int:
        """Queue a change-log entry for `flush_changes`; returns its index in that list.

        Why: the order lock serialises every appending transaction from the append to the
        commit. Queuing the entries and writing them all at the end, right before COMMIT,
        keeps that window to the tail of the transaction, so transactions on other server
        processes do their real work (look-ups, upserts, checks) in parallel."""
        self.pending.append(change)
        return len(self.pending) - 1

    def flush_changes(self) -> list[int]:
        """Take the order lock and write the queued entries (a multi-row INSERT per chunk);
        returns their seqs in queue order. Nothing may wait for a row lock after this: the
        order lock is held to the commit, and a transaction holding row locks may be
        waiting for it."""
        pending, self.pending = self.pending, []
        if not pending:
            return []
        if not self.appended:
            self._order_changes()
        seqs: list[int] = []
        for start in range(0, len(pending), _CHUNK):
            chunk = pending[start : start + _CHUNK]
            values = ", ".join("(?, ?, ?, ?, ?, ?, ?, ?)" for _ in chunk)
            params: list[Any] = []
            for change in chunk:
                params.extend(
                    (
                        change.entity,
                        change.entity_id,
                        change.at,
                        change.owner,
                        change.team,
                        change.team_before,
                        change.status,
                        change.data_json or json.dumps(change.data),
                    )
                )
            rows = self.run(
                "INSERT INTO changes (entity, entity_id, at, owner, team, team_before, status,"
                f" data) VALUES {values} RETURNING seq",
                params,
            )
            # Rows get their seqs in VALUES order; RETURNING order is not promised (SQLite).
            seqs.extend(sorted(int(row["seq"]) for row in rows))
        self.appended.extend(seqs)
        return seqs

    def set_change_results(self, results: Sequence[tuple[str, int | None, str]]) -> None:
        """(change id, seq, result JSON) for ids recorded earlier in this transaction: only
        rows this transaction inserted, so it never waits for another one's lock."""
        for start in range(0, len(results), _CHUNK):
            chunk = results[start : start + _CHUNK]
            values = ", ".join("(?, CAST(? AS BIGINT), ?)" for _ in chunk)
            self.send(
                "UPDATE applied_changes SET seq = v.column2, result = v.column3"
                f" FROM (VALUES {values}) AS v WHERE applied_changes.change_id = v.column1",
                [value for row in chunk for value in row],
            )

    def add_access(
        self, at: str, user: str, contact_ids: Sequence[str], reason: str, note: str = ""
    ) -> None:
        for contact_id in contact_ids:
            self.run(
                "INSERT INTO access_log (at, user_name, contact_id, reason, note)"
                " VALUES (?, ?, ?, ?, ?)",
                (at, user, contact_id, reason, note),
            )


def _task_values(row: TaskRow) -> tuple[Any, ...]:
    return (
        row.id,
        row.contact_id,
        row.team,
        row.assignee,
        row.status,
        row.created_by,
        row.created_at,
        row.due_at,
        row.version,
    )


_CHUNK = 500  # rows per multi-row statement (8 params each: far below both backends' limits)

_STATEMENT_END = re.compile(r";\s*$", re.MULTILINE)


def migration_files(backend: str) -> list[tuple[int, str, str]]:
    """(number, name, sql) of each numbered migration for `backend`, in order."""
    folder = resources.files("loket.server.storage") / "migrations" / backend
    found = []
    for item in folder.iterdir():
        name = item.name
        if name.endswith(".sql") and name[:4].isdigit():
            found.append((int(name[:4]), name, item.read_text(encoding="utf-8")))
    return sorted(found)


def split_statements(sql: str) -> list[str]:
    """Statements of a migration file (no semicolons inside statements, by convention)."""
    lines = [ln for ln in sql.splitlines() if not ln.strip().startswith("--")]
    return [s.strip() for s in _STATEMENT_END.split("\n".join(lines)) if s.strip()]


def apply_migrations(tx: Writes, backend: str, now: str) -> list[int]:
    """Apply missing migrations inside the caller's (locked) transaction; returns new ones."""
    tx.run(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
        " name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    done = {int(r["version"]) for r in tx.run("SELECT version FROM schema_migrations")}
    applied = []
    for number, name, sql in migration_files(backend):
        if number in done:
            continue
        for statement in split_statements(sql):
            tx.run(statement)
        tx.run(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
            (number, name, now),
        )
        applied.append(number)
    return applied


class Storage(ABC):
    """A backend: transactions, migrations and change wake-ups over one database."""

    backend: str = ""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []

    @abstractmethod
    def read(self) -> AbstractContextManager[Reads]:
        """A read-only snapshot (one transaction) on a pooled connection."""

    @abstractmethod
    def write(self) -> AbstractContextManager[Writes]:
        """One write transaction; commits on success, rolls back on any exception.

        Change-log entries still queued (`Writes.queue_change`) are written right before
        the commit. The change-log order lock (PostgreSQL) is taken only there, after every
        row lock the transaction takes, so a transaction holding it never waits for one.
        """

    @abstractmethod
    def migrate(self) -> list[int]:
        """Apply pending migrations; safe to run twice and from two processes at once."""

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def scrub(self) -> None:
        """Physically drop old versions of rows rewritten in place (the BSN upgrade), so a
        copy of the database files holds only what the tables show."""

    def add_listener(self, listener: Listener) -> None:
        """Call `listener` (from any thread) after changes were committed, here or elsewhere."""
        self._listeners.append(listener)

    def _wake(self) -> None:
        for listener in list(self._listeners):
            listener()

    @property
    def poll_interval(self) -> float:
        """How often live-event readers should look at the change log without a wake-up."""
        return 1.0

    def write_problem(self) -> str | None:
        """Why a write would fail now (read-only or full disk), where this process can tell."""
        return None


def open_storage(db_url: str, pool_size: int | None = None) -> Storage:
    """The backend for a database URL: `sqlite:///path` or `postgresql://...`.

    `pool_size` caps PostgreSQL connections (one-shot admin commands need just one).
    """
    if db_url.startswith("sqlite:"):
        from loket.server.storage.sqlite import SqliteStorage

        return SqliteStorage(db_url)
    if db_url.startswith(("postgresql:", "postgres:")):
        from loket.server.storage.postgres import PostgresStorage

        if pool_size is None:
            return PostgresStorage(db_url)
        return PostgresStorage(db_url, min_size=1, max_size=pool_size)
    from loket.redact import mask_password

    shown = mask_password(db_url)
    raise ValueError(f"unsupported database URL (use sqlite:///path or postgresql://...): {shown}")
