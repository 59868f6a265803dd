"""Tasks: reading them, and one route per task action (the same code as push's
`task.action`: `CentralTasks.act`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from loket.domain import tasks as actions
from loket.protocol import API_PREFIX, Route
from loket.server import schemas
from loket.server.deps import Caller, Limit, PathId, QueryText, Store
from loket.server.responses import TaskOut, TaskPage

router = APIRouter(prefix=API_PREFIX, tags=["tasks"])


@router.get(Route.TASKS, response_model=TaskPage)
def tasks(
    user: Caller,
    store: Store,
    team: QueryText = None,
    status: QueryText = None,
    assignee: QueryText = None,
    limit: Limit = 100,
    cursor: QueryText = None,
) -> dict[str, Any]:
    return store.tasks.list(
        user, team=team, status=status, assignee=assignee, limit=limit, cursor=cursor
    )


@router.get("/tasks/{task_id}", response_model=TaskOut)
def task(task_id: PathId, user: Caller, store: Store) -> dict[str, Any]:
    return store.tasks.get(user, task_id)


@router.post("/tasks/{task_id}/claim", response_model=TaskOut)
def claim(task_id: PathId, body: schemas.VersionIn, user: Caller, store: Store) -> dict[str, Any]:
    return store.tasks.act(user, task_id, actions.CLAIM, body.version, {})


@router.post("/tasks/{task_id}/unclaim", response_model=TaskOut)
def unclaim(task_id: PathId, body: schemas.VersionIn, user: Caller, store: Store) -> dict[str, Any]:
    return store.tasks.act(user, task_id, actions.UNCLAIM, body.version, {})


@router.post("/tasks/{task_id}/notes", response_model=TaskOut)
def note(task_id: PathId, body: schemas.NoteIn, user: Caller, store: Store) -> dict[str, Any]:
    return store.tasks.act(user, task_id, actions.NOTE, body.version, {"note": body.note})


@router.post("/tasks/{task_id}/callback-attempts", response_model=TaskOut)
def callback(
    task_id: PathId, body: schemas.CallbackAttemptIn, user: Caller, store: Store
) -> dict[str, Any]:
    fields = {"note": body.note, "reached": body.reached}
    return store.tasks.act(user, task_id, actions.CALLBACK_ATTEMPT, body.version, fields)


@router.post("/tasks/{task_id}/resolve", response_model=TaskOut)
def resolve(task_id: PathId, body: schemas.ResolveIn, user: Caller, store: Store) -> dict[str, Any]:
    fields = {"resolution": body.resolution}
    return store.tasks.act(user, task_id, actions.RESOLVE, body.version, fields)


@router.post("/tasks/{task_id}/return", response_model=TaskOut)
def return_(task_id: PathId, body: schemas.ReturnIn, user: Caller, store: Store) -> dict[str, Any]:
    return store.tasks.act(user, task_id, actions.RETURN, body.version, {"note": body.note})


@router.post("/tasks/{task_id}/forward", response_model=TaskOut)
def forward(task_id: PathId, body: schemas.ForwardIn, user: Caller, store: Store) -> dict[str, Any]:
    fields = {"team": body.team, "note": body.note}
    return store.tasks.act(user, task_id, actions.FORWARD, body.version, fields)
