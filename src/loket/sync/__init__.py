"""The console's sync client: push the outbox, pull the change log, live events."""

from loket.sync.client import AuthError, Offline, ServerError, SyncClient, SyncError
from loket.sync.engine import SyncEngine, SyncReport, SyncState

__all__ = [
    "AuthError",
    "Offline",
    "ServerError",
    "SyncClient",
    "SyncEngine",
    "SyncError",
    "SyncReport",
    "SyncState",
]
