"""The wire contract the console and the central store share (docs/sync-protocol.md).

Pure: names and shapes only, no I/O. Both sides import these; no literal of the protocol
is spelled anywhere else. The record shapes themselves (contact, task) are the domain
records' `to_dict` form (`loket.domain.models`); task action names are the domain's
state machine (`loket.domain.tasks.ACTIONS`), re-exported here for the wire.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, TypedDict

from loket.domain.tasks import ACTIONS as TASK_ACTIONS

__all__ = [
    "API_PREFIX",
    "LIVE_ENTITIES",
    "PUSH_BATCH_MAX",
    "RECORD_ENTITIES",
    "TASK_ACTIONS",
    "ChangeKind",
    "Entity",
    "ErrorBody",
    "PullEntry",
    "PullPage",
    "PushResult",
    "PushStatus",
    "Route",
]

API_PREFIX = "/api/v1"
PUSH_BATCH_MAX = 500  # changes per push request


class Route:
    """The routes (under API_PREFIX) that a client of the central store calls: the server's
    routers and the console's and simulator's clients both name them from here. A
    `{name}` part is filled with `str.format`, the value URL-quoted."""

    ME = "/me"
    USERS = "/users"
    SYNC_PUSH = "/sync/push"
    SYNC_PULL = "/sync/pull"
    EVENTS = "/events"
    STATS = "/stats"
    REPORT = "/report"
    REPORT_CHARTS = "/report/charts"
    TASKS = "/tasks"
    CUSTOMER_LOOKUP = "/customers/lookup"
    CONTACT_BSN = "/contacts/{contact_id}/bsn"
    CALL_EVENTS = "/call-events"
    CALL = "/calls/{call_id}"
    TICKETS = "/tickets"
    TICKET_NEXT = "/tickets/next"
    TICKET_NO_SHOW = "/tickets/{ticket_id}/no-show"
    AGENT_STATE = "/agent-state"
    LIVE = "/live"
    LIVE_OFFICE = "/live/office"


class ChangeKind(StrEnum):
    """What one outbox entry asks the central store to do."""

    CONTACT_SAVE = "contact.save"
    TASK_CREATE = "task.create"
    TASK_ACTION = "task.action"


class PushStatus(StrEnum):
    """The central store's answer per pushed change."""

    APPLIED = "applied"  # written now
    DUPLICATE = "duplicate"  # this change id was applied before: nothing written again
    CONFLICT = "conflict"  # a task changed meanwhile; `current` holds the server's task
    REJECTED = "rejected"  # refused (validation, permission); never retried as is


# Outcomes after which the console drops the change from its outbox.
SETTLED = frozenset({PushStatus.APPLIED, PushStatus.DUPLICATE})


class Entity(StrEnum):
    """What a change-log entry is about."""

    CONTACT = "contact"
    TASK = "task"
    CALL = "call"  # the live queues (docs/integrations.md): events only, never pulled
    TICKET = "ticket"
    AGENT = "agent"


# Records a console pulls (`PullEntry.entity`); the live entities reach only the stream.
RECORD_ENTITIES: tuple[Entity, ...] = (Entity.CONTACT, Entity.TASK)
LIVE_ENTITIES: tuple[Entity, ...] = (Entity.CALL, Entity.TICKET, Entity.AGENT)


class FieldErrorBody(TypedDict):
    field: str
    message: str


class ErrorBody(TypedDict):
    code: str
    message: str
    fields: list[FieldErrorBody]


class PushResult(TypedDict):
    id: str  # the change id
    status: str  # a PushStatus
    seq: int | None  # the change-log entry it made (applied, duplicate)
    error: ErrorBody | None  # conflict, rejected
    current: dict[str, Any] | None  # conflict: the server's task now


class PullEntry(TypedDict):
    seq: int
    entity: str  # one of RECORD_ENTITIES
    id: str
    at: str
    data: dict[str, Any]  # the record's to_dict form (BSN masked)


class PullPage(TypedDict):
    changes: list[PullEntry]
    cursor: int
    more: bool
