"""The task state machine: the one implementation the central store and the console share.

`apply_action` never mutates: it returns a new Task with status, assignee, team and log
updated and `version` + 1, so the caller can compare, store or discard it. Roles are not
checked here (the server knows who may act on which team); this module checks what the
task itself allows.

Transition table (action: from -> to)

    claim             open | forwarded | returned  -> claimed    assignee = actor
    unclaim           claimed                      -> open       assignee cleared
    note              any except done              -> unchanged  note required
    callback_attempt  claimed                      -> claimed    reached required, assignee only
    resolve           claimed                      -> done       resolution required, assignee only
    return            open | forwarded | claimed   -> returned   note required, assignee cleared
    forward           open | forwarded | claimed | returned
                                                   -> forwarded  new team, note required,
                                                                 assignee cleared

Rules behind the table:
- `done` is final: nothing changes a resolved task (a new question gets a new task).
- A claimed task belongs to its assignee: only they resolve, return, forward or log a
  callback, so two people never call the same resident. Anyone may add a note or
  `unclaim` (the supervisor's way to take over from an absent colleague; it is logged).
- `returned` means the front office has it back: it can claim it (handle it itself) or
  forward it again, also to the same team once the missing information is added. Any
  other forward must name a different team.
- Missing input (note, resolution, reached, team) raises a plain `DomainError` on that
  field; an action the status does not allow raises `TransitionError` on field "action".
"""

from __future__ import annotations

import copy
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime

from loket.domain.errors import DomainError, FieldError, TransitionError
from loket.domain.models import CONTENT_MAX, INTERNAL_NOTE_MAX, Task, TaskStatus, TaskStep

CLAIM = "claim"
UNCLAIM = "unclaim"
NOTE = "note"
CALLBACK_ATTEMPT = "callback_attempt"
RESOLVE = "resolve"
RETURN = "return"
FORWARD = "forward"
ACTIONS: tuple[str, ...] = (CLAIM, UNCLAIM, NOTE, CALLBACK_ATTEMPT, RESOLVE, RETURN, FORWARD)

_S = TaskStatus
_NOT_DONE = frozenset({_S.OPEN, _S.CLAIMED, _S.RETURNED, _S.FORWARDED})
ALLOWED_FROM: dict[str, frozenset[TaskStatus]] = {
    CLAIM: frozenset({_S.OPEN, _S.FORWARDED, _S.RETURNED}),
    UNCLAIM: frozenset({_S.CLAIMED}),
    NOTE: _NOT_DONE,
    CALLBACK_ATTEMPT: frozenset({_S.CLAIMED}),
    RESOLVE: frozenset({_S.CLAIMED}),
    RETURN: frozenset({_S.OPEN, _S.FORWARDED, _S.CLAIMED}),
    FORWARD: _NOT_DONE,
}
# Actions that, on a claimed task, only its assignee may take.
ASSIGNEE_ONLY = frozenset({CALLBACK_ATTEMPT, RESOLVE, RETURN, FORWARD})
# The word written in the log for each action (TaskStep.action).
LOG_ACTION = {
    CLAIM: "claimed",
    UNCLAIM: "unclaimed",
    NOTE: "note",
    CALLBACK_ATTEMPT: "callback_attempt",
    RESOLVE: "resolved",
    RETURN: "returned",
    FORWARD: "forwarded",
}
CREATED = "created"

_STATUS_NL = {
    _S.OPEN: "open",
    _S.CLAIMED: "in behandeling",
    _S.DONE: "afgehandeld",
    _S.RETURNED: "teruggelegd bij de frontoffice",
    _S.FORWARDED: "doorgestuurd",
}
_ACTION_NL = {
    CLAIM: "oppakken",
    UNCLAIM: "vrijgeven",
    NOTE: "een notitie toevoegen",
    CALLBACK_ATTEMPT: "een terugbelpoging vastleggen",
    RESOLVE: "afhandelen",
    RETURN: "teruggeven aan de frontoffice",
    FORWARD: "doorsturen",
}


@dataclass(frozen=True)
class Progress:
    """What the front office follows of a task beyond its status: the callback attempts,
    the last one's result, and why it came back (the note of the last return)."""

    attempts: int
    reached: bool | None
    returned_reason: str


def progress(task: Task) -> Progress:
    attempts = [step for step in task.log if step.action == LOG_ACTION[CALLBACK_ATTEMPT]]
    returns = [step for step in task.log if step.action == LOG_ACTION[RETURN]]
    return Progress(
        attempts=len(attempts),
        reached=attempts[-1].reached if attempts else None,
        returned_reason=returns[-1].note if returns else "",
    )


def allowed_actions(task: Task, actor: str | None = None) -> list[str]:
    """Actions the task's status allows, in ACTIONS order; the UI shows only these.

    With `actor`, also drops what only the assignee of a claimed task may do.
    """
    return [a for a in ACTIONS if _refusal(task, a, actor) is None]


