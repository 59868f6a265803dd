"""The records every part of loket shares: contact, question, customer, task.

These are plain dataclasses with a stable JSON form (`to_dict`/`from_dict`); the
console's store, the sync protocol and the central store all speak this form, so
it is the contract (see docs/sync-protocol.md). Timestamps are timezone-aware
UTC datetimes, serialised as ISO 8601.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

# Field limits of the Dutch Klantinteracties standard, so an export never fails.
SUBJECT_MAX = 200
CONTENT_MAX = 1000
INTERNAL_NOTE_MAX = 1000
CHANNEL_MAX = 50
# How a resident can ask to be reached back; each needs its own detail on the customer.
PREFERRED_CHANNELS = ("telefoon", "e-mail", "post")

DEFAULT_CHANNELS: tuple[str, ...] = ("telefoon", "balie", "e-mail", "chat", "web", "post", "social")

# Outcome of one question. ROUTED is special: it means a task was made for it.
OUTCOME_ROUTED = "doorgezet naar backoffice"
OUTCOME_RESOLVED = "zelfstandig afgehandeld"  # what "resolve" (F5, --resolve) records
DEFAULT_OUTCOMES: tuple[str, ...] = (
    OUTCOME_RESOLVED,
    "afgehandeld na ruggespraak",
    "doorverbonden",
    "verwezen naar andere instantie",
    "verbinding verbroken",
    "klant neemt opnieuw contact op",
    OUTCOME_ROUTED,
)
# Outcomes that count as resolved in the first contact (for the FCR figure).
RESOLVED_OUTCOMES: frozenset[str] = frozenset({OUTCOME_RESOLVED, "afgehandeld na ruggespraak"})


class ContactStatus(StrEnum):
    OPEN = "open"  # being handled (possibly parked)
    CLOSED = "closed"  # ended: every question has an outcome
    DISCARDED = "discarded"  # a misdial or test call the agent threw away: in no figure


class TaskStatus(StrEnum):
    OPEN = "open"
    CLAIMED = "claimed"
    DONE = "done"
    RETURNED = "returned"  # handed back to the front office
    FORWARDED = "forwarded"  # moved to another team; open for that team


class TaskKind(StrEnum):
    DOORZETTING = "doorzetting"
    TERUGBELVERZOEK = "terugbelverzoek"
    INTERNE_TAAK = "interne taak"


class Role(StrEnum):
    AGENT = "agent"
    BACKOFFICE = "backoffice"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    INTEGRATION = "integration"  # a telephone platform or kiosk: call events and tickets only


def new_id() -> str:
    """Ids are made on the console so a record exists before any server has seen it."""
    return str(uuid.uuid4())


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def from_iso(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass
class Customer:
    """Who the contact is with. Every field is optional: most callers stay anonymous."""

    name: str = ""
    phone: str = ""
    email: str = ""
    bsn: str = ""
    kvk: str = ""
    postcode: str = ""
    house_number: str = ""  # huisnummer with letter or addition: "12", "12A", "12-3"
    district: str = ""  # derived from the postcode (data/districts.toml)
    preferred_channel: str = ""  # how the resident wants to hear back: PREFERRED_CHANNELS

    def is_empty(self) -> bool:
        return not any(asdict(self).values())


@dataclass
class Question:
    """One question within a contact; a caller often asks two things."""

    id: str = field(default_factory=new_id)
    text: str = ""  # subject, max SUBJECT_MAX
    notes: str = ""  # answer / notes, max CONTENT_MAX
    products: list[str] = field(default_factory=list)  # kb ids consulted, in order
    outcome: str | None = None
    task_id: str | None = None  # set when the outcome is OUTCOME_ROUTED


@dataclass
class Contact:
    """A contactmoment: one conversation on one channel, handled by one agent."""

    id: str = field(default_factory=new_id)
    agent: str = ""
    channel: str = "telefoon"
    started_at: datetime = field(default_factory=utcnow)  # the agent took the call
    ended_at: datetime | None = None  # end of wrap-up (nawerk), or the close if none yet
    wrapup_started_at: datetime | None = None  # the conversation ended, wrap-up began
    customer: Customer | None = None
    satisfaction: int | None = None  # 1..5, when asked
    questions: list[Question] = field(default_factory=lambda: [Question()])
    status: ContactStatus = ContactStatus.OPEN
    rev: int = 0  # bumped by the console on every save; the store keeps the highest
    call_id: str | None = None  # the telephone platform's call this contact was popped for
    ticket_id: str | None = None  # the counter ticket this resident was called with
    # What the resident quotes on the phone; given by the central store on the first push
    # (loket.domain.references), None until this console has synced it.
    reference: str | None = None

    def handling_seconds(self, now: datetime | None = None) -> float:
        """From taking the call to the end of wrap-up (talk time plus wrap-up time)."""
        end = self.ended_at or now or utcnow()
        return max(0.0, (end - self.started_at).total_seconds())

    def talk_seconds(self, now: datetime | None = None) -> float:
        """From taking the call until the conversation ended (wrap-up began)."""
        end = self.wrapup_started_at or self.ended_at or now or utcnow()
        return max(0.0, (end - self.started_at).total_seconds())

    def wrapup_seconds(self, now: datetime | None = None) -> float:
        """Wrap-up (nawerk) after the conversation; 0 when there was none."""
        if self.wrapup_started_at is None:
            return 0.0
        end = self.ended_at or now or utcnow()
        return max(0.0, (end - self.wrapup_started_at).total_seconds())

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["started_at"] = to_iso(self.started_at)
        data["ended_at"] = to_iso(self.ended_at)
        data["wrapup_started_at"] = to_iso(self.wrapup_started_at)
        data["status"] = str(self.status)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Contact:
        customer = data.get("customer")
        return cls(
            id=data["id"],
            agent=data.get("agent", ""),
            channel=data.get("channel", "telefoon"),
            started_at=from_iso(data.get("started_at")) or utcnow(),
            ended_at=from_iso(data.get("ended_at")),
            wrapup_started_at=from_iso(data.get("wrapup_started_at")),
            customer=Customer(**customer) if customer else None,
            satisfaction=data.get("satisfaction"),
            questions=[Question(**q) for q in data.get("questions", [])],
            status=ContactStatus(data.get("status", "open")),
            rev=int(data.get("rev", 0)),
            call_id=data.get("call_id") or None,
            ticket_id=data.get("ticket_id") or None,
            reference=data.get("reference") or None,
        )


@dataclass
class Callback:
    """How the back office reaches the resident: at least a phone number or an e-mail."""

    name: str = ""
    phone: str = ""
    email: str = ""
    preferred_time: str = ""  # free text, e.g. "ochtend"


@dataclass
class TaskStep:
    """One line of a task's log: who did what, when."""

    at: datetime
    by: str
    action: str  # created, claimed, note, callback_attempt, resolved, returned, forwarded, ...
    note: str = ""
    team: str = ""  # the team after the step (for forwards)
    reached: bool | None = None  # callback_attempt only: was the resident reached?


