"""The worklist: tasks of the user's teams, one typed call per task action, conflicts.

An action is applied locally at once (optimistic) and queued for the server with the
version it was taken on; the server answers a conflict if someone else changed the task
first, and the user then keeps theirs or retries. Each action has its own method with
exactly the arguments it takes, so no argument can be dropped on the way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from loket.domain import tasks as actions
from loket.domain.errors import DomainError, FieldError
from loket.domain.models import Task, TaskStatus, utcnow
from loket.domain.reminders import FRONT_OFFICE
from loket.services.identity import Identity
from loket.services.reference import ReferenceData
from loket.store import Conflict, ConsoleStore, Rejected
from loket.sync import SyncEngine

KEEP_THEIRS = "theirs"  # a conflict: accept the server's task
KEEP_RETRY = "retry"  # a conflict: take my action again on the server's task


@dataclass(frozen=True)
class TaskAction:
    """One task action as the wire carries it (`task.action` in docs/sync-protocol.md)."""

    action: str
    note: str = ""
    team: str = ""
    resolution: str = ""
    reached: bool | None = None

    def payload(self, version: int) -> dict[str, Any]:
        """Only the fields this action uses, with the version it was taken on."""
        body: dict[str, Any] = {"action": self.action, "version": version}
        for name in ("note", "team", "resolution"):
            if getattr(self, name):
                body[name] = getattr(self, name)
        if self.reached is not None:
            body["reached"] = self.reached
        return body

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> TaskAction:
        reached = payload.get("reached")
        return cls(
            action=str(payload.get("action", "")),
            note=str(payload.get("note", "")),
            team=str(payload.get("team", "")),
            resolution=str(payload.get("resolution", "")),
            reached=reached if isinstance(reached, bool) else None,
        )


class TaskService:
    """The tasks this console holds and the actions on them."""

    def __init__(
        self,
        store: ConsoleStore,
        engine: SyncEngine,
        reference: ReferenceData,
        identity: Identity,
    ) -> None:
        self.store = store
        self.engine = engine
        self.reference = reference
        self.identity = identity

    # -- reading ------------------------------------------------------------------------------

    def worklist(
        self, *, team: str | None = None, status: str | None = None, mine: bool = False
    ) -> list[Task]:
        """The worklist: one team, or every team of the user (all tasks for a supervisor)."""
        user = self.identity.user
        if team:
            teams: list[str] | None = [team]
        elif user.role in ("supervisor", "admin"):
            teams = None
        else:
            teams = list(user.teams)
        return self.store.tasks(teams=teams, status=status, assignee=user.name if mine else None)

    def routed_by_me(self) -> list[Task]:
        return self.store.tasks(created_by=self.identity.user.name)

    def front_office(self) -> list[Task]:
        """What the front office works: what I routed and, in the KCC team, every task
        handed back to the front office and the ones I took from that queue."""
        user = self.identity.user
        found = {t.id: t for t in self.routed_by_me()}
        if FRONT_OFFICE in user.teams:
            for task in [
                *self.store.tasks(status=str(TaskStatus.RETURNED)),
                *self.store.tasks(assignee=user.name),
            ]:
                found.setdefault(task.id, task)
        return list(found.values())

    def get(self, task_id: str) -> Task | None:
        return self.store.get_task(task_id)

    # -- actions ------------------------------------------------------------------------------

    def claim(self, task_id: str) -> Task:
        return self._act(task_id, TaskAction(actions.CLAIM))

    def unclaim(self, task_id: str) -> Task:
        return self._act(task_id, TaskAction(actions.UNCLAIM))

    def note(self, task_id: str, note: str) -> Task:
        return self._act(task_id, TaskAction(actions.NOTE, note=note))

    def callback_attempt(self, task_id: str, *, reached: bool | None, note: str = "") -> Task:
        """`reached` None (not answered in the dialog) is refused with a field error."""
        return self._act(task_id, TaskAction(actions.CALLBACK_ATTEMPT, note=note, reached=reached))

    def resolve(self, task_id: str, resolution: str, note: str = "") -> Task:
        return self._act(task_id, TaskAction(actions.RESOLVE, note=note, resolution=resolution))

    def return_to_front_office(self, task_id: str, note: str) -> Task:
        return self._act(task_id, TaskAction(actions.RETURN, note=note))

    def forward(self, task_id: str, team: str, note: str) -> Task:
        return self._act(task_id, TaskAction(actions.FORWARD, note=note, team=team))

    def _act(self, task_id: str, action: TaskAction) -> Task:
        task = self.store.get_task(task_id)
        if task is None:
            raise DomainError(FieldError("task_id", "Deze taak is niet bekend op deze console."))
        return self._apply(task, action)

    def _apply(self, task: Task, action: TaskAction) -> Task:
        updated = actions.apply_action(
            task,
            action.action,
            self.identity.user.name,
            utcnow(),
            note=action.note,
            team=action.team,
            resolution=action.resolution,
            reached=action.reached,
            teams=self.reference.routing.team_ids(),
        )
        self.store.queue_task_action(updated, action.payload(task.version))
        self.engine.poke()
        return updated

    # -- conflicts and refusals -----------------------------------------------------------------

    def conflicts(self) -> list[Conflict]:
        return self.store.conflicts()

    def resolve_conflict(self, task_id: str, keep: str) -> None:
        """KEEP_THEIRS: accept the server's task; KEEP_RETRY: take my action again on it."""
        if keep not in (KEEP_THEIRS, KEEP_RETRY):
            raise DomainError(FieldError("keep", "Kies 'theirs' of 'retry'."))
        conflict = next((c for c in self.store.conflicts() if c.task_id == task_id), None)
        if conflict is None:
            return
        if keep == KEEP_RETRY:
            current = self.store.get_task(task_id) or conflict.current
            self._apply(current, TaskAction.from_payload(conflict.mine))
        self.store.drop_conflict(task_id)

    def rejected(self) -> list[Rejected]:
        return self.store.rejected()
