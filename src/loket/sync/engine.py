"""The sync loop: push the outbox, pull the change log, wake on live events.

The engine never raises network trouble to its caller: every failure becomes state
(`SyncState.online`, `last_error`) and the outbox simply waits. It is driven either
on demand (`sync`, used by `loket sync` and the console's "sync now") or by a background
thread that wakes on the server's event stream, on local writes and on a poll timer,
backing off with jitter while the server is away.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from loket.domain.models import from_iso, to_iso, utcnow
from loket.protocol import PUSH_BATCH_MAX
from loket.retry import Backoff
from loket.store.db import ConsoleStore
from loket.sync.client import Offline, RequestRefused, ServerError, SyncClient, SyncError

log = logging.getLogger(__name__)

MAX_BATCH = PUSH_BATCH_MAX
PULL_LIMIT = 1000
NO_SERVER = "Geen server ingesteld: alles blijft lokaal bewaard."


@dataclass
class SyncState:
    """What the console's status line shows."""

    online: bool | None  # None = never tried yet
    outbox: int  # changes not yet accepted by the server
    last_sync: datetime | None
    last_error: str | None  # Dutch, no personal data
    conflicts: int  # task conflicts waiting for the user
    rejected: int  # changes the server refused (kept, visible)


@dataclass
class SyncReport:
    """What one sync call moved."""

    pushed: int = 0
    duplicates: int = 0
    conflicts: int = 0
    rejected: int = 0
    pulled: int = 0
    rounds: int = 0
    error: str | None = None
    online: bool | None = None
    idle: bool = False  # outbox empty and nothing more to pull at the end
    errors: list[str] = field(default_factory=list)

    def moved(self) -> int:
        return self.pushed + self.duplicates + self.conflicts + self.rejected + self.pulled

    def add(self, other: SyncReport) -> None:
        for name in ("pushed", "duplicates", "conflicts", "rejected", "pulled", "rounds"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.error, self.online, self.idle = other.error, other.online, other.idle


class SyncEngine:
    """Moves changes between one console store and the central store."""

    def __init__(
        self,
        store: ConsoleStore,
        client: SyncClient | None,
        *,
        batch_size: int = MAX_BATCH,
        pull_limit: int = PULL_LIMIT,
        backoff: Backoff | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.client = client
        self.batch_size = min(batch_size, MAX_BATCH)
        self.pull_limit = pull_limit
        self.backoff = backoff or Backoff()
        # Between background rounds while the server is away, and between stream reconnects.
        self.idle_backoff = Backoff(base=1.0, cap=30.0)
        self.stream_backoff = Backoff(base=1.0, cap=30.0)
        self.clock = clock
        # Called before each round's push; may raise SyncError (the console's identity check).
        self.prepare: Callable[[], None] | None = None
        self.online: bool | None = None
        self.last_error: str | None = None if client else NO_SERVER
        self._lock = threading.Lock()
        self._stop = threading.Event()  # ends the background threads
        self._closed = threading.Event()  # ends everything, including an on-demand sync
        self._wake = threading.Event()
        self._threads: list[threading.Thread] = []
        # Called from the stream thread with each live event's data (the console's screen
        # pop follows its agent's call events this way, on the stream sync already holds).
        self.event_listeners: list[Callable[[dict[str, Any]], None]] = []

    # -- state ------------------------------------------------------------------------------

    def state(self) -> SyncState:
        return SyncState(
            online=self.online,
            outbox=self.store.outbox_count(),
            last_sync=from_iso(self.store.get_meta("last_sync")),
            last_error=self.last_error,
            conflicts=self.store.count_conflicts(),
            rejected=self.store.count_rejected(),
        )

    def _failed(self, exc: SyncError) -> None:
        self.online = not isinstance(exc, Offline)
        self.last_error = str(exc)

    # -- one sync call ----------------------------------------------------------------------

    def sync(self, timeout: float = 10.0, *, retry: bool = True) -> SyncReport:
        """Push until the outbox is empty, then pull until the log is read; never raises
        network errors. With `retry`, transient failures are retried with backoff until
        `timeout` runs out."""
        report = SyncReport(online=self.online)
        if self.client is None:
            report.error = NO_SERVER
            return report
        deadline = self.clock() + timeout
        if not self._lock.acquire(timeout=max(0.0, timeout)):
            report.error = self.last_error
            return report
        try:
            self._sync_locked(report, deadline, retry)
        finally:
            self._lock.release()
        report.online = self.online
        return report

    def _sync_locked(self, report: SyncReport, deadline: float, retry: bool) -> None:
        while not self._closed.is_set():
            report.rounds += 1
            try:
                if self.prepare is not None:
                    self.prepare()
                pushed_all = self._push_all(report, deadline)
                pulled_all = pushed_all and self._pull_all(report, deadline)
            except SyncError as exc:
                self._failed(exc)
                report.error = str(exc)
                report.errors.append(str(exc))
                delay = self.backoff.next_delay()
                if not (retry and exc.retry) or self.clock() + delay > deadline:
                    return
                self._closed.wait(delay)
                continue
            if not pulled_all:  # out of time before the work was done: no news either way
                return
            self.online, self.last_error, report.error = True, None, None
            self.backoff.reset()
            self.store.set_meta("last_sync", to_iso(utcnow()))
            report.idle = self.store.outbox_count() == 0
            if report.idle or self.clock() >= deadline:
                return

    def _push_all(self, report: SyncReport, deadline: float) -> bool:
        """True when the outbox was emptied, False when time ran out first."""
        assert self.client is not None
        size = self.batch_size
        while self.clock() < deadline:
            items = self.store.outbox_batch(size)
            if not items:
                return True
            try:
                results = self.client.push([item.to_change() for item in items])
            except RequestRefused as exc:
                if exc.status in (400, 413, 422) and len(items) > 1:
                    size = max(1, len(items) // 2)  # find the item the server chokes on
                    continue
                if exc.status in (400, 413, 422):
                    self.store.reject_locally(items[0], str(exc))
                    report.rejected += 1
                    continue
                raise
            except SyncError:
                self.store.note_attempt(items)
                raise
            outcome = self.store.apply_push_results(items, results)
            report.pushed += outcome.applied
            report.duplicates += outcome.duplicates
            report.conflicts += outcome.conflicts
            report.rejected += outcome.rejected
            if outcome.unanswered == len(items):
                raise ServerError("Server bevestigde de verzonden wijzigingen niet.")
            size = self.batch_size
        return False

    def _pull_all(self, report: SyncReport, deadline: float) -> bool:
        """True when the change log was read to the end, False when time ran out first."""
        assert self.client is not None
        while self.clock() < deadline:
            since = self.store.cursor()
            page = self.client.pull(since, self.pull_limit)
            cursor = int(page.get("cursor") or since)
            changes = page["changes"]
            if changes or cursor != since:
                report.pulled += self.store.apply_pull_page(changes, cursor)
            if not page.get("more") or cursor == since:
                return True
        return False

    # -- background -------------------------------------------------------------------------

    def poke(self) -> None:
        """A local write happened: push soon, unless the server is known to be away."""
        if self.online is not False:
            self._wake.set()

    def start(
        self, on_change: Callable[[SyncState], None] | None = None, *, interval: float = 15.0
    ) -> None:
        """Sync in the background; `on_change` is called from the sync thread."""
        if self._threads or self.client is None:
            return
        self._stop.clear()
        worker = threading.Thread(
            target=self._run, args=(on_change, interval), name="loket-sync", daemon=True
        )
        listener = threading.Thread(target=self._listen, name="loket-sync-events", daemon=True)
        self._threads = [worker, listener]
        for thread in self._threads:
            thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout)
        self._threads = []

    def close(self) -> None:
        """Stop the background threads and cut short any retry wait; the store stays open."""
        self._closed.set()
        self.stop()
        if self.client is not None:
            self.client.close()

    def _run(self, on_change: Callable[[SyncState], None] | None, interval: float) -> None:
        backoff = self.idle_backoff
        previous: SyncState | None = None
        while not self._stop.is_set():
            try:
                report = self.sync(timeout=max(interval, 10.0), retry=False)
                state = self.state()
            except Exception:  # never let the thread die: the outbox keeps everything
                log.exception("sync round failed")
                report, state = SyncReport(error="Interne fout bij synchroniseren."), None
            if on_change and state is not None and (report.moved() or state != previous):
                try:
                    on_change(state)
                except Exception:
                    log.exception("sync on_change callback failed")
            previous = state
            delay = backoff.next_delay() if report.error else interval
            if not report.error:
                backoff.reset()
            self._wake.wait(delay)
            self._wake.clear()

    def _tell(self, data: dict[str, Any]) -> None:
        for listener in list(self.event_listeners):
            try:
                listener(data)
            except Exception:
                log.exception("live event listener failed")

    def _listen(self) -> None:
        """Follow the server's event stream; every event wakes the sync thread at once."""
        assert self.client is not None
        backoff = self.stream_backoff
        last_id: str | None = str(self.store.cursor()) or None
        while not self._stop.is_set():
            try:
                for event in self.client.events(last_id):
                    if self._stop.is_set():
                        return
                    backoff.reset()
                    last_id = event.id or last_id
                    self._wake.set()
                    self._tell(event.json())
            except SyncError as exc:
                log.debug("event stream: %s", exc)
            except Exception:
                log.exception("event stream failed")
            self._stop.wait(backoff.next_delay())
