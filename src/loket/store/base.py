"""The console store's connection: one SQLite connection guarded by a lock (the UI thread
and the sync thread share it; writes are short, so waiting on the lock is cheaper than
SQLITE_BUSY retries between connections), its transactions and its meta values."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from loket.domain.models import new_id, to_iso, utcnow

ORIGIN_LOCAL = "lokaal"
ORIGIN_CENTRAL = "centraal"


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


class StoreBase:
    """The connection, transactions, plain reads and the meta table (cursor, identity)."""

    def __init__(self, conn: sqlite3.Connection, path: Path | None) -> None:
        self._conn = conn
        self.path = path
        self._lock = threading.RLock()
        self._durable: bool | None = None

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
