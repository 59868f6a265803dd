"""PostgreSQL backend: psycopg 3 with a connection pool, LISTEN/NOTIFY for wake-ups.

Change-log order: every transaction that appends to the change log first takes one
transaction-level advisory lock, so sequence numbers are handed out in commit order.
A reader that saw seq N can therefore never later find a committed N-1 it skipped,
which is what makes `since=<cursor>` pulls (and live events on several server
processes) consistent. The lock is held only from the append to the commit, and the
appends come last (`Writes.queue_change`): a push group does its look-ups, upserts and
checks without it, so groups on several server processes overlap all but their tails.
Holding the lock, a transaction only inserts new change-log rows and updates rows it
inserted itself, so it never waits for a row lock (no deadlock with one that holds row
locks and waits for the order lock).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from typing import Any, cast

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from loket.server.storage.base import (
    Executor,
    Listener,
    LiveLocks,
    Reads,
    Row,
    Storage,
    Writes,
    db_time,
)
from loket.server.storage.contacts import NEXT_REFERENCE_POSTGRES
from loket.server.storage.schema import apply_migrations

log = logging.getLogger(__name__)

CHANNEL = "loket_changes"
_CHANGE_LOCK = 7_305_001  # advisory lock key: change-log order
_MIGRATION_LOCK = 7_305_002  # advisory lock key: schema migrations
_LIVE_LOCK = 7_305_003  # advisory lock key: the live day's summary (storage/live_figures)


def _pg(sql: str) -> str:
    return sql.replace("?", "%s")


class DatabaseUnreachable(ConnectionError):
    """PostgreSQL refused or could not be reached; the message is libpq's cause, one line."""


def _probe(db_url: str, timeout: int = 5) -> None:
    """Connect once before opening the pool, to fail at once with the cause.

    The pool alone retries for its whole wait, logs a warning per attempt and then
    reports only that it timed out: a refused connection, an unknown database and a
    failed login all looked the same after 10 s.
    """
    try:
        psycopg.connect(db_url, connect_timeout=timeout).close()
    except psycopg.OperationalError as exc:
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        cause = (lines[0] if lines else type(exc).__name__).removeprefix("connection failed: ")
        raise DatabaseUnreachable(cause.replace("FATAL:  ", "")) from None


class PostgresStorage(Storage):
    backend = "postgresql"

    def __init__(self, db_url: str, min_size: int = 2, max_size: int = 16) -> None:
        super().__init__()
        self.db_url = db_url
        _probe(db_url)
        # dict rows (the row factory below): the pool's type cannot infer that from kwargs.
        self._pool = cast(
            "ConnectionPool[psycopg.Connection[Row]]",
            ConnectionPool(
                db_url,
                min_size=min_size,
                max_size=max_size,
                kwargs={"autocommit": True, "row_factory": dict_row},
                open=True,
                name="loket",
            ),
        )
        self._pool.wait(timeout=10.0)
        self._stop = threading.Event()
        self._listen_thread: threading.Thread | None = None
        self._sql_cache: dict[str, str] = {}
        self._pipe_cache: dict[str, tuple[str, bool]] = {}  # sql: (PostgreSQL text, has rows)

    def _executor(self, conn: psycopg.Connection[Row]) -> Executor:
        cache = self._sql_cache

        def run(sql: str, params: Sequence[Any] = ()) -> list[Row]:
            text = cache.get(sql)
            if text is None:
                text = cache[sql] = _pg(sql)
            cursor = conn.execute(text, tuple(params))
            if cursor.description is None:
                return []
            return cursor.fetchall()

        return run

    def _pipelined(
        self, conn: psycopg.Connection[Row], pipe: psycopg.Pipeline
    ) -> tuple[Executor, Executor]:
        """(`run`, `send`) on a connection in pipeline mode: `send` only queues; `run` ships
        the queue with its own statement and waits for that result (one round trip), and
        after an error syncs the pipeline so the caller can roll back to a savepoint."""
        cache = self._pipe_cache

        def prepared(sql: str) -> tuple[str, bool]:
            found = cache.get(sql)
            if found is None:
                head = sql.lstrip().upper()
                rows = head.startswith(("SELECT", "WITH")) or " RETURNING " in head
                found = cache[sql] = (_pg(sql), rows)
            return found

        def send(sql: str, params: Sequence[Any] = ()) -> list[Row]:
            conn.execute(prepared(sql)[0], tuple(params))
            return []

        def run(sql: str, params: Sequence[Any] = ()) -> list[Row]:
            text, rows = prepared(sql)
            try:
                cursor = conn.execute(text, tuple(params))
                if rows:
                    return cursor.fetchall()
                pipe.sync()  # no rows to wait for: sync, so an error comes out here
                return []
            except psycopg.Error:
                with suppress(psycopg.Error):
                    pipe.sync()  # leave the aborted pipeline state (errors already raised)
                raise

        return run, send

    @contextmanager
    def read(self) -> Iterator[Reads]:
        with self._pool.connection() as conn, conn.transaction():
            yield Reads(self._executor(conn))

    @staticmethod
    def _live_locks(send: Executor) -> LiveLocks:
        """Pushes share the live-day lock, its build takes it alone (storage/live_figures)."""

        def share() -> None:
            send("SELECT pg_advisory_xact_lock_shared(?)", (_LIVE_LOCK,))

        def exclusive() -> None:
            send("SELECT pg_advisory_xact_lock(?)", (_LIVE_LOCK,))

        def generic_plans(on: bool) -> None:
            mode = "force_generic_plan" if on else "auto"
            send(f"SET LOCAL plan_cache_mode = {mode}")

        return LiveLocks(
            share=share, exclusive=exclusive, row=" FOR UPDATE", generic_plans=generic_plans
        )

    @contextmanager
    def write(self) -> Iterator[Writes]:
        with self._pool.connection() as conn, conn.pipeline() as pipe:
            run, send = self._pipelined(conn, pipe)

            def order_changes() -> None:
                # Called before the first append; the lock is re-entrant. Queued: it goes
                # out with the INSERT after it, one round trip less while it is held.
                send("SELECT pg_advisory_xact_lock(?)", (_CHANGE_LOCK,))

            locks = self._live_locks(send)
            tx = Writes(run, order_changes=order_changes, send=send, live_locks=locks)
            tx.next_reference_sql = NEXT_REFERENCE_POSTGRES
            with conn.transaction():
                yield tx
                tx.flush_changes()
                tx.flush_live()
                if tx.appended:
                    send("SELECT pg_notify(?, ?)", (CHANNEL, str(tx.appended[-1])))
        if tx.appended:
            self._wake()

    def migrate(self) -> list[int]:
        with self._pool.connection() as conn, conn.transaction():
            run = self._executor(conn)
            run("SELECT pg_advisory_xact_lock(?)", (_MIGRATION_LOCK,))
            tx = Writes(run, order_changes=lambda: None)
            return apply_migrations(tx, self.backend, db_time(datetime.now(UTC)))

    def scrub(self) -> None:
        """VACUUM FULL the rewritten tables: old row versions leave the table files."""
        with self._pool.connection() as conn:
            for table in ("contacts", "changes", "secrets"):
                conn.execute(f"VACUUM FULL {table}")

    def add_listener(self, listener: Listener) -> None:
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
