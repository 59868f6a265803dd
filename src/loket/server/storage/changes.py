"""SQL of the change log and push idempotency: applied change ids, the log entries
(queued and written in one multi-row INSERT under the order lock), and a push item's
savepoint."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from loket.server.storage.live_figures import LiveFigures
from loket.server.storage.sql import CHUNK, Executor, Row, Sql, scope_sql, sql_in

if TYPE_CHECKING:
    from loket.server.policy import Scope


class ItemFailed(Exception):
    """An unexpected error in one push item, rolled back to its savepoint: that request
    fails, the other requests in the same transaction go on."""


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


class ChangeReads(Sql):
    def applied(self, change_id: str) -> Row | None:
        return self._one("SELECT * FROM applied_changes WHERE change_id = ?", (change_id,))

    def applied_seqs(self, change_ids: Sequence[str]) -> dict[str, int | None]:
        """{change id: seq} of those already applied: one statement for a whole batch."""
        found: dict[str, int | None] = {}
        ids = list(dict.fromkeys(change_ids))
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            for row in self.run(
                f"SELECT change_id, seq FROM applied_changes WHERE change_id IN {sql_in(chunk)}",
                chunk,
            ):
                found[row["change_id"]] = None if row["seq"] is None else int(row["seq"])
        return found

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


class ChangeWrites(ChangeReads, LiveFigures):
    """The change-log half of a write transaction: `Writes` sets the state below."""

    send: Executor
    _order_changes: Callable[[], None]
    appended: list[int]
    pending: list[ChangeRow]

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
        live = self.live_mark()
        self.send("SAVEPOINT item")
        try:
            yield
        except BaseException as exc:
            self.run("ROLLBACK TO SAVEPOINT item")
            self.send("RELEASE SAVEPOINT item")
            del self.appended[appended:]
            del self.pending[pending:]
            self.live_undo(live)
            if isinstance(exc, Exception) and not isinstance(exc, expected):
                raise ItemFailed(type(exc).__name__) from exc
            raise
        self.send("RELEASE SAVEPOINT item")

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
        for start in range(0, len(pending), CHUNK):
            chunk = pending[start : start + CHUNK]
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
        for start in range(0, len(results), CHUNK):
            chunk = results[start : start + CHUNK]
            values = ", ".join("(?, CAST(? AS BIGINT), ?)" for _ in chunk)
            self.send(
                "UPDATE applied_changes SET seq = v.column2, result = v.column3"
                f" FROM (VALUES {values}) AS v WHERE applied_changes.change_id = v.column1",
                [value for row in chunk for value in row],
            )
