"""Live queues on the central store: call events from the telephone platform, counter
tickets, agents' states, and the supervisor's live figures.

Each accepted event is also a change-log entry (entity `call`, `ticket` or `agent`), so
it reaches the live-event stream (SSE, LISTEN/NOTIFY across processes) like any change
and a reconnecting client resumes without a gap. The entry's owner is the agent the
event concerns: an agent's stream carries the call it answered (the screen pop), a
supervisor's stream carries everything. Caller numbers are never in the change log or in
the figures; only `GET /calls/{id}` shows them, to the call's agent and to supervisors.

Who may do what (`loket.server.policy`): call events come from an `integration` token
only; tickets are drawn by an integration token (a kiosk) or staff (the host desk);
counter agents call the next ticket; each user reports its own state; supervisors and
admins read the figures.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from loket.domain.agent_states import AgentStateEvent, agent_statuses, check_state_event
from loket.domain.calls import Call, CallEvent, CallEventKind, check_event, fold_call
from loket.domain.errors import DomainError, FieldError
from loket.domain.models import from_iso, new_id
from loket.domain.queues import QueueDef, Wait, local_day, queue_figures
from loket.domain.reminders import NEARLY_DUE_HOURS
from loket.domain.sla import AMSTERDAM
from loket.domain.tickets import Ticket, TicketStatus, expected_wait, ticket_number
from loket.protocol import Entity, PushStatus
from loket.server import policy
from loket.server.auth import User
from loket.server.errors import ApiError, not_found
from loket.server.services.common import Context
from loket.server.services.figures import FigureService
from loket.server.storage.base import db_time
from loket.server.storage.changes import ChangeRow
from loket.server.storage.live import LiveReads, LiveWrites


def _field(name: str, message: str) -> ApiError:
    return ApiError("validation", f"{name}: {message}", [FieldError(name, message)])


def _moment(value: str) -> datetime:
    """A stored (never empty) time."""
    moment = from_iso(value)
    if moment is None:
        raise ValueError("empty time in the live tables")
    return moment


def _call_json(call: Call) -> str:
    data = asdict(call)
    return json.dumps(data, default=lambda v: v.isoformat() if isinstance(v, datetime) else str(v))


def _call_waits(data: dict[str, Any]) -> list[Wait]:
    return [
        Wait(w["queue"], _moment(w["began_at"]), from_iso(w["ended_at"]), w["outcome"])
        for w in data.get("waits", [])
    ]


def _ticket(row: dict[str, Any]) -> Ticket:
    return Ticket(
        id=row["id"],
        service=row["service"],
        number=row["number"],
        drawn_at=_moment(row["drawn_at"]),
        status=TicketStatus(row["status"]),
        called_at=from_iso(row["called_at"]),
        agent=row["agent"] or "",
        desk=row["desk"] or "",
    )


class LiveService:
    def __init__(
        self, ctx: Context, queues: dict[str, QueueDef], figures: FigureService | None = None
    ) -> None:
        self.storage = ctx.storage
        self.queues = queues
        self.clock = ctx.clock
        self.figures = figures or FigureService(ctx)

    # --- helpers ------------------------------------------------------------------------

    def _queue(self, name: str, kind: str, field_name: str) -> QueueDef:
        queue = self.queues.get(name)
        if queue is None or queue.kind != kind:
            known = ", ".join(q.id for q in self.queues.values() if q.kind == kind) or "geen"
            raise _field(field_name, f"onbekende wachtrij '{name}' (bekend: {known})")
        return queue

    def _check_agent(self, r: Any, name: str) -> None:
        row = r.user(name)
        if row is None or row["disabled"] or row["role"] not in policy.STAFF:
            raise _field("agent", f"onbekende medewerker '{name}'")

    @staticmethod
    def _change(
        w: Any, entity: str, entity_id: str, at: str, owner: str, team: str, status: str
    ) -> int:
        entity, status = str(entity), str(status)  # plain text in the log, never an enum
        data = {"entity": entity, "id": entity_id, "status": status, "team": team}
        return int(
            w.append_change(ChangeRow(entity, entity_id, at, owner, data, team, None, status))
        )

    # --- calls --------------------------------------------------------------------------

    def post_call_event(self, user: User, body: dict[str, Any]) -> dict[str, Any]:
        """Apply one call event; `duplicate` for an event id seen before with the same
        content, 409 for a reused id with other content, 422 naming the field otherwise."""
        policy.require_integration(user)
        event = CallEvent(
            event_id=body["event_id"],
            call_id=body["call_id"],
            kind=CallEventKind(body["kind"]),
            at=body["at"],
            queue=body.get("queue") or "",
            agent=body.get("agent") or "",
            caller=body.get("caller") or "",
        )
        if event.queue:
            self._queue(event.queue, "phone", "queue")
        now = db_time(self.clock())
        with self.storage.write() as w:
            lw = LiveWrites(w, self.storage.backend)
            seen = lw.call_event(event.event_id)
            if seen is not None:
                return self._duplicate(seen, event)
            if event.agent:
                self._check_agent(w, event.agent)
            lw.lock_call(event.call_id, now)
            known = [self._event(row) for row in lw.call_events(event.call_id)]
            try:
                call = check_event(known, event)
            except DomainError as exc:
                raise ApiError.from_domain(exc) from None
            if not lw.insert_call_event(
                {**event.to_dict(), "at": db_time(event.at), "received_at": now}
            ):
                raise ApiError(
                    "conflict",
                    "event_id: tegelijk al ontvangen",
                    [FieldError("event_id", "dubbel")],
                )
            offered = db_time(call.offered_at) if call.offered_at else None
            lw.save_call(
                call.id, str(call.status), call.queue, call.agent, offered, now, _call_json(call)
            )
            lw.save_waits(
                call.id,
                [
                    (
                        w.queue,
                        local_day(w.began_at).isoformat(),
                        db_time(w.began_at),
                        w.outcome,
                        w.seconds(w.ended_at) if w.ended_at else None,
                    )
                    for w in call.waits
                ],
            )
            owner = event.agent or call.agent
            seq = self._change(w, Entity.CALL, call.id, now, owner, call.queue, str(event.kind))
        return {"status": PushStatus.APPLIED.value, "seq": seq, "call": self._call_summary(call)}

    @staticmethod
    def _event(row: dict[str, Any]) -> CallEvent:
        return CallEvent(
            row["event_id"],
            row["call_id"],
            CallEventKind(row["kind"]),
            _moment(row["at"]),
            row["queue"],
            row["agent"],
            row["caller"],
        )

    def _duplicate(self, seen: dict[str, Any], event: CallEvent) -> dict[str, Any]:
        same = self._event(seen)
        if (same.call_id, same.kind, same.at, same.queue, same.agent, same.caller) != (
            event.call_id,
            event.kind,
            event.at,
            event.queue,
            event.agent,
            event.caller,
        ):
            raise ApiError(
                "conflict",
                "event_id: al gebruikt voor een andere gebeurtenis",
                [FieldError("event_id", "al gebruikt voor een andere gebeurtenis")],
            )
        return {"status": PushStatus.DUPLICATE.value, "seq": None, "call": {"id": event.call_id}}

    @staticmethod
    def _call_summary(call: Call) -> dict[str, Any]:
        """A call without the caller's number (for the platform's answer and the figures)."""
        return {
            "id": call.id,
            "status": str(call.status),
            "queue": call.queue,
            "agent": call.agent,
            "offered_at": call.offered_at.isoformat() if call.offered_at else None,
            "answered_at": call.answered_at.isoformat() if call.answered_at else None,
            "ended_at": call.ended_at.isoformat() if call.ended_at else None,
        }

    def get_call(self, user: User, call_id: str) -> dict[str, Any]:
        """One call with the caller's number: for the agent who has (had) it, supervisors."""
        with self.storage.read() as r:
            rows = LiveReads(r).call_events(call_id)
        if not rows:
            raise not_found("Gesprek")
        events = [self._event(row) for row in rows]
        call = fold_call(call_id, events)
        agents = {e.agent for e in events if e.agent}
        if not policy.may_read_call(user, agents):
            raise not_found("Gesprek")
        now = self.clock()
        talk = call.talk_seconds(now, None if policy.reads_all(user) else user.name)
        return {**self._call_summary(call), "caller": call.caller, "talk_seconds": talk}

    # --- tickets ------------------------------------------------------------------------

    def draw_ticket(self, user: User, service: str) -> dict[str, Any]:
        policy.require_ticket_drawer(user)
        queue = self._queue(service, "counter", "service")
        now = self.clock()
        at = db_time(now)
        with self.storage.write() as w:
            lw = LiveWrites(w, self.storage.backend)
            seq = lw.next_ticket_seq(service, local_day(now).isoformat())
            row: dict[str, Any] = {
                "id": new_id(),
                "service": service,
                "day": local_day(now).isoformat(),
                "seq": seq,
                "number": ticket_number(queue.prefix, seq),
                "drawn_at": at,
            }
            lw.insert_ticket(row)
            ahead = lw.waiting_ahead(service, at)
            recent = lw.called_since(service, db_time(now - timedelta(minutes=30)))
            self._change(w, Entity.TICKET, row["id"], at, "", service, TicketStatus.WAITING)
        ticket = _ticket(
            {**row, "status": TicketStatus.WAITING, "called_at": None, "agent": "", "desk": ""}
        )
        wait = expected_wait(ahead, [_moment(x) for x in recent], now)
        return {"ticket": ticket.to_dict(), "ahead": ahead, "expected_wait_seconds": wait}

    def next_ticket(self, user: User, services: Iterable[str] | None, desk: str) -> dict[str, Any]:
        """The longest-waiting ticket of `services` (default: every counter service) for
        this agent; `ticket` None when nobody waits."""
        policy.require_staff(user)
        wanted = list(services or [q.id for q in self.queues.values() if q.kind == "counter"])
        for name in wanted:
            self._queue(name, "counter", "services")
        if not wanted:
            raise _field("services", "geen balieproducten ingesteld")
        now = self.clock()
        with self.storage.write() as w:
            row = LiveWrites(w, self.storage.backend).call_next_ticket(
                wanted, user.name, desk, db_time(now)
            )
            if row is not None:
                self._change(
                    w,
                    Entity.TICKET,
                    row["id"],
                    db_time(now),
                    user.name,
                    row["service"],
                    TicketStatus.CALLED,
                )
        if row is None:
            return {"ticket": None, "waited_seconds": None}
        ticket = _ticket(row)
        return {"ticket": ticket.to_dict(), "waited_seconds": ticket.waited_seconds(now)}

    def no_show(self, user: User, ticket_id: str) -> dict[str, Any]:
        policy.require_staff(user)
        now = db_time(self.clock())
        with self.storage.write() as w:
            row = LiveWrites(w, self.storage.backend).mark_no_show(ticket_id, user.name)
            if row is not None:
                self._change(
                    w,
                    Entity.TICKET,
                    ticket_id,
                    now,
                    user.name,
                    row["service"],
                    TicketStatus.NO_SHOW,
                )
        if row is None:
            raise ApiError(
                "conflict",
                "Dit nummer is niet door jou opgeroepen of al afgemeld.",
                [FieldError("ticket_id", "niet opgeroepen door jou")],
            )
        return {"ticket": _ticket(row).to_dict()}

    # --- agent states -------------------------------------------------------------------

    def set_state(self, user: User, state: str, reason: str) -> dict[str, Any]:
        policy.require_staff(user)
        try:
            parsed = check_state_event(state, reason)
        except DomainError as exc:
            raise ApiError.from_domain(exc) from None
        now = db_time(self.clock())
        with self.storage.write() as w:
            LiveWrites(w, self.storage.backend).insert_agent_state(
                user.name, str(parsed), reason, now
            )
            seq = self._change(w, Entity.AGENT, user.name, now, user.name, "", str(parsed))
        return {"agent": user.name, "state": str(parsed), "reason": reason, "at": now, "seq": seq}

    # --- figures ------------------------------------------------------------------------

    def live(self, user: User) -> dict[str, Any]:
        """Per queue and per agent, as they stand now; the day is today in Amsterdam."""
        policy.require_figures(user)
        now = self.clock()
        start = datetime.combine(local_day(now), datetime.min.time(), AMSTERDAM)
        since = db_time(start)
        with self.storage.read() as r:
            lr = LiveReads(r)
            calls = [json.loads(row["data"]) for row in lr.calls_live(since)]
            tickets = [_ticket(row) for row in lr.tickets_live(since)]
            states = lr.agent_states_since(since)
            seq = r.max_seq()
        waits = [w for data in calls for w in _call_waits(data)]
        waits += [t.wait() for t in tickets]
        queues = [
            queue_figures(waits, q, now).to_dict() | {"name": q.name, "kind": q.kind}
            for q in self.queues.values()
        ]
        events = [
            AgentStateEvent(
                s["agent"],
                check_state_event(s["state"], s["reason"]),
                _moment(s["at"]),
                s["reason"],
            )
            for s in states
        ]
        agents = [
            a.to_dict() for a in sorted(agent_statuses(events, now).values(), key=lambda a: a.agent)
        ]
        return {"at": now.isoformat(), "seq": seq, "queues": queues, "agents": agents}

    def office(self, user: User) -> dict[str, Any]:
        """The live view's contact and back-office figures for today (Amsterdam day):
        the day's totals, per channel and per agent from the report's aggregate SQL
        (`loket report`, docs/metrics.md), and the back-office stock per team from
        `loket.domain.kpi.team_queues`'s rules as one aggregate (`FigureService.team_stock`),
        nearly due meaning under 4 working hours left as for `loket remind`."""
        day, groups = self.figures.today(user, ("day", "channel", "agent"))
        now = self.clock()
        teams = [
            {
                "team": q.team,
                "open": q.open,
                "claimed": q.claimed,
                "due_soon": q.at_risk,
                "overdue": q.overdue,
                "returned": q.returned,
            }
            for q in self.figures.team_stock(now, amber_hours=NEARLY_DUE_HOURS)
        ]
        total = groups["day"][0] if groups["day"] else {}
        return {
            "at": now.isoformat(),
            "day": day.isoformat(),
            "nearly_due_hours": NEARLY_DUE_HOURS,
            "today": _office_row(total),
            "channels": [_office_row(g) | {"channel": g["group"]} for g in groups["channel"]],
            "agents": [_office_row(g) | {"agent": g["group"]} for g in groups["agent"]],
            "teams": teams,
        }


def _office_row(group: dict[str, Any]) -> dict[str, Any]:
    """Contacts, question FCR and mean handling time of one report group."""
    return {
        "contacts": int(group.get("contacts") or 0),
        "fcr": group.get("fcr_questions"),
        "handling_seconds": group.get("mean_seconds"),
    }
