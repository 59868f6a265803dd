"""Push, pull and the live-event stream (docs/sync-protocol.md)."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query
from fastapi.responses import JSONResponse
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from loket.domain.errors import FieldError
from loket.protocol import API_PREFIX, Route
from loket.server import schemas
from loket.server.deps import Caller, Limit, Pusher, Running, Seq, Store
from loket.server.errors import ApiError
from loket.server.events import SEP, event_stream
from loket.server.responses import PullOut, PushOut

router = APIRouter(prefix=API_PREFIX, tags=["sync"])


@router.post(Route.SYNC_PUSH, response_model=PushOut)
async def push(body: schemas.PushIn, user: Pusher, rt: Running) -> JSONResponse:
    """Apply an outbox batch: one result per change, in order (group commit, see writer)."""
    results = await rt.writer.push(user, body.changes)
    for status, count in Counter(r["status"] for r in results).items():
        rt.metrics.pushes.labels(status).inc(count)
    # A plain JSON response: the results are JSON-ready dicts, so FastAPI's response-model
    # pass (jsonable_encoder over every item) would only cost time on the hottest route.
    return JSONResponse({"results": results})


@router.get(Route.SYNC_PULL, response_model=PullOut)
def pull(user: Caller, store: Store, since: Seq = 0, limit: Limit = 500) -> JSONResponse:
    """Change-log entries after `since` that the caller may see, in seq order."""
    return JSONResponse(store.sync.pull(user, since, limit))


@router.get(
    Route.EVENTS,
    response_class=EventSourceResponse,
    responses={
        200: {
            "description": "The live-event stream (docs/sync-protocol.md)",
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        }
    },
)
async def events(
    user: Caller,
    rt: Running,
    since: Annotated[int | None, Query(ge=0, le=schemas.VERSION_MAX)] = None,
    last_event_id: Annotated[str | None, Header(max_length=32)] = None,
) -> EventSourceResponse:
    """Server-sent events: one `change` event per visible change-log entry, with pings."""
    start = since
    if last_event_id and last_event_id.strip().isdigit():
        start = int(last_event_id.strip())
        if start > schemas.VERSION_MAX:
            message = f"Last-Event-ID is groter dan {schemas.VERSION_MAX}."
            raise ApiError("bad_request", message, [FieldError("Last-Event-ID", message)])
    metrics = rt.metrics

    async def allowed() -> bool:
        return await run_in_threadpool(rt.store.users.enabled, user.name)

    async def body() -> AsyncIterator[ServerSentEvent]:
        metrics.sse_clients.inc()
        try:
            stream = event_stream(rt.feed, user, start, rt.config.heartbeat_seconds, allowed)
            async for chunk in stream:
                yield chunk
        finally:
            metrics.sse_clients.dec()

    # Pings come from the stream itself (each re-checks the user), so the library's are off.
    headers = {"Cache-Control": "no-cache"}
    return EventSourceResponse(body(), headers=headers, ping=0, sep=SEP)
