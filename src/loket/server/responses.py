"""What the API answers: the response model of every route, so the OpenAPI document
describes the real bodies (schemathesis checks each answer against it).

Records are the domain records' `to_dict` form (`loket.domain.models`); times are ISO
8601 text exactly as stored, so these models type them as strings.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from loket.domain.queues import QueueKind
from loket.server.schemas import (
    AgentStateName,
    CallStatusName,
    ContactStatusName,
    EntityName,
    PushStatusName,
    TaskKindName,
    TaskStatusName,
    TicketStatusName,
)


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- errors ----------------------------------------------------------------------------------


class FieldErrorOut(Out):
    field: str
    message: str


class ErrorBodyOut(Out):
    code: str
    message: str
    fields: list[FieldErrorOut]
    current: dict[str, Any] | None = None


class ErrorOut(Out):
    """Every 4xx and 5xx (docs/sync-protocol.md, "Errors"); a conflict adds `current`."""

    error: ErrorBodyOut
    current: dict[str, Any] | None = None


# --- records ---------------------------------------------------------------------------------


class CustomerOut(Out):
    name: str
    phone: str
    email: str
    bsn: str
    kvk: str
    postcode: str
    house_number: str = ""  # absent in contacts stored before house numbers were asked
    district: str
    preferred_channel: str = ""


class QuestionOut(Out):
    id: str
    text: str
    notes: str
    products: list[str]
    outcome: str | None
    task_id: str | None


class ContactOut(Out):
    id: str
    agent: str
    channel: str
    started_at: str
    ended_at: str | None
    wrapup_started_at: str | None = None  # absent in contacts stored before it existed
    customer: CustomerOut | None
    satisfaction: int | None
    questions: list[QuestionOut]
    status: ContactStatusName
    rev: int
    call_id: str | None = None  # absent in contacts stored before it existed
    ticket_id: str | None = None  # a counter contact's ticket; absent before it existed
    reference: str | None = None  # given by the store on the first save; absent before


class CallbackOut(Out):
    name: str
    phone: str
    email: str
    preferred_time: str


class TaskStepOut(Out):
    at: str
    by: str
    action: str
    note: str
    team: str
    reached: bool | None


class TaskOut(Out):
    id: str
    contact_id: str
    question_id: str
    kind: TaskKindName
    product: str
    team: str
    assignee: str | None
    subject: str
    internal_note: str
    callback: CallbackOut
    intake: dict[str, str]
    status: TaskStatusName
    created_by: str
    created_at: str
    due_at: str | None
    resolution: str
    version: int
    log: list[TaskStepOut]


class ContactPage(Out):
    items: list[ContactOut]
    next_cursor: str | None


class TaskPage(Out):
    items: list[TaskOut]
    next_cursor: str | None


class TaskSummaryOut(Out):
    """Where a routed question stands, as the front office may see it: no internal note,
    no intake answers, no callback details."""

    id: str
    status: TaskStatusName
    team: str
    assignee: str | None
    due_at: str | None
    resolution: str
    attempts: int  # callback attempts so far
    reached: bool | None  # the last attempt's result, None before any
    returned_reason: str  # the note of the last return to the front office, if any
    version: int


class QuestionSummaryOut(Out):
    text: str
    outcome: str | None
    task_id: str | None
    task: TaskSummaryOut | None


class ContactSummaryOut(Out):
    """A lookup hit: enough to recognise the resident's history; BSN masked."""

    id: str
    agent: str | None
    channel: str | None
    started_at: str | None
    ended_at: str | None
    status: str | None
    reference: str | None = None  # the number the resident quotes; absent in older contacts
    customer: CustomerOut | None
    questions: list[QuestionSummaryOut]


class LookupOut(Out):
    items: list[ContactSummaryOut]


# --- sync ------------------------------------------------------------------------------------


class PushResultOut(Out):
    id: str
    status: PushStatusName
    seq: int | None
    error: ErrorBodyOut | None
    current: TaskOut | None


class PushOut(Out):
    results: list[PushResultOut]


class PullEntryOut(Out):
    seq: int
    entity: EntityName
    id: str
    at: str
    data: ContactOut | TaskOut


class PullOut(Out):
    changes: list[PullEntryOut]
    cursor: int
    more: bool


# --- figures ---------------------------------------------------------------------------------


class HandlingOut(Out):
    count: int
    mean_seconds: float | None
    p90_seconds: float | None


class TeamQueueOut(Out):
    team: str
    open: int
    claimed: int
    overdue: int
    at_risk: int
    returned: int


class StatsOut(Out):
    """`loket.domain.kpi.Report.to_dict`: the same figures as `loket report --json`."""

    day: str
    contacts: int
    questions: int
    fcr: float | None
    fcr_resolved: int
    fcr_counted: int
    handling: HandlingOut
    per_channel: dict[str, int]
    per_district: dict[str, int]
    per_outcome: dict[str, int]
    queues: list[TeamQueueOut]
    generated_at: str | None


# --- users and operations --------------------------------------------------------------------


class UserOut(Out):
    name: str
    role: str
    teams: list[str]


class UserListItem(UserOut):
    disabled: bool
    created_at: str


class UserList(Out):
    items: list[UserListItem]


class NewUserOut(UserOut):
    token: str  # shown once; only its hash is stored


class DisabledOut(Out):
    name: str
    disabled: bool


class AccessEntryOut(Out):
    id: int
    at: str
    user: str
    contact_id: str
    reason: str
    note: str


class AccessLogOut(Out):
    items: list[AccessEntryOut]
    next_before: int | None


class ShownBsnOut(Out):
    contact_id: str
    bsn: str