def _refusal(task: Task, action: str, actor: str | None) -> str | None:
    """Why `action` is not allowed now (Dutch), or None when it is."""
    if task.status not in ALLOWED_FROM[action]:
        status = _STATUS_NL.get(task.status, str(task.status))
        return f"Je kunt deze taak niet {_ACTION_NL[action]}: de taak is {status}."
    if actor is None or task.status != _S.CLAIMED:
        return None
    if action in ASSIGNEE_ONLY and task.assignee and task.assignee != actor:
        return (
            f"Deze taak is in behandeling bij {task.assignee}; alleen die kan "
            f"{_ACTION_NL[action]}. Laat de taak eerst vrijgeven."
        )
    return None


def apply_action(
    task: Task,
    action: str,
    actor: str,
    now: datetime,
    *,
    note: str = "",
    team: str = "",
    resolution: str = "",
    reached: bool | None = None,
    teams: Collection[str] | None = None,
) -> Task:
    """Return a copy of `task` after `actor` took `action` at `now` (version + 1).

    `teams` is the set of known team ids; a forward checks its target against it when given.
    Raises TransitionError when the status does not allow the action, DomainError when
    the action's input is missing or wrong.
    """
    if action not in ACTIONS:
        raise DomainError(FieldError("action", f"Onbekende actie '{action}'."))
    if not actor:
        raise DomainError(FieldError("actor", "Onbekend wie deze actie uitvoert."))
    refusal = _refusal(task, action, actor)
    if refusal:
        raise TransitionError(FieldError("action", refusal))
    note = (note or "").strip()
    _check_input(task, action, note, team.strip(), resolution.strip(), reached, teams)
    new = copy.deepcopy(task)
    _APPLY[action](new, actor, team.strip(), resolution.strip())
    new.version = task.version + 1
    new.log.append(
        TaskStep(
            at=_utc(now),
            by=actor,
            action=LOG_ACTION[action],
            note=note,
            team=new.team,
            reached=reached if action == CALLBACK_ATTEMPT else None,
        )
    )
    return new


def _check_input(
    task: Task,
    action: str,
    note: str,
    team: str,
    resolution: str,
    reached: bool | None,
    teams: Collection[str] | None,
) -> None:
    errors: list[FieldError] = []
    if action in (NOTE, RETURN, FORWARD) and not note:
        errors.append(FieldError("note", "Een notitie is verplicht bij deze actie."))
    if len(note) > INTERNAL_NOTE_MAX:
        errors.append(FieldError("note", f"Maximaal {INTERNAL_NOTE_MAX} tekens (nu {len(note)})."))
    if action == CALLBACK_ATTEMPT and reached is None:
        errors.append(FieldError("reached", "Geef aan of de inwoner is bereikt."))
    if action == RESOLVE:
        if not resolution:
            errors.append(FieldError("resolution", "Beschrijf wat de inwoner is geantwoord."))
        elif len(resolution) > CONTENT_MAX:
            msg = f"Maximaal {CONTENT_MAX} tekens (nu {len(resolution)})."
            errors.append(FieldError("resolution", msg))
    if action == FORWARD:
        errors.extend(_forward_errors(task, team, teams))
    if errors:
        raise DomainError(errors)


def _forward_errors(task: Task, team: str, teams: Collection[str] | None) -> list[FieldError]:
    if not team:
        return [FieldError("team", "Kies het team waar de taak heen moet.")]
    if teams is not None and team not in teams:
        return [FieldError("team", f"Onbekend team '{team}'.")]
    if team == task.team and task.status != _S.RETURNED:
        return [FieldError("team", f"De taak ligt al bij team '{team}'.")]
    return []


def _claim(task: Task, actor: str, team: str, resolution: str) -> None:
    task.status = _S.CLAIMED
    task.assignee = actor


def _unclaim(task: Task, actor: str, team: str, resolution: str) -> None:
    task.status = _S.OPEN
    task.assignee = None


def _keep(task: Task, actor: str, team: str, resolution: str) -> None:
    """note and callback_attempt only add a log line."""


def _resolve(task: Task, actor: str, team: str, resolution: str) -> None:
    task.status = _S.DONE
    task.resolution = resolution


def _return(task: Task, actor: str, team: str, resolution: str) -> None:
    task.status = _S.RETURNED
    task.assignee = None


def _forward(task: Task, actor: str, team: str, resolution: str) -> None:
    task.status = _S.FORWARDED
    task.assignee = None
    task.team = team


_APPLY = {
    CLAIM: _claim,
    UNCLAIM: _unclaim,
    NOTE: _keep,
    CALLBACK_ATTEMPT: _keep,
    RESOLVE: _resolve,
    RETURN: _return,
    FORWARD: _forward,
}


def new_task_log(task: Task, actor: str, now: datetime) -> Task:
    """A copy of a newly routed task as it starts: `open`, nobody assigned, no resolution,
    version 1 and a log holding only its `created` step.

    The central store calls this on `task.create`, so a pushed task can never start done,
    claimed or resolved (those change only through task actions); the console calls it too
    so its local copy matches what the store will hold.
    """
    new = copy.deepcopy(task)
    new.status = TaskStatus.OPEN
    new.assignee = None
    new.resolution = ""
    new.version = 1
    new.log = [TaskStep(at=_utc(now), by=actor, action=CREATED, team=task.team)]
    return new


def _utc(moment: datetime) -> datetime:
    """Log times are UTC; a naive time is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
