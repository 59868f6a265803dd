"""Live events: one tail of the change log per process, fanned out to SSE streams.

Writers in this process (SQLite) or any process (PostgreSQL NOTIFY) wake the tail; a
timed poll covers anything else (a second process on the same SQLite file). The tail
reads new change-log heads in seq order and hands them to every open stream, which
keeps those its user may see. Because a stream resumes from the change log itself
(`Last-Event-ID`), a slow or reconnecting client never misses an event.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from sse_starlette import ServerSentEvent

from loket.server import policy
from loket.server.auth import User
from loket.server.storage.base import Storage

log = logging.getLogger(__name__)

BATCH = 1000
SUBSCRIBER_BACKLOG = 2000  # beyond this a stream re-reads from the database


class Subscriber:
    def __init__(self) -> None:
        self.items: deque[dict[str, Any]] = deque()
        self.ready = asyncio.Event()
        self.lagged = False
        self.closed = False

    def offer(self, head: dict[str, Any]) -> None:
        if len(self.items) >= SUBSCRIBER_BACKLOG:
            self.items.clear()
            self.lagged = True
        else:
            self.items.append(head)
        self.ready.set()


class ChangeFeed:
    def __init__(self, storage: Storage, poll_interval: float | None = None) -> None:
        self.storage = storage
        self.poll_interval = poll_interval or storage.poll_interval
        self.high = 0
        self._subscribers: set[Subscriber] = set()
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self.high = await asyncio.to_thread(self._max_seq)
        self.storage.add_listener(self.wake_threadsafe)
        self._task = asyncio.create_task(self._run(), name="loket-change-feed")

    def _max_seq(self) -> int:
        with self.storage.read() as r:
            return r.max_seq()

    def wake_threadsafe(self) -> None:
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # loop shutting down
                loop.call_soon_threadsafe(wake.set)

    def heads_since(self, since: int) -> list[dict[str, Any]]:
        with self.storage.read() as r:
            return r.change_heads(since, BATCH)

    async def _run(self) -> None:
        assert self._wake is not None
        while not self._closed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_interval)
            self._wake.clear()
            try:
                await self._catch_up()
            except Exception as exc:  # keep the feed alive; the next wake retries
                log.warning("change feed read failed: %s", type(exc).__name__)
                await asyncio.sleep(0.5)

    async def _catch_up(self) -> None:
        while True:
            heads = await asyncio.to_thread(self.heads_since, self.high)
            for head in heads:
                self.high = int(head["seq"])
                for sub in list(self._subscribers):
                    sub.offer(head)
            if len(heads) < BATCH:
                return

    def subscribe(self) -> Subscriber:
        sub = Subscriber()
        self._subscribers.add(sub)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        self._subscribers.discard(sub)

    def close(self) -> None:
        """End every stream (so a server can stop promptly) and the tail; loop thread only."""
        self._closed = True
        for sub in list(self._subscribers):
            sub.closed = True
            sub.ready.set()
        if self._wake is not None:
            self._wake.set()

    def close_threadsafe(self) -> None:
        if self._loop is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self.close)

    async def stop(self) -> None:
        self.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


SEP = "\n"  # lines end in LF (sse-starlette's default is CRLF; both are valid SSE)
CONNECTED = ServerSentEvent(comment="connected", sep=SEP)
PING = ServerSentEvent(comment="ping", sep=SEP)


def sse_event(head: dict[str, Any]) -> ServerSentEvent:
    data = {
        "seq": int(head["seq"]),
        "entity": head["entity"],
        "id": head["entity_id"],
        "team": head["team"],
        "status": head["status"],
    }
    return ServerSentEvent(json.dumps(data), id=str(data["seq"]), event="change", sep=SEP)


ALLOWED_RECHECK_SECONDS = 1.0


async def event_stream(
    feed: ChangeFeed,
    user: User,
    since: int | None,
    heartbeat: float,
    allowed: Callable[[], Awaitable[bool]] | None = None,
) -> AsyncIterator[ServerSentEvent]:
    """The SSE body for one client: backlog after `since`, then live heads, with pings.

    `allowed` (whether the user is still enabled) is asked again at most once a second
    while events flow, and at every ping: a disabled user's open stream ends within a
    second and never gets another event after that check."""
    sub = feed.subscribe()
    scope = policy.change_scope(user)
    cursor = feed.high if since is None else since
    checked = time.monotonic()

    async def still_allowed(force: bool = False) -> bool:
        nonlocal checked
        if allowed is None or (not force and time.monotonic() - checked < ALLOWED_RECHECK_SECONDS):
            return True
        checked = time.monotonic()
        return await allowed()

    try:
        yield CONNECTED
        while not sub.closed:
            if since is not None or sub.lagged:
                sub.lagged = False
                since = None
                async for chunk in _backlog(feed, scope, cursor):
                    if isinstance(chunk, int):
                        cursor = chunk
                    else:
                        yield chunk
            if not sub.items:
                sub.ready.clear()
                try:
                    await asyncio.wait_for(sub.ready.wait(), heartbeat)
                except TimeoutError:
                    if not await still_allowed(force=True):
                        return
                    yield PING
                    continue
            if not await still_allowed():
                return
            while sub.items and not sub.lagged:
                head = sub.items.popleft()
                if int(head["seq"]) <= cursor:
                    continue
                cursor = int(head["seq"])
                if scope.admits(head):
                    yield sse_event(head)
    finally:
        feed.unsubscribe(sub)


async def _backlog(
    feed: ChangeFeed, scope: policy.Scope, cursor: int
) -> AsyncIterator[ServerSentEvent | int]:
    """Events after `cursor` read straight from the change log; yields the new cursor last."""
    while True:
        heads = await asyncio.to_thread(feed.heads_since, cursor)
        for head in heads:
            cursor = int(head["seq"])
            if scope.admits(head):
                yield sse_event(head)
        if len(heads) < BATCH:
            break
    yield cursor
