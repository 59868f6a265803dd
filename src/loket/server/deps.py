"""What every route shares: the running central store, the caller (from the bearer
token) and the query and path parameter types. Routes get them as FastAPI dependencies.

The dependencies are `async def` on purpose: they do no I/O on the event loop (a token
look-up goes to the thread pool; a pusher cached for the push route costs no thread hop).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Path, Query, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from loket.domain.errors import FieldError
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


def _token(credentials: HTTPAuthorizationCredentials | None) -> str:
    if credentials is None or not credentials.credentials:
        raise ApiError("unauthorized", "Missing bearer token.")
    return credentials.credentials


async def current_user(
    store: Store,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    """The caller, looked up for every request: a disabled token stops at once."""
    return await run_in_threadpool(store.users.authenticate, _token(credentials))


async def pushing_user(
    store: Store,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    """The caller of a push, from a short cache (no thread hop on the hottest route);
    the push transaction re-checks that the user is still enabled."""
    token = _token(credentials)
    user = store.users.cached_pusher(token)
    if user is None:
        user = await run_in_threadpool(store.users.authenticate_pusher, token)
    return user


Caller = Annotated[User, Depends(current_user)]
Pusher = Annotated[User, Depends(pushing_user)]


async def admin_user(user: Caller) -> User:
    policy.require_admin(user)
    return user


Admin = Annotated[User, Depends(admin_user)]

_query_names: dict[int, frozenset[str]] = {}


def _query_of(dependant: Dependant) -> set[str]:
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_of(sub)
    return names


def declared_query(route: APIRoute) -> frozenset[str]:
    """The query parameters a route declares (its own and its dependencies', by alias)."""
    names = _query_names.get(id(route))
    if names is None:
        names = _query_names[id(route)] = frozenset(_query_of(route.dependant))
    return names


async def known_query(request: Request) -> None:
    """Every route's first dependency: a query parameter the route does not declare is
    refused (400 naming it) rather than ignored, so a misspelt filter never silently
    widens an answer and personal data in a made-up parameter is not taken in."""
    if not request.scope.get("query_string"):
        return
    route = request.scope.get("route")
    declared = declared_query(route) if isinstance(route, APIRoute) else frozenset()
    unknown = [name for name in dict.fromkeys(request.query_params) if name not in declared]
    if unknown:
        shown = [name[:64] for name in unknown]
        fields = [FieldError(name, "Unknown query parameter.") for name in shown]
        listed = ", ".join(f"'{name}'" for name in shown)
        raise ApiError("bad_request", f"Unknown query parameter {listed}.", fields)


QueryText = Annotated[schemas.Text | None, Query(max_length=200)]
Limit = Annotated[int, Query(ge=1, le=1000)]
Seq = Annotated[int, Query(ge=0, le=schemas.VERSION_MAX)]
PathId = Annotated[schemas.Text, Path(min_length=1, max_length=200)]
