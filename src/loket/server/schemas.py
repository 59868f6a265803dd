"""Request bodies of the API: strict shapes (unknown fields refused) with the field limits
of `loket.domain.models`. Valid bodies are turned into domain records with `as_dict()`
plus the records' own `from_dict`, so the JSON form stays defined in one place."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from loket.domain.agent_states import AgentState
from loket.domain.calls import CallEventKind, CallStatus
from loket.domain.models import (
    CHANNEL_MAX,
    CONTENT_MAX,
    INTERNAL_NOTE_MAX,
    SUBJECT_MAX,
    ContactStatus,
    Role,
    TaskKind,
    TaskStatus,
)
from loket.domain.references import REFERENCE_MAX
from loket.domain.tasks import ACTIONS
from loket.domain.tickets import TicketStatus
from loket.protocol import PUSH_BATCH_MAX, RECORD_ENTITIES, PushStatus

ID_MAX = 100
CALL_ID_MAX = 200  # as the call events' call_id
NAME_MAX = 200
BATCH_MAX = PUSH_BATCH_MAX
VERSION_MAX = 2**53  # fits every backend's integer and JSON numbers

if TYPE_CHECKING:
    # Typed as their enums' value type; at run time each is a Literal of the values, so
    # the OpenAPI document lists them inline (built from the enums, never spelled twice).
    ContactStatusName = str
    TaskStatusName = str
    TaskKindName = str
    PushStatusName = str
    EntityName = str  # a record a console pulls: contact or task
    ActionName = str
    CallEventKindName = str
    CallStatusName = str
    TicketStatusName = str
    AgentStateName = str
    RoleName = str
else:
    ContactStatusName = Literal[tuple(s.value for s in ContactStatus)]
    TaskStatusName = Literal[tuple(s.value for s in TaskStatus)]
    TaskKindName = Literal[tuple(k.value for k in TaskKind)]
    PushStatusName = Literal[tuple(s.value for s in PushStatus)]
    EntityName = Literal[tuple(e.value for e in RECORD_ENTITIES)]
    ActionName = Literal[ACTIONS]
    CallEventKindName = Literal[tuple(k.value for k in CallEventKind)]
    CallStatusName = Literal[tuple(s.value for s in CallStatus)]
    TicketStatusName = Literal[tuple(s.value for s in TicketStatus)]
    AgentStateName = Literal[tuple(s.value for s in AgentState)]
    RoleName = Literal[tuple(r.value for r in Role)]


def _storable(value: str) -> str:
    """Refuse text no database can store: NUL characters and lone surrogates."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text") from None
    return value


Text = Annotated[str, AfterValidator(_storable)]


def limited(max_length: int, min_length: int = 0) -> Any:
    return Field(default="", max_length=max_length, min_length=min_length)


