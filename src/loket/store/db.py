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

import sqlite3
from pathlib import Path

from loket.paths import switch_to_wal, unusable
from loket.store.base import ORIGIN_CENTRAL, ORIGIN_LOCAL
from loket.store.migrations import applied_versions, migrate
from loket.store.outbox import PushOutcome, conflict_message, scrub_rejected
from loket.store.pull import PullStore

__all__ = ["ORIGIN_CENTRAL", "ORIGIN_LOCAL", "ConsoleStore", "PushOutcome", "conflict_message"]


class ConsoleStore(PullStore):
    """Local contacts, tasks, outbox, drafts, cursor, identity, conflicts, rejected changes:
    the concepts live in their modules (base, outbox, local, pull); this class opens the
    file and hands records over from earlier stores."""

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
            scrub_rejected(conn)
        except (OSError, sqlite3.OperationalError) as exc:  # read-only or full disk
            raise unusable(Path(path), exc) from exc
        return cls(conn, None if memory else Path(path))

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def schema_versions(self) -> list[int]:
        with self._lock:
            return applied_versions(self._conn)

    def adopt(self, legacy_path: Path) -> int:
        """Take over an earlier store file's records (see loket.store.handover)."""
        from loket.store.handover import adopt

        return adopt(self, legacy_path)

    def restamp_author(self, old: str, new: str) -> int:
        """Re-stamp records made under a provisional name (see loket.store.handover)."""
        from loket.store.handover import restamp_author

        return restamp_author(self, old, new)
