"""The storage contract of the central store, and the SQL both backends share.

A backend (`sqlite.py`, `postgres.py`) owns connections, transactions, ordering of the
change log and wake-ups; the statements themselves are plain SQL that SQLite and
PostgreSQL both understand, written once with `?` placeholders (the PostgreSQL backend
rewrites them) in one module per concept: `accounts`, `bsn`, `contacts`, `tasks`,
`changes`, `figures`, `live`; migrations in `schema`. Rules live in
`loket.server.services` and `loket.server.policy`, never here: these classes only read
and write rows.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime

from loket.server.storage.accounts import AccountReads, AccountWrites
from loket.server.storage.bsn import BsnReads, BsnWrites
from loket.server.storage.changes import ChangeReads, ChangeRow, ChangeWrites
from loket.server.storage.contacts import ContactReads, ContactWrites
from loket.server.storage.figures import FigureReads, FigureWrites
from loket.server.storage.live_figures import LiveLocks
from loket.server.storage.sql import Executor, Row
from loket.server.storage.tasks import TaskReads, TaskWrites

__all__ = [
    "Executor",
    "Listener",
    "LiveLocks",
    "Reads",
    "Row",
    "Storage",
    "Writes",
    "db_time",
    "open_storage",
]

Listener = Callable[[], None]


def db_time(moment: datetime) -> str:
    """Fixed-width UTC ISO text, so string order is time order on both backends."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


class Reads(AccountReads, BsnReads, ContactReads, TaskReads, ChangeReads, FigureReads):
    """Read statements; also the base of a write transaction (reads inside it). One
    module per concept holds the statements (accounts, bsn, contacts, tasks, changes,
    figures); this class puts them on one transaction."""


class Writes(
    AccountWrites, BsnWrites, ContactWrites, TaskWrites, ChangeWrites, FigureWrites, Reads
):
    """Write statements, used inside one transaction opened by the backend."""

    def __init__(
        self,
        run: Executor,
        order_changes: Callable[[], None],
        send: Executor | None = None,
        live_locks: LiveLocks | None = None,
    ) -> None:
        super().__init__(run)
        self.live_init(live_locks or LiveLocks())
        # `send`: a statement whose result nobody reads. A backend may queue it and ship it
        # with the next `run` (PostgreSQL pipeline mode: one round trip for several
        # statements); its error then comes out of that next `run`.
        self.send = send or run
        self._order_changes = order_changes
        self.appended: list[int] = []
        self.pending: list[ChangeRow] = []  # queued for the change log: see `queue_change`


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
        the commit, and after them the live day's summary changes (`Writes.flush_live`).
        The change-log order lock (PostgreSQL) is taken only there, after every row lock
        the transaction takes, so a transaction holding it never waits for one.
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
