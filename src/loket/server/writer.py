"""Group commit for pushes: one writer thread applies every queued push request in one
transaction (a savepoint per item), then answers them all.

Why: a push item costs a handful of statements but a transaction costs a commit, a
connection and, in FastAPI's thread pool, a thread hop and a fight for the write lock
(and the GIL) with every other request's thread. Under load one thread that takes
whatever has queued up and commits it at once does far more per second, and each
request still gets its own per-item results (`CentralSync.apply`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
from dataclasses import dataclass

from loket.protocol import PushResult
from loket.server import schemas
from loket.server.auth import User
from loket.server.services.sync import CentralSync, RequestOutcome

log = logging.getLogger(__name__)

MAX_GROUP_ITEMS = 1000  # items per transaction; one request is never split


@dataclass
class _Job:
    user: User
    changes: list[schemas.ChangeIn]
    future: asyncio.Future[list[PushResult]]


class PushWriter:
    """`await writer.push(user, changes)` from the event loop; one thread does the work."""

    def __init__(self, sync: CentralSync, max_items: int = MAX_GROUP_ITEMS) -> None:
        self.sync = sync
        self.max_items = max_items
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._thread = threading.Thread(target=self._run, name="loket-push-writer", daemon=True)
        self._thread.start()

    async def stop(self) -> None:
        if self._thread is None:
            return
        self._queue.put(None)
        await asyncio.to_thread(self._thread.join, 10.0)
        self._thread = None

    async def push(self, user: User, changes: list[schemas.ChangeIn]) -> list[PushResult]:
        if self._thread is None:  # not started (no lifespan): apply on a worker thread
            return await asyncio.to_thread(self.sync.push, user, changes)
        future: asyncio.Future[list[PushResult]] = asyncio.get_running_loop().create_future()
        self._queue.put(_Job(user, changes, future))
        return await future

    def _run(self) -> None:
        stopping = False
        while not stopping:
            job = self._queue.get()
            if job is None:
                return
            jobs, size = [job], len(job.changes)
            while size < self.max_items:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stopping = True
                    break
                jobs.append(more)
                size += len(more.changes)
            self._settle(jobs, self._apply(jobs))

    def _apply(self, jobs: list[_Job]) -> list[RequestOutcome]:
        try:
            prepared = [(j.user, self.sync.prepare(j.user, j.changes)) for j in jobs]
            return self.sync.apply(prepared)
        except Exception as exc:  # the transaction is lost: every request in it fails
            log.error("push group of %d requests failed: %s", len(jobs), type(exc).__name__)
            return [exc] * len(jobs)

    def _settle(self, jobs: list[_Job], outcomes: list[RequestOutcome]) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # loop shutting down
            loop.call_soon_threadsafe(_resolve, list(zip(jobs, outcomes, strict=True)))


def _resolve(done: list[tuple[_Job, RequestOutcome]]) -> None:
    for job, outcome in done:
        if job.future.done():  # the client went away; the push is applied all the same
            continue
        if isinstance(outcome, BaseException):
            job.future.set_exception(outcome)
        else:
            job.future.set_result(outcome)
