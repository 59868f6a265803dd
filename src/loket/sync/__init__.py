"""The console's sync client: push the outbox, pull the change log, live events, backoff."""

from loket.sync.backoff import Backoff
from loket.sync.client import AuthError, Offline, ServerError, SyncClient, SyncError
from loket.sync.engine import SyncEngine, SyncReport, SyncState

__all__ = [
    "AuthError",
    "Backoff",
    "Offline",
    "ServerError",
    "SyncClient",
    "SyncEngine",
    "SyncError",
    "SyncReport",
    "SyncState",
]