class HealthOut(Out):
    status: str
    db: str
    reason: str | None = None  # why not ok (e.g. "no space left on device")


class ReportGroupOut(Out):
    """One group of `GET /api/v1/report` (definitions: docs/metrics.md)."""

    group: str
    contacts: int
    questions: int
    without_outcome: int
    fcr_counted: int
    fcr_resolved: int
    fcr_questions: float | None
    fcr_contacts_counted: int
    fcr_contacts_resolved: int
    fcr_contacts: float | None
    routed: int
    with_outcome: int
    share_routed: float | None
    handled: int
    mean_seconds: float | None
    median_seconds: float | None
    p90_seconds: float | None
    talked: int
    talk_mean_seconds: float | None
    talk_median_seconds: float | None
    talk_p90_seconds: float | None
    wrapped: int
    wrapup_mean_seconds: float | None
    wrapup_median_seconds: float | None
    wrapup_p90_seconds: float | None
    rated: int
    satisfaction_mean: float | None
    tasks: int
    resolved: int
    on_time: int
    late: int
    open_overdue: int
    open_in_time: int
    returned: int
    sla_on_time: float | None
    resolve_median_seconds: float | None
    resolve_p90_seconds: float | None
    callback_in_norm: int
    callback_late: int
    callback_missed: int
    callback_norm: float | None


class HourlyChartOut(Out):
    """Contacts per local hour (0..23) of the day, and the mean of the same weekday over
    the `weeks` weeks before."""

    today: list[int]
    average: list[float]
    weeks: int


class FcrChartOut(Out):
    """FCR per question (share, or null without counted questions) per channel, one
    value per ISO week of `weeks`."""

    weeks: list[str]
    channels: dict[str, list[float | None]]


class QueueLevelsOut(Out):
    name: str
    target: float
    levels: list[float | None]


class ServiceLevelChartOut(Out):
    """Service level per phone queue, one value per day of `days` (null: no calls)."""

    days: list[str]
    queues: dict[str, QueueLevelsOut]


class ChartsOut(Out):
    """The report screen's charts (`loket report --chart`): docs/metrics.md, "Charts"."""

    day: str
    hourly: HourlyChartOut
    fcr_weekly: FcrChartOut
    service_level: ServiceLevelChartOut
    generated_at: str | None


class ReportQueueOut(Out):
    """One phone queue over the period (definitions: `loket.domain.queues`)."""

    queue: str
    name: str
    answered: int
    abandoned: int
    answered_in_target: int
    service_level: float | None
    abandon_rate: float | None
    asa: float | None
    sl_seconds: float
    sl_target: float


class ReportOut(Out):
    """Management figures over a period, grouped: `loket report --from --to --by`."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: str = Field(alias="from")
    to: str
    by: str
    groups: list[ReportGroupOut]
    queues: list[ReportQueueOut]
    generated_at: str


# --- live queues -----------------------------------------------------------------------------


class CallSummaryOut(Out):
    """A call without the caller's number."""

    id: str
    status: CallStatusName
    queue: str
    agent: str
    offered_at: str | None
    answered_at: str | None
    ended_at: str | None


class CallRefOut(Out):
    """The call a duplicate event was for (nothing was applied)."""

    id: str


class CallEventOut(Out):
    status: PushStatusName  # applied, or duplicate (seq then null)
    seq: int | None
    call: CallSummaryOut | CallRefOut


class CallOut(CallSummaryOut):
    """`GET /calls/{id}`: the caller's number, for the call's agent and supervisors."""

    caller: str
    talk_seconds: float


class TicketOut(Out):
    id: str
    service: str
    number: str
    drawn_at: str
    status: TicketStatusName
    called_at: str | None
    agent: str
    desk: str


class DrawnTicketOut(Out):
    ticket: TicketOut
    ahead: int
    expected_wait_seconds: float | None


class NextTicketOut(Out):
    """`ticket` null when nobody waits."""

    ticket: TicketOut | None
    waited_seconds: float | None


class NoShowOut(Out):
    ticket: TicketOut


class AgentStateOut(Out):
    agent: str
    state: AgentStateName
    reason: str
    at: str
    seq: int


class QueueFiguresOut(Out):
    """`loket.domain.queues.QueueFigures` of one queue, with its name and kind."""

    queue: str
    name: str
    kind: QueueKind
    waiting: int
    longest_wait: float | None
    answered: int
    abandoned: int
    answered_in_target: int
    service_level: float | None
    abandon_rate: float | None
    asa: float | None
    sl_target: float
    sl_seconds: float
    breached: bool


class AgentStatusOut(Out):
    """`loket.domain.agent_states.AgentStatus`."""

    agent: str
    state: AgentStateName
    since: str | None
    reason: str
    seconds_in_state: float
    per_state: dict[str, float]


class LiveOut(Out):
    """`GET /live`: per queue and per agent as they stand now."""

    at: str
    seq: int
    queues: list[QueueFiguresOut]
    agents: list[AgentStatusOut]


class OfficeFiguresOut(Out):
    contacts: int
    fcr: float | None
    handling_seconds: float | None


class OfficeChannelOut(OfficeFiguresOut):
    channel: str


class OfficeAgentOut(OfficeFiguresOut):
    agent: str


class OfficeTeamOut(Out):
    team: str
    open: int
    claimed: int
    due_soon: int
    overdue: int
    returned: int


class OfficeOut(Out):
    """`GET /live/office`: today's contacts and the back-office stock per team."""

    at: str
    day: str
    nearly_due_hours: float
    today: OfficeFiguresOut
    channels: list[OfficeChannelOut]
    agents: list[OfficeAgentOut]
    teams: list[OfficeTeamOut]
