"""What every route shares: the running central store, the caller (from the bearer
token) and the query and path parameter types. Routes get them as FastAPI dependencies.

The dependencies are `async def` on purpose: they do no I/O (a cached caller costs no
thread hop; a token look-up goes to the thread pool), and a plain `def` dependency would
cost a thread-pool round trip on every request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from loket.server import policy, schemas
from loket.server.auth import User
from loket.server.errors import ApiError
from loket.server.events import ChangeFeed
from loket.server.metrics import Metrics
from loket.server.services import CentralStore
from loket.server.writer import PushWriter

if TYPE_CHECKING:
    from loket.server.app import AppConfig


@dataclass
class Runtime:
    """What the app's lifespan opened, for the routes: `app.state.runtime`."""

    config: AppConfig
    store: CentralStore
    feed: ChangeFeed
    writer: PushWriter
    metrics: Metrics


async def runtime(request: Request) -> Runtime:
    found: Runtime | None = getattr(request.app.state, "runtime", None)
    if found is None:  # only without the lifespan (never under uvicorn)
        raise ApiError("internal", "The central store is not open.")
    return found


Running = Annotated[Runtime, Depends(runtime)]


async def central_store(rt: Running) -> CentralStore:
    return rt.store


Store = Annotated[CentralStore, Depends(central_store)]

_bearer = HTTPBearer(auto_error=False)


async def current_user(
    store: Store,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    if credentials is None or not credentials.credentials:
        raise ApiError("unauthorized", "Missing bearer token.")
    token = credentials.credentials
    user = store.users.cached(token)
    if user is None:
        user = await run_in_threadpool(store.users.authenticate, token)
    return user


Caller = Annotated[User, Depends(current_user)]


async def admin_user(user: Caller) -> User:
    policy.require_admin(user)
    return user


Admin = Annotated[User, Depends(admin_user)]

QueryText = Annotated[schemas.Text | None, Query(max_length=200)]
Limit = Annotated[int, Query(ge=1, le=1000)]
Seq = Annotated[int, Query(ge=0, le=schemas.VERSION_MAX)]
PathId = Annotated[schemas.Text, Path(min_length=1, max_length=200)]
