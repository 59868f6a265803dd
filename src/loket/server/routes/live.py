"""Routes of the live queues: call events, tickets, agent states, live figures.

Thin handlers over `loket.server.services.live.LiveService` (`store.live`); the request
bodies are validated here, so a malformed event is a 422 naming its field.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from loket.protocol import API_PREFIX, Route
from loket.server.deps import Caller, PathId, Store
from loket.server.errors import ApiError
from loket.server.responses import (
    AgentStateOut,
    CallEventOut,
    CallOut,
    DrawnTicketOut,
    LiveOut,
    NextTicketOut,
    NoShowOut,
    OfficeOut,
)
from loket.server.schemas import CallEventKindName

Id = Annotated[str, Field(min_length=1, max_length=200)]
Short = Annotated[str, Field(max_length=100)]


class LiveIn(BaseModel):
    """A live request body: unknown fields refused, surrounding whitespace stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CallEventIn(LiveIn):
    event_id: Id
    call_id: Id
    kind: CallEventKindName
    at: datetime = Field(description="When it happened on the platform (ISO 8601 with zone)")
    queue: Short = ""
    agent: Short = ""
    caller: Annotated[str, Field(max_length=32, pattern=r"^[0-9+ ()-]*$")] = ""


class TicketIn(LiveIn):
    service: Short


class NextIn(LiveIn):
    services: list[Short] | None = None
    desk: Short = ""


class StateIn(LiveIn):
    state: Short
    reason: Short = ""


router = APIRouter(prefix=API_PREFIX, tags=["live"])


@router.post(Route.CALL_EVENTS, response_model=CallEventOut)
def call_event(body: CallEventIn, user: Caller, store: Store) -> dict[str, Any]:
    data = body.model_dump()
    if data["at"].tzinfo is None:
        raise ApiError("validation", "at: needs a time zone", [])
    return store.live.post_call_event(user, data)


@router.get(Route.CALL, response_model=CallOut)
def call(call_id: PathId, user: Caller, store: Store) -> dict[str, Any]:
    return store.live.get_call(user, call_id)


@router.post(Route.TICKETS, status_code=201, response_model=DrawnTicketOut)
def draw(body: TicketIn, user: Caller, store: Store) -> dict[str, Any]:
    return store.live.draw_ticket(user, body.service)


@router.post(Route.TICKET_NEXT, response_model=NextTicketOut)
def next_ticket(body: NextIn, user: Caller, store: Store) -> dict[str, Any]:
    return store.live.next_ticket(user, body.services, body.desk)


@router.post(Route.TICKET_NO_SHOW, response_model=NoShowOut)
def no_show(ticket_id: PathId, user: Caller, store: Store) -> dict[str, Any]:
    return store.live.no_show(user, ticket_id)


@router.post(Route.AGENT_STATE, response_model=AgentStateOut)
def agent_state(body: StateIn, user: Caller, store: Store) -> dict[str, Any]:
    return store.live.set_state(user, body.state, body.reason)


@router.get(Route.LIVE, response_model=LiveOut)
def figures(user: Caller, store: Store) -> dict[str, Any]:
    return store.live.live(user)


@router.get(Route.LIVE_OFFICE, response_model=OfficeOut)
def office(user: Caller, store: Store) -> dict[str, Any]:
    """Today's contacts (totals, per channel, per agent) and the back-office stock."""
    return store.live.office(user)
