"""Tasks (doorzettingen): creating what consoles hand on, the task actions of the domain's
state machine with optimistic versions, and reading tasks."""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import datetime
from typing import Any

from loket.domain.errors import DomainError, FieldError
from loket.domain.models import Task, TaskStatus
from loket.domain.reminders import FRONT_OFFICE
from loket.domain.tasks import apply_action, new_task_log
from loket.domain.validation import validate_task
from loket.protocol import Entity
from loket.server import policy, schemas
from loket.server.auth import User
from loket.server.errors import ApiError, forbidden, not_found
from loket.server.services.common import Context, decode_cursor, encode_cursor, prefixed
from loket.server.services.users import AccessLog
from loket.server.storage.base import Writes, db_time
from loket.server.storage.changes import ChangeRow
from loket.server.storage.tasks import TaskQuery, TaskRow


class CentralTasks:
    """Every task it answers with the resident's callback details is access-logged
    (`AccessLog.record_tasks`), as reads of contacts are."""

    def __init__(
        self, ctx: Context, access: AccessLog, teams: Collection[str] | None = None
    ) -> None:
        self.ctx = ctx
        self.access = access
        self.teams = teams  # None: any team id (tests without reference data)

    # --- creating (push: task.create) ---------------------------------------------------------

    def check(self, user: User, task_in: schemas.TaskIn) -> Task:
        """Checks that need no database: the caller's right, the domain's rules, the team."""
        if not policy.may_register(user):
            raise forbidden("Je kunt alleen taken doorzetten die je zelf aanmaakt.")
        task = Task.from_dict({**task_in.as_dict(), "created_by": user.name})
        errors: list[FieldError] = []
        try:
            validate_task(task)
        except DomainError as exc:
            errors.extend(exc.errors)
        if self.teams is not None and task.team and task.team not in self.teams:
            errors.append(FieldError("team", f"Onbekend team '{task.team}'."))
        if errors:
            raise ApiError.from_domain(prefixed(errors, "payload.task"))
        return task

    def create(self, tx: Writes, user: User, task: Task) -> int:
        """Insert the task as it starts (`new_task_log`); its queued change-log entry. The
        contact it was routed from must be stored already and be the author's own."""
        contact = tx.contact(task.contact_id) if task.contact_id else None
        if contact is None:
            msg = "Onbekend contact: een taak hoort bij een opgeslagen contact."
            raise ApiError("validation", msg, [FieldError("payload.task.contact_id", msg)])
        if not policy.may_route_contact(user, contact["agent"]):
            raise forbidden("Dit contact is van een andere medewerker.")
        task = new_task_log(task, user.name, self.ctx.clock())
        if not tx.insert_task(task_row(task)):
            msg = "Er bestaat al een taak met dit id."
            raise ApiError("validation", msg, [FieldError("payload.task.id", msg)])
        return tx.queue_change(task_change(task, self.ctx.now(), None))

    # --- task actions -------------------------------------------------------------------------

    def act(
        self, user: User, task_id: str, action: str, version: int, fields: dict[str, Any]
    ) -> dict[str, Any]:
        """A task action over HTTP: the same path as `task.action` in push. The answer
        (the new task, or the current one on a version conflict) is access-logged."""
        try:
            with self.ctx.storage.write() as tx:  # the change-log entry is written at commit
                task, _ = self.act_in(tx, user, task_id, action, version, fields)
        except ApiError as exc:
            if exc.current is not None:
                self.access.record_tasks(user, [exc.current], "task_action")
            raise
        answer = task.to_dict()
        self.access.record_tasks(user, [answer], "task_action")
        return answer

    def act_in(
        self,
        tx: Writes,
        user: User,
        task_id: str,
        action: str,
        version: int,
        fields: dict[str, Any],
    ) -> tuple[Task, int]:
        """One action inside the caller's transaction: the new task and its queued entry."""
        row = tx.task(task_id)
        if row is None:
            raise not_found("Taak")
        task = Task.from_dict(json.loads(row["data"]))
        if version != task.version and policy.task_scope(user).admits(row):
            raise stale(task)  # changed meanwhile (taken by a colleague): show it as it is
        if not policy.may_act_on_task(user, task):
            raise forbidden("Je kunt deze taak niet behandelen.")
        try:
            new = apply_action(
                task, action, user.name, self.ctx.clock(), teams=self.teams, **fields
            )
        except DomainError as exc:
            raise ApiError.from_domain(exc) from None
        if not tx.update_task(task_row(new), expected_version=task.version):
            current = tx.task(task_id)
            raise stale(Task.from_dict(json.loads(current["data"])) if current else task)
        return new, tx.queue_change(task_change(new, self.ctx.now(), moved_from(task, new)))

    # --- reading ------------------------------------------------------------------------------

    def list(
        self,
        user: User,
        *,
        team: str | None = None,
        status: str | None = None,
        assignee: str | None = None,
        limit: int = 100,
        cursor: str | None = None,
    ) -> dict[str, Any]:
        query = TaskQuery(
            team=team or None,
            status=status or None,
            assignee=assignee or None,
            after=decode_cursor(cursor),
            limit=limit + 1,
        )
        with self.ctx.storage.read() as r:
            rows = r.tasks(query, policy.task_scope(user))
        items = [json.loads(row["data"]) for row in rows[:limit]]
        self.access.record_tasks(user, items, "task_list")
        last = items[-1] if items else None
        more = len(rows) > limit and last is not None
        return {
            "items": items,
            "next_cursor": encode_cursor(
                db_time(datetime.fromisoformat(last["created_at"])), last["id"]
            )
            if more and last
            else None,
        }

    def get(self, user: User, task_id: str) -> dict[str, Any]:
        with self.ctx.storage.read() as r:
            row = r.task(task_id)
        if row is None:
            raise not_found("Taak")
        task: dict[str, Any] = json.loads(row["data"])
        if not policy.task_scope(user).admits(task):
            raise forbidden("Deze taak is niet zichtbaar voor jou.")
        self.access.record_tasks(user, [task], "task_view")
        return task


def stale(task: Task) -> ApiError:
    return ApiError(
        "conflict",
        f"De taak is intussen gewijzigd (nu versie {task.version}). Bekijk de nieuwe stand.",
        [FieldError("version", "Verouderde versie.")],
        current=task.to_dict(),
    )


def task_row(task: Task) -> TaskRow:
    return TaskRow(
        id=task.id,
        contact_id=task.contact_id,
        team=task.team,
        assignee=task.assignee,
        status=str(task.status),
        created_by=task.created_by,
        created_at=db_time(task.created_at),
        due_at=db_time(task.due_at) if task.due_at else None,
        version=task.version,
        data=task.to_dict(),
    )


def moved_from(old: Task, new: Task) -> str | None:
    """The queue a task just left, for the change log's `team_before`: the old team when
    it was forwarded, the front office's queue (KCC) when a handed-back task was taken,
    so everyone who saw it there learns it is gone."""
    if new.team != old.team:
        return old.team
    if old.status == TaskStatus.RETURNED and new.status != TaskStatus.RETURNED:
        return FRONT_OFFICE
    return None


def task_change(task: Task, at: str, team_before: str | None) -> ChangeRow:
    return ChangeRow(
        Entity.TASK,
        task.id,
        at,
        task.created_by,
        task.to_dict(),
        team=task.team,
        team_before=team_before,
        status=str(task.status),
    )