Id = Annotated[Text, Field(min_length=1, max_length=ID_MAX)]
Version = Annotated[int, Field(ge=0, le=VERSION_MAX)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def as_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class CustomerIn(Strict):
    name: Text = limited(NAME_MAX)
    phone: Text = limited(50)
    email: Text = limited(254)
    bsn: Text = limited(20)
    kvk: Text = limited(20)
    postcode: Text = limited(10)
    house_number: Text = limited(20)
    district: Text = limited(NAME_MAX)
    preferred_channel: Text = limited(20)


class QuestionIn(Strict):
    id: Id
    text: Text = limited(SUBJECT_MAX)
    notes: Text = limited(CONTENT_MAX)
    products: list[Annotated[Text, Field(max_length=NAME_MAX)]] = Field(
        default_factory=list, max_length=100
    )
    outcome: Annotated[Text, Field(max_length=NAME_MAX)] | None = None
    task_id: Annotated[Text, Field(max_length=ID_MAX)] | None = None


class ContactIn(Strict):
    id: Id
    # Ignored: the store stamps the author from the caller's token (a console that first
    # started offline may not know its user's name yet).
    agent: Annotated[Text, Field(max_length=ID_MAX)] = ""
    channel: Text = Field(max_length=CHANNEL_MAX)
    started_at: datetime
    ended_at: datetime | None = None
    wrapup_started_at: datetime | None = None
    customer: CustomerIn | None = None
    satisfaction: int | None = Field(default=None, ge=1, le=5)
    questions: list[QuestionIn] = Field(default_factory=list, max_length=50)
    status: ContactStatusName = ContactStatus.OPEN.value
    rev: Version = 0
    # The platform's call id (POST /call-events) of a popped phone contact.
    call_id: Annotated[Text, Field(min_length=1, max_length=CALL_ID_MAX)] | None = None
    # The counter ticket (POST /tickets/next) a balie contact was started with.
    ticket_id: Id | None = None
    # Ignored: the store gives the reference (the first save) and keeps it; a console may
    # push back what it pulled.
    reference: Annotated[Text, Field(max_length=REFERENCE_MAX)] | None = None


class CallbackIn(Strict):
    name: Text = limited(NAME_MAX)
    phone: Text = limited(50)
    email: Text = limited(254)
    preferred_time: Text = limited(SUBJECT_MAX)


class TaskIn(Strict):
    id: Id
    contact_id: Annotated[Text, Field(max_length=ID_MAX)] = ""
    question_id: Annotated[Text, Field(max_length=ID_MAX)] = ""
    kind: TaskKindName = TaskKind.DOORZETTING.value
    product: Text = limited(NAME_MAX)
    team: Text = limited(ID_MAX, 1)
    assignee: Annotated[Text, Field(max_length=ID_MAX)] | None = None
    subject: Text = limited(SUBJECT_MAX)
    internal_note: Text = limited(INTERNAL_NOTE_MAX)
    callback: CallbackIn = Field(default_factory=CallbackIn)
    intake: dict[
        Annotated[Text, Field(max_length=SUBJECT_MAX)],
        Annotated[Text, Field(max_length=CONTENT_MAX)],
    ] = Field(default_factory=dict, max_length=50)
    status: TaskStatusName = TaskStatus.OPEN.value
    created_by: Annotated[Text, Field(max_length=ID_MAX)] = ""  # ignored: from the token
    created_at: datetime
    due_at: datetime | None = None
    resolution: Text = limited(CONTENT_MAX)
    version: Version = 1  # ignored: the store sets version 1
    log: list[dict[str, Any]] = Field(default_factory=list, max_length=1000)  # ignored: recomputed


class ContactSavePayload(Strict):
    contact: ContactIn


class TaskCreatePayload(Strict):
    task: TaskIn


class TaskActionPayload(Strict):
    task_id: Id
    action: ActionName
    version: Version
    note: Text = limited(INTERNAL_NOTE_MAX)
    team: Text = limited(ID_MAX)
    resolution: Text = limited(CONTENT_MAX)
    reached: bool | None = None

    def fields(self) -> dict[str, Any]:
        return {
            "note": self.note,
            "team": self.team,
            "resolution": self.resolution,
            "reached": self.reached,
        }


class ChangeIn(Strict):
    """One outbox entry. The payload is checked per item, so one bad item is `rejected`
    while the rest of the batch is applied."""

    id: Id
    kind: Text = Field(max_length=50)
    made_at: Annotated[Text, Field(max_length=64)] | None = None
    payload: dict[str, Any]


class PushIn(Strict):
    changes: list[ChangeIn] = Field(max_length=BATCH_MAX)


class LookupIn(Strict):
    phone: Annotated[Text, Field(max_length=50)] | None = None
    email: Annotated[Text, Field(max_length=254)] | None = None
    bsn: Annotated[Text, Field(max_length=20)] | None = None
    # A contact's reference number, as the resident quotes it (loket.domain.references).
    reference: Annotated[Text, Field(max_length=20)] | None = None
    kvk: Annotated[Text, Field(max_length=20)] | None = None
    postcode: Annotated[Text, Field(max_length=10)] | None = None  # with house_number
    house_number: Annotated[Text, Field(max_length=20)] | None = None
    # The open contact the lookup is for: the "why" of the access log entry.
    for_contact: Annotated[Text, Field(max_length=64)] | None = None


class ShowBsnIn(Strict):
    """Why the caller needs the full BSN; recorded in the access log (never the BSN)."""

    reason: Text = Field(min_length=5, max_length=300)


class VersionIn(Strict):
    version: Version


class NoteIn(VersionIn):
    note: Text = Field(max_length=INTERNAL_NOTE_MAX)


class CallbackAttemptIn(VersionIn):
    reached: bool
    note: Text = limited(INTERNAL_NOTE_MAX)


class ResolveIn(VersionIn):
    resolution: Text = Field(max_length=CONTENT_MAX)


class ReturnIn(VersionIn):
    note: Text = Field(max_length=INTERNAL_NOTE_MAX)


class ForwardIn(VersionIn):
    team: Text = Field(max_length=ID_MAX)
    note: Text = Field(max_length=INTERNAL_NOTE_MAX)


class UserIn(Strict):
    name: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._@-]+$")]
    role: RoleName
    teams: list[Annotated[Text, Field(min_length=1, max_length=ID_MAX)]] = Field(
        default_factory=list, max_length=20
    )
