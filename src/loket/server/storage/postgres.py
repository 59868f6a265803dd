"""PostgreSQL backend: psycopg 3 with a connection pool, LISTEN/NOTIFY for wake-ups.

Change-log order: every transaction that appends to the change log first takes one
transaction-level advisory lock, so sequence numbers are handed out in commit order.
A reader that saw seq N can therefore never later find a committed N-1 it skipped,
which is what makes `since=<cursor>` pulls (and live events on several server
processes) consistent. The lock is held only from the append to the commit.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from loket.server.storage.base import Reads, Row, Storage, Writes, apply_migrations, db_time

log = logging.getLogger(__name__)

CHANNEL = "loket_changes"
_CHANGE_LOCK = 7_305_001  # advisory lock key: change-log order
_MIGRATION_LOCK = 7_305_002  # advisory lock key: schema migrations


def _pg(sql: str) -> str:
    return sql.replace("?", "%s")


class PostgresStorage(Storage):
    backend = "postgresql"

    def __init__(self, db_url: str, min_size: int = 2, max_size: int = 16) -> None:
        super().__init__()
        self.db_url = db_url
        self._pool = ConnectionPool(
            db_url,
            min_size=min_size,
            max_size=max_size,
            kwargs={"autocommit": True, "row_factory": dict_row},
            open=True,
            name="loket",
        )
        self._pool.wait(timeout=10.0)
        self._stop = threading.Event()
        self._listen_thread: threading.Thread | None = None
        self._sql_cache: dict[str, str] = {}

    def _executor(self, conn: psycopg.Connection[Row]):
        cache = self._sql_cache

        def run(sql: str, params: Sequence[Any] = ()) -> list[Row]:
            text = cache.get(sql)
            if text is None:
                text = cache[sql] = _pg(sql)
            cursor = conn.execute(text, tuple(params))  # type: ignore[arg-type]
            if cursor.description is None:
                return []
            return cursor.fetchall()

        return run

    @contextmanager
    def read(self) -> Iterator[Reads]:
        with self._pool.connection() as conn, conn.transaction():
            yield Reads(self._executor(conn))

    @contextmanager
    def write(self, ordered: bool = False) -> Iterator[Writes]:
        with self._pool.connection() as conn:
            run = self._executor(conn)

            def order_changes() -> None:
                # Called before the first append (again after an item's savepoint rollback,
                # which may release a lock taken inside it); the lock is re-entrant.
                if not ordered:
                    run("SELECT pg_advisory_xact_lock(?)", (_CHANGE_LOCK,))

            tx = Writes(run, order_changes=order_changes)
            with conn.transaction():
                if ordered:  # before any row lock: see `Storage.write`
                    run("SELECT pg_advisory_xact_lock(?)", (_CHANGE_LOCK,))
                yield tx
                if tx.appended:
                    run("SELECT pg_notify(?, ?)", (CHANNEL, str(tx.appended[-1])))
        if tx.appended:
            self._wake()

    def migrate(self) -> list[int]:
        with self._pool.connection() as conn, conn.transaction():
            run = self._executor(conn)
            run("SELECT pg_advisory_xact_lock(?)", (_MIGRATION_LOCK,))
            tx = Writes(run, order_changes=lambda: None)
            return apply_migrations(tx, self.backend, db_time(datetime.now(UTC)))

    def add_listener(self, listener) -> None:
        super().add_listener(listener)
        if self._listen_thread is None:
            self._listen_thread = threading.Thread(
                target=self._listen, name="loket-pg-listen", daemon=True
            )
            self._listen_thread.start()

    def _listen(self) -> None:
        """Wake listeners on NOTIFY from any server process on this database."""
        while not self._stop.is_set():
            try:
                with psycopg.connect(self.db_url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self._wake()  # catch up on anything missed while (re)connecting
                    while not self._stop.is_set():
                        got = False
                        for _ in conn.notifies(timeout=0.2, stop_after=64):
                            got = True
                        if got:
                            self._wake()
            except psycopg.Error as exc:
                log.warning("LISTEN connection lost (%s); retrying", type(exc).__name__)
                self._stop.wait(1.0)

    @property
    def poll_interval(self) -> float:
        return 5.0  # NOTIFY does the work; polling is only a safety net

    def close(self) -> None:
        self._stop.set()
        if self._listen_thread is not None:
            self._listen_thread.join(timeout=3.0)
        self._pool.close()
