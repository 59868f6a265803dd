"""The caller's identity, user administration and the access log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from loket.protocol import API_PREFIX, Route
from loket.server import schemas
from loket.server.deps import Admin, Caller, Limit, PathId, Store
from loket.server.responses import AccessLogOut, DisabledOut, NewUserOut, UserList, UserOut

router = APIRouter(prefix=API_PREFIX)


@router.get(Route.ME, tags=["identity"], response_model=UserOut)
def me(user: Caller) -> dict[str, Any]:
    return user.as_dict()


@router.get(Route.USERS, tags=["admin"], response_model=UserList)
def users(user: Admin, store: Store) -> dict[str, Any]:
    return {"items": store.users.list()}


@router.post(Route.USERS, tags=["admin"], status_code=201, response_model=NewUserOut)
def add_user(body: schemas.UserIn, user: Admin, store: Store) -> dict[str, Any]:
    token = store.users.add(body.name, body.role, body.teams)
    return {"name": body.name, "role": body.role, "teams": body.teams, "token": token}


@router.post("/users/{name}/disable", tags=["admin"], response_model=DisabledOut)
def disable_user(name: PathId, user: Admin, store: Store) -> dict[str, Any]:
    store.users.disable(name)
    return {"name": name, "disabled": True}


@router.get("/access-log", tags=["admin"], response_model=AccessLogOut)
def access_log(
    user: Admin,
    store: Store,
    limit: Limit = 100,
    before: Annotated[int | None, Query(ge=0, le=schemas.VERSION_MAX)] = None,
) -> dict[str, Any]:
    return store.access.page(limit, before)
