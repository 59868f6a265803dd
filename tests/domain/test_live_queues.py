"""Live queues: service level, waiting, abandonment and ASA against hand-computed cases;
call events folded out of order; agent state durations; counter tickets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from loket.domain.agent_states import (
    AgentState,
    AgentStateEvent,
    agent_statuses,
    check_state_event,
)
from loket.domain.calls import CallEvent, CallEventKind, CallStatus, check_event, fold_call
from loket.domain.errors import DomainError
from loket.domain.queues import QueueDef, Wait, parse_queues, queue_figures
from loket.domain.tickets import Ticket, TicketStatus, expected_wait, pick_next, ticket_number

# Monday 2 March 2026, 10:00 in Amsterdam (UTC+1).
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PHONE = QueueDef("algemeen", "Algemeen", "phone", 20.0, 0.8)


def s(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def answered(begin: float, wait: float, queue: str = "algemeen") -> Wait:
    return Wait(queue, s(begin), s(begin + wait), "answered")


def abandoned(begin: float, wait: float) -> Wait:
    return Wait("algemeen", s(begin), s(begin + wait), "abandoned")


def test_queue_with_no_calls_has_no_rates() -> None:
    fig = queue_figures([], PHONE, now=T0)
    assert (fig.waiting, fig.answered, fig.abandoned) == (0, 0, 0)
    assert fig.service_level is None and fig.asa is None and fig.abandon_rate is None
    assert fig.longest_wait is None and not fig.breached


def test_service_level_asa_and_abandonment_by_hand() -> None:
    waits = [
        answered(0, 5),  # in target
        answered(10, 20),  # exactly the threshold: in target
        answered(20, 21),  # just over
        answered(30, 60),
        abandoned(40, 8),  # short abandon: out of the service level, in the abandon rate
        abandoned(50, 45),  # long abandon: counts against the service level
        Wait("algemeen", s(100)),  # waiting now
        Wait("algemeen", s(130)),  # waiting now
        answered(0, 1, queue="vergunningen"),  # another queue
    ]
    fig = queue_figures(waits, PHONE, now=s(160))
    assert fig.answered == 4 and fig.abandoned == 2 and fig.answered_in_target == 2
    # 2 in target / (4 answered + 1 long abandon)
    assert fig.service_level == pytest.approx(2 / 5)
    assert fig.abandon_rate == pytest.approx(2 / 6)
    assert fig.asa == pytest.approx((5 + 20 + 21 + 60) / 4)
    assert fig.waiting == 2 and fig.longest_wait == pytest.approx(60)
    assert fig.breached  # 40 % < 80 %, and someone waits 60 s > 20 s


def test_only_short_abandons_leave_service_level_undefined() -> None:
    fig = queue_figures([abandoned(0, 3), abandoned(5, 19)], PHONE, now=s(100))
    assert fig.service_level is None and fig.abandon_rate == 1.0 and fig.abandoned == 2


def test_breach_from_a_long_waiter_alone() -> None:
    fig = queue_figures([answered(0, 2), Wait("algemeen", s(10))], PHONE, now=s(31))
    assert fig.service_level == 1.0 and fig.longest_wait == pytest.approx(21)
    assert fig.breached


def test_calls_across_midnight_count_on_the_day_they_were_offered() -> None:
    # 23:59:50 Amsterdam on 2 March = 22:59:50 UTC.
    late = datetime(2026, 3, 2, 22, 59, 50, tzinfo=UTC)
    waits = [
        Wait("algemeen", late, late + timedelta(seconds=25), "answered"),  # 00:00:15
        Wait("algemeen", late + timedelta(seconds=5)),  # still waiting after midnight
    ]
    after_midnight = late + timedelta(seconds=40)  # 00:00:30 on 3 March
    today = queue_figures(waits, PHONE, now=after_midnight)
    assert today.answered == 0 and today.service_level is None
    assert today.waiting == 1 and today.longest_wait == pytest.approx(35)
    yesterday = queue_figures(waits, PHONE, now=after_midnight, day=late.date())
    assert yesterday.answered == 1 and yesterday.service_level == 0.0  # 25 s > 20 s


def test_moved_waits_count_in_neither_queue_figure() -> None:
    fig = queue_figures([Wait("algemeen", s(0), s(30), "moved")], PHONE, now=s(60))
    assert (fig.answered, fig.abandoned, fig.waiting) == (0, 0, 0)


def test_parse_queues_defaults_and_errors() -> None:
    queues = parse_queues(
        {
            "queue": [
                {"id": "algemeen", "name": "Algemeen"},
                {"id": "burgerzaken", "kind": "counter"},
                {"id": "wmo", "sl_seconds": 30, "sl_target": 0.9},
            ]
        }
    )
    assert queues["algemeen"].sl_seconds == 20 and queues["algemeen"].sl_target == 0.8
    assert queues["burgerzaken"].sl_seconds == 600 and queues["burgerzaken"].prefix == "B"
    assert (queues["wmo"].sl_seconds, queues["wmo"].sl_target) == (30, 0.9)
    with pytest.raises(DomainError, match=r"queue\[0\]\.sl_target"):
        parse_queues({"queue": [{"id": "x", "sl_target": 80}]})
    with pytest.raises(DomainError, match=r"queue\[1\]\.id"):
        parse_queues({"queue": [{"id": "x"}, {"id": "x"}]})
    with pytest.raises(DomainError, match=r"queue\[0\]\.kind"):
        parse_queues({"queue": [{"id": "x", "kind": "fax"}]})


# --- calls ---------------------------------------------------------------------------------


def ev(eid: str, kind: str, at: float, **kw: str) -> CallEvent:
    return CallEvent(eid, "c1", CallEventKind(kind), s(at), **kw)


def test_call_folds_the_same_whatever_the_arrival_order() -> None:
    events = [
        ev("e1", "offered", 0, queue="algemeen", caller="0612345678"),
        ev("e2", "answered", 12, agent="anna"),
        ev("e3", "transferred", 60, queue="vergunningen"),
        ev("e4", "answered", 90, agent="bert"),
        ev("e5", "ended", 150),
    ]
    in_order = fold_call("c1", events)
    shuffled = fold_call("c1", [events[3], events[4], events[0], events[2], events[1]])
    assert in_order == shuffled
    call = in_order
    assert call.status == CallStatus.ENDED and call.caller == "0612345678"
    assert call.waits == [
        Wait("algemeen", s(0), s(12), "answered"),
        Wait("vergunningen", s(60), s(90), "answered"),
    ]
    assert call.talk_seconds(s(999)) == pytest.approx(48 + 60)
    assert call.talk_seconds(s(999), agent="anna") == pytest.approx(48)


def test_answer_before_its_offer_arrives_counts_nowhere_until_the_offer() -> None:
    early = fold_call("c1", [ev("e2", "answered", 12, agent="anna")])
    assert early.status == CallStatus.TALKING and early.waits == []
    full = check_event([ev("e2", "answered", 12, agent="anna")], ev("e1", "offered", 0, queue="q"))
    assert full.waits == [Wait("q", s(0), s(12), "answered")]


@pytest.mark.parametrize(
    ("known", "new", "field"),
    [
        ([ev("e1", "offered", 0, queue="q")], ev("e2", "offered", 5, queue="q"), "kind"),
        ([ev("e1", "offered", 10, queue="q")], ev("e2", "abandoned", 5), "at"),
        (
            [ev("e1", "offered", 0, queue="q"), ev("e2", "ended", 30)],
            ev("e3", "answered", 40, agent="a"),
            "at",
        ),
        (
            [ev("e1", "offered", 0, queue="q"), ev("e2", "answered", 5, agent="a")],
            ev("e3", "abandoned", 9),
            "kind",
        ),
        ([ev("e1", "answered", 5, agent="a")], ev("e2", "offered", 9, queue="q"), "at"),
        ([], ev("e1", "offered", 0), "queue"),
        ([ev("e1", "offered", 0, queue="q")], ev("e2", "answered", 3), "agent"),
        ([ev("e1", "offered", 0, queue="q")], ev("e2", "transferred", 3), "queue"),
    ],
)
def test_impossible_events_are_refused_naming_the_field(
    known: list[CallEvent], new: CallEvent, field: str
) -> None:
    with pytest.raises(DomainError) as info:
        check_event(known, new)
    assert info.value.errors[0].field == field


def test_caller_who_hangs_up_while_waiting_via_ended_is_an_abandon() -> None:
    call = fold_call("c1", [ev("e1", "offered", 0, queue="q"), ev("e2", "ended", 30)])
    assert call.waits == [Wait("q", s(0), s(30), "abandoned")]


# --- agent states --------------------------------------------------------------------------


def test_agent_durations_per_state_and_current_state() -> None:
    events = [
        AgentStateEvent("anna", AgentState.AVAILABLE, s(0)),
        AgentStateEvent("anna", AgentState.IN_CONTACT, s(60)),
        AgentStateEvent("anna", AgentState.WRAP_UP, s(300)),
        AgentStateEvent("anna", AgentState.PAUSE, s(330), "koffie"),
    ]
    status = agent_statuses(reversed(events), now=s(400))["anna"]
    assert status.state == AgentState.PAUSE and status.reason == "koffie"
    assert status.seconds_in_state == pytest.approx(70)
    assert status.per_state == {
        "available": 60.0,
        "in_contact": 240.0,
        "wrap_up": 30.0,
        "pause": 70.0,
    }


def test_agent_state_across_midnight_splits_over_the_days() -> None:
    late = datetime(2026, 3, 2, 22, 50, tzinfo=UTC)  # 23:50 Amsterdam
    events = [AgentStateEvent("bert", AgentState.AVAILABLE, late)]
    now = late + timedelta(minutes=30)  # 00:20 next day
    assert agent_statuses(events, now)["bert"].per_state == {"available": 1200.0}
    assert agent_statuses(events, now, day=late.date())["bert"].per_state == {"available": 600.0}
    assert agent_statuses(events, now)["bert"].seconds_in_state == 1800.0


def test_state_event_checks() -> None:
    assert check_state_event("pause", "lunch") == AgentState.PAUSE
    with pytest.raises(DomainError) as info:
        check_state_event("pause", " ")
    assert info.value.errors[0].field == "reason"
    with pytest.raises(DomainError) as info:
        check_state_event("sleeping", "")
    assert info.value.errors[0].field == "state"


# --- tickets -------------------------------------------------------------------------------


def test_next_takes_the_longest_waiting_of_the_agents_services() -> None:
    tickets = [
        Ticket("t1", "burgerzaken", "B001", s(30)),
        Ticket("t2", "parkeren", "P001", s(10)),
        Ticket("t3", "burgerzaken", "B002", s(20)),
        Ticket("t4", "burgerzaken", "B000", s(0), TicketStatus.CALLED, s(5), "anna", "3"),
    ]
    assert pick_next(tickets, ["burgerzaken"]).id == "t3"  # type: ignore[union-attr]
    assert pick_next(tickets, ["burgerzaken", "parkeren"]).id == "t2"  # type: ignore[union-attr]
    assert pick_next(tickets, ["wmo"]) is None


def test_ticket_waits_feed_the_counter_figures() -> None:
    counter = QueueDef("burgerzaken", "Burgerzaken", "counter", 600.0, 0.8, "B")
    tickets = [
        Ticket("t1", "burgerzaken", "B001", s(0), TicketStatus.CALLED, s(300)),
        Ticket("t2", "burgerzaken", "B002", s(0), TicketStatus.CALLED, s(900)),
        Ticket("t3", "burgerzaken", "B003", s(0), TicketStatus.NO_SHOW, s(1000)),
        Ticket("t4", "burgerzaken", "B004", s(950)),
    ]
    fig = queue_figures([t.wait() for t in tickets], counter, now=s(1000))
    assert (fig.answered, fig.abandoned, fig.waiting) == (2, 1, 1)
    assert fig.service_level == pytest.approx(1 / 3) and fig.asa == pytest.approx(600)


def test_ticket_numbers_and_expected_wait() -> None:
    assert ticket_number("B", 7) == "B007" and ticket_number("B", 1000) == "B1000"
    calls = [s(-600), s(-1200), s(-1500), s(-4000)]  # three in the last 30 minutes
    assert expected_wait(2, calls, now=T0) == pytest.approx(3 * 600)
    assert expected_wait(0, [], now=T0) == 0.0
    assert expected_wait(3, [], now=T0) is None
