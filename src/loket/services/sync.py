"""Sync as the console sees it: state for the status line, sync now, in the background."""

from __future__ import annotations

import threading
from collections.abc import Callable

from loket.services.identity import Identity
from loket.sync import SyncEngine, SyncReport, SyncState


class SyncService:
    """The console's side of the sync engine (the engine does the moving)."""

    def __init__(self, engine: SyncEngine, identity: Identity, interval: float) -> None:
        self.engine = engine
        self.identity = identity
        self.interval = interval
        engine.prepare = lambda: identity.before_push(engine.client)

    def state(self) -> SyncState:
        return self.engine.state()

    def has_server(self) -> bool:
        return self.engine.client is not None

    def now(self, timeout: float = 10, *, retry: bool = True) -> SyncReport:
        """Push until idle, then pull; never raises on network errors. With `retry`,
        transient failures are retried with backoff until `timeout`."""
        return self.engine.sync(timeout, retry=retry)

    def start(self, on_change: Callable[[SyncState], None]) -> None:
        """Sync in a thread (SSE wake-up, polling fallback, backoff); also refresh the
        identity once, so changed teams or role show up without a restart."""
        self.engine.start(on_change, interval=self.interval)
        if self.has_server():
            threading.Thread(target=self.identity.refresh, daemon=True).start()

    def stop(self) -> None:
        self.engine.stop()
