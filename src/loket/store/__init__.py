"""The console's local SQLite store: contacts, tasks, outbox, drafts, cursor, migrations."""

from loket.store.db import ORIGIN_CENTRAL, ORIGIN_LOCAL, ConsoleStore, PushOutcome
from loket.store.records import Conflict, OutboxItem, Rejected

__all__ = [
    "ORIGIN_CENTRAL",
    "ORIGIN_LOCAL",
    "Conflict",
    "ConsoleStore",
    "OutboxItem",
    "PushOutcome",
    "Rejected",
]
