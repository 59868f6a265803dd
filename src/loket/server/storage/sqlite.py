"""SQLite backend: one writer connection, one reader connection per thread, WAL.

SQLite allows one writer at a time anyway, so writes go through a single connection
behind a lock with short `BEGIN IMMEDIATE` transactions (no per-request connection
setup, no busy-waiting between our own threads). Readers run in parallel on their own
connections thanks to WAL. `synchronous=FULL`: a push answered "applied" is on disk, since
the console then drops it from its outbox and will never send it again; group commit makes
that one fsync per group, which costs no measurable throughput. WAL checkpoints run in a
background thread, not inside some request's commit.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from loket.paths import storage_problem, switch_to_wal
from loket.server.storage.base import Executor, Reads, Row, Storage, Writes, db_time
from loket.server.storage.schema import apply_migrations

CHECKPOINT_SECONDS = 0.5
_PRAGMAS = (
    "PRAGMA synchronous = FULL",
    "PRAGMA busy_timeout = 10000",
    "PRAGMA foreign_keys = OFF",
    "PRAGMA temp_store = MEMORY",
    # Deleted and overwritten content is zeroed in the file, not left in free space: the
    # BSN upgrade rewrites plaintext BSNs, and the file must not keep the old bytes.
    "PRAGMA secure_delete = ON",
)


STATEMENT_CACHE = 512  # prepared statements kept per connection


def sqlite_path(db_url: str) -> str:
    """`sqlite:///relative.db` or `sqlite:////absolute/path.db` to a file path."""
    prefix = "sqlite:///"
    if not db_url.startswith(prefix) or len(db_url) == len(prefix):
        raise ValueError(f"SQLite URL must look like sqlite:///path/to/file.db, got {db_url}")
    return db_url[len(prefix) :]


class SqliteStorage(Storage):
    backend = "sqlite"

    def __init__(self, db_url: str) -> None:
        super().__init__()
        self.path = sqlite_path(db_url)
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._write_lock = threading.Lock()
        self._writer = self._connect()
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._closed = False
        self._stop_checkpoints = threading.Event()
        self._writer.execute("PRAGMA wal_autocheckpoint = 0")
        self._checkpointer = threading.Thread(
            target=self._checkpoint_loop, name="sqlite-checkpoint", daemon=True
        )
        self._checkpointer.start()

    def write_problem(self) -> str | None:
        return storage_problem(Path(self.path).parent)

    def _checkpoint_loop(self) -> None:
        """Copy the WAL into the database off the request path: an automatic checkpoint
        would run inside some unlucky request's commit and show up as its latency."""
        conn = self._connect()
        try:
            while not self._stop_checkpoints.wait(CHECKPOINT_SECONDS):
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            conn.close()

    def _connect(self) -> sqlite3.Connection:
        # A larger statement cache than the default 128: the live day's share and upsert
        # statements come in a few dozen shapes, and preparing one costs milliseconds.
        conn = sqlite3.connect(
            self.path,
            isolation_level=None,
            check_same_thread=False,
            timeout=10.0,
            cached_statements=STATEMENT_CACHE,
        )
        conn.row_factory = sqlite3.Row
        switch_to_wal(conn)
        for pragma in _PRAGMAS:
            conn.execute(pragma)
        return conn

    @staticmethod
    def _executor(conn: sqlite3.Connection) -> Executor:
        def run(sql: str, params: Sequence[Any] = ()) -> list[Row]:
            cursor = conn.execute(sql, tuple(params))
            if cursor.description is None:
                return []
            return [dict(row) for row in cursor.fetchall()]

        return run

    def _reader(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            conn.execute("PRAGMA query_only = ON")
            self._local.conn = conn
            with self._readers_lock:
                self._readers.append(conn)
        return conn

    @contextmanager
    def read(self) -> Iterator[Reads]:
        conn = self._reader()
        conn.execute("BEGIN")
        try:
            yield Reads(self._executor(conn))
        finally:
            conn.execute("COMMIT")

    @contextmanager
    def write(self) -> Iterator[Writes]:
        with self._write_lock:
            conn = self._writer
            conn.execute("BEGIN IMMEDIATE")
            tx = Writes(self._executor(conn), order_changes=lambda: None)
            try:
                yield tx
                tx.flush_changes()
                tx.flush_live()
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        if tx.appended:
            self._wake()

    def migrate(self) -> list[int]:
        with self.write() as tx:
            return apply_migrations(tx, self.backend, db_time(datetime.now(UTC)))

    def scrub(self) -> None:
        """Copy the WAL into the file and truncate it: its old frames may hold old rows."""
        with self._write_lock:
            self._writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._stop_checkpoints.set()
        self._checkpointer.join(timeout=5)
        with self._write_lock:
            self._writer.close()
        with self._readers_lock:
            for conn in self._readers:
                with contextlib.suppress(sqlite3.ProgrammingError):
                    conn.close()
            self._readers.clear()