@dataclass
class Task:
    """A routed question (doorzetting, terugbelverzoek, interne taak) for a back-office team."""

    id: str = field(default_factory=new_id)
    contact_id: str = ""
    question_id: str = ""
    kind: TaskKind = TaskKind.DOORZETTING
    product: str = ""  # kb id
    team: str = ""  # team id from data/backoffices.toml
    assignee: str | None = None
    subject: str = ""  # max SUBJECT_MAX
    internal_note: str = ""  # required, max INTERNAL_NOTE_MAX, never shown to the resident
    callback: Callback = field(default_factory=Callback)
    intake: dict[str, str] = field(default_factory=dict)  # team intake question -> answer
    status: TaskStatus = TaskStatus.OPEN
    created_by: str = ""
    created_at: datetime = field(default_factory=utcnow)
    due_at: datetime | None = None
    resolution: str = ""  # what the back office told the resident
    version: int = 1  # optimistic concurrency: bumped by the central store on every change
    log: list[TaskStep] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["kind"] = str(self.kind)
        data["status"] = str(self.status)
        data["created_at"] = to_iso(self.created_at)
        data["due_at"] = to_iso(self.due_at)
        data["log"] = [{**asdict(s), "at": to_iso(s.at)} for s in self.log]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Task:
        return cls(
            id=data["id"],
            contact_id=data.get("contact_id", ""),
            question_id=data.get("question_id", ""),
            kind=TaskKind(data.get("kind", TaskKind.DOORZETTING)),
            product=data.get("product", ""),
            team=data.get("team", ""),
            assignee=data.get("assignee"),
            subject=data.get("subject", ""),
            internal_note=data.get("internal_note", ""),
            callback=Callback(**(data.get("callback") or {})),
            intake=dict(data.get("intake") or {}),
            status=TaskStatus(data.get("status", "open")),
            created_by=data.get("created_by", ""),
            created_at=from_iso(data.get("created_at")) or utcnow(),
            due_at=from_iso(data.get("due_at")),
            resolution=data.get("resolution", ""),
            version=int(data.get("version", 1)),
            log=[TaskStep(**{**s, "at": from_iso(s["at"])}) for s in data.get("log", [])],
        )
