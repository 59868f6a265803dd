"""The period report's other figures against a hand-computed fixture on both databases:
talk and wrap-up apart, satisfaction per channel, discarded contacts, task SLA with
returned and forwarded tasks, time to resolve per team, the callback norm across the
Christmas holidays, and the day summaries staying current (docs/metrics.md)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from loket.domain.kpi import bucket_of, daily_report, histogram_percentile
from loket.domain.models import (
    OUTCOME_RESOLVED,
    OUTCOME_ROUTED,
    Contact,
    ContactStatus,
    Question,
    Task,
    TaskStatus,
    TaskStep,
)
from loket.domain.sla import AMSTERDAM
from loket.server.storage.changes import ChangeRow
from loket.server.storage.contacts import ContactRow
from loket.server.storage.tasks import TaskRow
from tests.conftest import BACKENDS

# December 2025: Amsterdam is UTC+1. Kerst: 25 and 26 December are public holidays.
PERIOD = {"from": "2025-12-01", "to": "2025-12-31"}


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _contact(
    cid: str,
    channel: str,
    start: str,
    talk: int | None,
    wrapup: int | None,
    *outcomes: str | None,
    status: ContactStatus = ContactStatus.CLOSED,
    satisfaction: int | None = None,
    rev: int = 1,
) -> Contact:
    started = _at(start)
    wrap_at = None if wrapup is None or talk is None else started + timedelta(seconds=talk)
    ended = None
    if talk is not None:
        ended = started + timedelta(seconds=talk + (wrapup or 0))
    return Contact(
        id=cid,
        agent="a1",
        channel=channel,
        started_at=started,
        ended_at=ended,
        wrapup_started_at=wrap_at,
        satisfaction=satisfaction,
        questions=[Question(id=f"{cid}q{i}", outcome=o) for i, o in enumerate(outcomes)],
        status=status,
        rev=rev,
    )


CONTACTS = [
    # telefoon, talk 240 + wrap-up 60 = 300 s, rated 4
    _contact("d1", "telefoon", "2025-12-01T09:00:00", 240, 60, OUTCOME_RESOLVED, satisfaction=4),
    # telefoon, talk 600 + wrap-up 120, rated 2, routed (tasks k1, k2)
    _contact("d2", "telefoon", "2025-12-02T09:00:00", 600, 120, OUTCOME_ROUTED, satisfaction=2),
    # telefoon without a recorded wrap-up: in handling (960 s), not in talk or wrap-up
    _contact("d3", "telefoon", "2025-12-03T09:00:00", 960, None, OUTCOME_RESOLVED),
    # e-mail: no wrap-up, rated 5
    _contact("d4", "e-mail", "2025-12-04T09:00:00", 1200, None, OUTCOME_ROUTED, satisfaction=5),
    # discarded (a misdial): in no figure at all
    _contact(
        "d5", "telefoon", "2025-12-05T09:00:00", 30, 0, None, status=ContactStatus.DISCARDED,
        satisfaction=1,
    ),
    # open, a question without outcome: a contact and a question, nothing else
    _contact("d6", "e-mail", "2025-12-05T10:00:00", None, None, None, status=ContactStatus.OPEN),
]  # fmt: skip


def _task(
    tid: str,
    contact: str,
    team: str,
    created: str,
    due: str,
    status: TaskStatus,
    steps: list[tuple[str, str, str]],
) -> Task:
    """steps: (action, at, team after) after the creation."""
    created_at = _at(created)
    log = [TaskStep(at=created_at, by="a1", action="created", team=team)]
    for action, at, after in steps:
        log.append(TaskStep(at=_at(at), by="b1", action=action, team=after))
    final_team = next((s[2] for s in reversed(steps) if s[2]), team)
    return Task(
        id=tid,
        contact_id=contact,
        team=final_team,
        status=status,
        created_by="a1",
        created_at=created_at,
        due_at=_at(due),
        log=log,
    )


DONE, OPEN, RETURNED = TaskStatus.DONE, TaskStatus.OPEN, TaskStatus.RETURNED
TASKS = [
    # Made Wednesday 24 Dec 10:00 local: the norm skips Kerst and the weekend, so the
    # first callback is due Tue 30 Dec 17:00 local (16:00 UTC); without the holidays it
    # would have been Fri 26 Dec. Called back on the 29th: within the norm. Resolved
    # 126.5 h after it was made (bucket 120 h): on time (due 2026-01-05).
    _task("k1", "d2", "burgerzaken", "2025-12-24T09:00:00", "2026-01-05T16:00:00", DONE,
          [("callback_attempt", "2025-12-29T15:00:00", ""),
           ("resolved", "2025-12-29T15:30:00", "")]),
    # Same day, forwarded to belastingen, first called back on the 31st: after the norm;
    # resolved then, 168 h after it was made and after its due time: late, for belastingen.
    _task("k2", "d2", "burgerzaken", "2025-12-24T09:00:00", "2025-12-24T12:00:00", DONE,
          [("forwarded", "2025-12-24T10:00:00", "belastingen"),
           ("callback_attempt", "2025-12-31T08:00:00", ""),
           ("resolved", "2025-12-31T09:00:00", "")]),
    # Returned to the front office, never called back, due long ago: open and overdue,
    # returned, the callback norm missed.
    _task("k3", "d4", "burgerzaken", "2025-12-04T10:00:00", "2025-12-09T16:00:00", RETURNED,
          [("returned", "2025-12-05T10:00:00", "")]),
    # Open, due in 2099: open in time; no callback and its norm (early December) passed.
    _task("k4", "d4", "burgerzaken", "2025-12-04T10:00:00", "2099-01-01T00:00:00", OPEN, []),
]  # fmt: skip


def _contact_row(c: Contact) -> ContactRow:
    data = c.to_dict()
    return ContactRow(
        id=c.id,
        agent=c.agent,
        channel=c.channel,
        started_at=data["started_at"],
        status=str(c.status),
        rev=c.rev,
        has_customer=False,
        data=data,
        outcomes=[q.outcome for q in c.questions if q.outcome],
    )


def _save_contact(tx: Any, c: Contact) -> None:
    assert tx.upsert_contact(_contact_row(c))
    row = _contact_row(c)
    tx.append_change(ChangeRow("contact", c.id, row.started_at, c.agent, row.data))


def _seed(live_server: Any) -> None:
    storage = live_server.server.store.storage
    with storage.write() as tx:
        for c in CONTACTS:
            _save_contact(tx, c)
        for t in TASKS:
            data = t.to_dict()
            assert tx.insert_task(
                TaskRow(
                    t.id,
                    t.contact_id,
                    t.team,
                    None,
                    str(t.status),
                    t.created_by,
                    data["created_at"],
                    data["due_at"],
                    1,
                    data,
                )
            )


def _report(live_server: Any, by: str, **period: str) -> dict[str, dict[str, Any]]:
    _, token = live_server.make_user("supervisor")
    params = {**PERIOD, **period, "by": by}
    resp = live_server.client(token).get("/api/v1/report", params=params)
    assert resp.status_code == 200, resp.text
    return {g["group"]: g for g in resp.json()["groups"]}


pg = pytest.mark.parametrize("backend", BACKENDS, indirect=True)


@pg
def test_talk_wrapup_satisfaction_and_discarded_by_channel(live_server: Any) -> None:
    _seed(live_server)
    groups = _report(live_server, "channel")
    tel, mail = groups["telefoon"], groups["e-mail"]
    # d5 (discarded) is in no figure: three telefoon contacts, three questions
    assert (tel["contacts"], tel["questions"], tel["without_outcome"]) == (3, 3, 0)
    assert tel["handled"] == 3
    assert tel["mean_seconds"] == pytest.approx((300 + 720 + 960) / 3)
    assert (tel["median_seconds"], tel["p90_seconds"]) == (720, 960)
    # talk and wrap-up only where wrap-up was recorded (d1, d2; not d3)
    assert (tel["talked"], tel["talk_mean_seconds"]) == (2, 420)
    assert (tel["talk_median_seconds"], tel["talk_p90_seconds"]) == (240, 600)
    assert (tel["wrapped"], tel["wrapup_mean_seconds"], tel["wrapup_p90_seconds"]) == (2, 90, 120)
    # satisfaction where asked: 4 and 2 (the discarded contact's 1 does not count)
    assert (tel["rated"], tel["satisfaction_mean"]) == (2, 3)
    assert (mail["contacts"], mail["questions"], mail["without_outcome"]) == (2, 2, 1)
    assert (mail["handled"], mail["talked"], mail["wrapped"]) == (1, 0, 0)
    assert mail["talk_mean_seconds"] is None and mail["talk_median_seconds"] is None
    assert (mail["rated"], mail["satisfaction_mean"]) == (1, 5)
    assert (tel["routed"], tel["with_outcome"], mail["routed"], mail["with_outcome"]) == (
        1,
        3,
        1,
        1,
    )


@pg
def test_task_sla_resolve_time_and_callback_norm_by_team(live_server: Any) -> None:
    _seed(live_server)
    groups = _report(live_server, "team")
    bz, bel = groups["burgerzaken"], groups["belastingen"]
    # burgerzaken: k1 done on time; k3 returned and overdue; k4 open in time
    assert (bz["tasks"], bz["resolved"], bz["on_time"], bz["late"]) == (3, 1, 1, 0)
    assert (bz["open_overdue"], bz["open_in_time"], bz["returned"]) == (1, 1, 1)
    assert bz["sla_on_time"] == 1.0
    # belastingen: k2, forwarded there, resolved after its due time
    assert (bel["tasks"], bel["resolved"], bel["on_time"], bel["late"]) == (1, 1, 0, 1)
    assert bel["sla_on_time"] == 0.0
    # time to resolve, counted for the team that resolved it: k1 126.5 h, k2 168 h
    assert (bz["resolve_median_seconds"], bz["resolve_p90_seconds"]) == (120 * 3600,) * 2
    assert bel["resolve_median_seconds"] == 168 * 3600
    # callback norm: k1 within (the 29th, before Tue 30 Dec 17:00 after Kerst), k2 late,
    # k3 and k4 never called with their norm passed
    assert (bz["callback_in_norm"], bz["callback_late"], bz["callback_missed"]) == (1, 0, 2)
    assert bz["callback_norm"] == pytest.approx(1 / 3)
    assert (bel["callback_in_norm"], bel["callback_late"], bel["callback_missed"]) == (0, 1, 0)
    # the contacts, by the teams their questions went to (d2 to both, d4 to burgerzaken;
    # d1, d3 and d6 to none, d5 discarded)
    assert (bz["contacts"], bel["contacts"], groups["–"]["contacts"]) == (2, 1, 3)


@pg
def test_a_period_boundary_and_the_week_grouping(live_server: Any) -> None:
    _seed(live_server)
    # 2025-12-02 .. 2025-12-04 leaves d1 (1st) and d6 (5th) out; k1, k2 (24th) too
    groups = _report(live_server, "week", **{"from": "2025-12-02", "to": "2025-12-04"})
    assert set(groups) == {"2025-W49"}
    week = groups["2025-W49"]
    assert (week["contacts"], week["handled"], week["tasks"]) == (3, 3, 2)


@pg
def test_summaries_follow_a_later_change_and_today_comes_from_the_rows(
    live_server: Any,
) -> None:
    _seed(live_server)
    before = _report(live_server, "channel")["telefoon"]  # builds the day summaries
    assert (before["contacts"], before["fcr_resolved"]) == (3, 2)
    storage = live_server.server.store.storage
    now = datetime.now(UTC)
    with storage.write() as tx:
        # a later revision of d1 (a past day): its question now ends as a dropped line
        # and a longer talk (960 + 60 s): December is read from its month histogram
        changed = _contact("d1", "telefoon", "2025-12-01T09:00:00", 960, 60,
                           "verbinding verbroken", satisfaction=4, rev=2)  # fmt: skip
        _save_contact(tx, changed)
        # and a contact of today, which no summary holds
        today = _contact("d9", "telefoon", "2000-01-01T00:00:00", 60, 0, OUTCOME_RESOLVED)
        today.started_at = now - timedelta(minutes=5)
        today.ended_at = today.wrapup_started_at = today.started_at + timedelta(seconds=60)
        _save_contact(tx, today)
    after = _report(live_server, "channel")["telefoon"]
    assert (after["contacts"], after["fcr_resolved"], after["fcr_counted"]) == (3, 1, 2)
    # handling 1020 (bucket 960), 720, 960: the median moves from 720 to 960
    assert (before["median_seconds"], after["median_seconds"]) == (720, 960)
    assert (after["talk_median_seconds"], after["talk_p90_seconds"]) == (600, 960)
    # the same days read from the day histograms (a period that is not a whole month)
    part = _report(live_server, "channel", **{"from": "2025-12-01", "to": "2025-12-30"})
    assert part["telefoon"]["median_seconds"] == 960
    day = now.astimezone(AMSTERDAM).date().isoformat()
    # `today` by the server's clock in Amsterdam; a few minutes either side of midnight
    # the contact belongs to the neighbouring day, so ask a three-day period
    lo = (datetime.fromisoformat(day) - timedelta(days=1)).date().isoformat()
    hi = (datetime.fromisoformat(day) + timedelta(days=1)).date().isoformat()
    current = _report(live_server, "channel", **{"from": lo, "to": hi})["telefoon"]
    assert (current["contacts"], current["fcr_resolved"], current["median_seconds"]) == (1, 1, 60)


def test_bucketed_percentiles() -> None:
    assert [bucket_of(s) for s in (0, 9.9, 10, 299.9, 300, 1799, 1800, 10**6)] == [
        0,
        0,
        10,
        270,
        300,
        1500,
        1800,
        14400,
    ]
    assert histogram_percentile({}, 50) is None
    # nearest rank: of 10 values, the median is the 5th, p90 the 9th
    hist = {60: 4, 120: 1, 300: 4, 600: 1}
    assert (histogram_percentile(hist, 50), histogram_percentile(hist, 90)) == (120, 300)


@pg
@pytest.mark.parametrize("day", ["2025-12-01", "2025-12-02", "2025-12-03", "2025-12-05"])
def test_stats_from_the_sql_match_the_consoles_own_figures(live_server: Any, day: str) -> None:
    """/stats (the report's SQL) and the console's offline figures (`daily_report` over
    its records) are one definition: the same numbers for the same contacts."""
    _seed(live_server)
    _, token = live_server.make_user("supervisor")
    resp = live_server.client(token).get("/api/v1/stats", params={"date": day})
    assert resp.status_code == 200, resp.text
    got = resp.json()
    want = daily_report(CONTACTS, TASKS, datetime.now(UTC), date.fromisoformat(day)).to_dict()
    for name in ("day", "contacts", "questions", "fcr", "fcr_resolved", "fcr_counted"):
        assert got[name] == want[name], name
    assert got["handling"] == pytest.approx(want["handling"])
    for name in ("per_channel", "per_district", "per_outcome", "queues"):
        assert got[name] == want[name], name


def _event(kind: str, call_id: str, at: datetime, **fields: str) -> dict[str, Any]:
    return {"event_id": f"{call_id}-{kind}", "call_id": call_id, "kind": kind,
            "at": at.isoformat(), **fields}  # fmt: skip


@pg
def test_service_level_and_abandonment_per_queue_over_the_period(live_server: Any) -> None:
    agent, _ = live_server.make_user("agent")
    _, pbx_token = live_server.make_user("integration")
    pbx = live_server.client(pbx_token)
    t = _at("2025-12-02T09:00:00")
    calls = [
        # algemeen (20 s): answered after 10 s, abandoned after 40 s (counts against the
        # service level) and after 5 s (a short abandon: only in the abandonment rate)
        ("c1", "algemeen", [("answered", 10)]),
        ("c2", "algemeen", [("abandoned", 40)]),
        ("c3", "algemeen", [("abandoned", 5)]),
        # belastingen (30 s): answered after 25 s, within its own threshold
        ("c4", "belastingen", [("answered", 25)]),
    ]
    for call_id, name, steps in calls:
        events = [_event("offered", call_id, t, queue=name)]
        for kind, after in steps:
            extra = {"agent": agent} if kind == "answered" else {}
            events.append(_event(kind, call_id, t + timedelta(seconds=after), **extra))
        for ev in events:
            assert pbx.post("/api/v1/call-events", json=ev).status_code == 200
    # a call before the period is not counted
    early = _at("2025-11-30T09:00:00")
    for ev in (_event("offered", "c5", early, queue="algemeen"),
               _event("abandoned", "c5", early + timedelta(seconds=60))):  # fmt: skip
        assert pbx.post("/api/v1/call-events", json=ev).status_code == 200
    _, token = live_server.make_user("supervisor")
    body = live_server.client(token).get("/api/v1/report", params=PERIOD).json()
    queues = {q["queue"]: q for q in body["queues"]}
    alg, bel = queues["algemeen"], queues["belastingen"]
    assert (alg["answered"], alg["abandoned"], alg["answered_in_target"]) == (1, 2, 1)
    assert alg["service_level"] == 0.5
    assert alg["abandon_rate"] == pytest.approx(2 / 3)
    assert alg["asa"] == 10
    assert (bel["answered"], bel["service_level"], bel["asa"], bel["sl_seconds"]) == (
        1,
        1.0,
        25,
        30,
    )
    assert queues["zorg"]["service_level"] is None and queues["zorg"]["answered"] == 0


def test_queue_figures_without_any_queue_configured(tmp_path: Any) -> None:
    from loket.server.auth import User
    from loket.server.services.common import Context
    from loket.server.services.figures import FigureService
    from loket.server.storage.base import open_storage

    storage = open_storage(f"sqlite:///{tmp_path / 'store.db'}")
    try:
        storage.migrate()
        report = FigureService(Context(storage)).report(
            User("s", "supervisor"), date(2025, 12, 1), date(2025, 12, 31), "channel"
        )
        assert report["queues"] == [] and report["groups"] == []
    finally:
        storage.close()


@pg
def test_team_stock_from_sql_matches_the_domains_team_queues(live_server: Any) -> None:
    """The queue per team of /stats and the live office (one aggregate) against
    `team_queues` over the same tasks: overdue, amber (due within 8 working hours),
    claimed, forwarded, returned, done."""
    from loket.domain.kpi import team_queues
    from loket.server.services.common import Context
    from loket.server.services.figures import FigureService

    moment = _at("2025-12-23T10:00:00")  # Tuesday 11:00 local; Kerst ahead
    tasks = [
        _task("s1", "d2", "burgerzaken", "2025-12-01T09:00:00", "2025-12-22T16:00:00", OPEN, []),
        _task("s2", "d2", "burgerzaken", "2025-12-22T09:00:00", "2025-12-23T14:00:00", OPEN, []),
        # due on the 29th: within 8 working hours of Tuesday 11:00 only because Kerst
        # and the weekend do not count (23rd 6 h, 24th 2 h: amber until the 24th 10:30)
        _task("s3", "d2", "burgerzaken", "2025-12-22T09:00:00", "2025-12-24T09:00:00",
              TaskStatus.CLAIMED, []),
        _task("s4", "d2", "burgerzaken", "2025-12-22T09:00:00", "2025-12-29T16:00:00",
              TaskStatus.FORWARDED, [("forwarded", "2025-12-22T10:00:00", "belastingen")]),
        _task("s5", "d2", "wmo", "2025-12-01T09:00:00", "2025-12-02T09:00:00", RETURNED, []),
        _task("s6", "d2", "wmo", "2025-12-01T09:00:00", "2025-12-02T09:00:00", DONE,
              [("resolved", "2025-12-01T12:00:00", "")]),
    ]  # fmt: skip
    storage = live_server.server.store.storage
    with storage.write() as tx:
        _save_contact(tx, CONTACTS[1])
        for t in tasks:
            data = t.to_dict()
            assert tx.insert_task(
                TaskRow(
                    t.id,
                    t.contact_id,
                    t.team,
                    None,
                    str(t.status),
                    t.created_by,
                    data["created_at"],
                    data["due_at"],
                    1,
                    data,
                )
            )
    service = FigureService(Context(storage, lambda: moment))
    for hours in (8, 4):
        assert service.team_stock(moment, hours) == team_queues(tasks, moment, amber_hours=hours)
    queues = {q.team: q for q in service.team_stock(moment)}
    assert (queues["burgerzaken"].overdue, queues["burgerzaken"].at_risk) == (1, 2)
    assert (queues["belastingen"].open, queues["wmo"].returned) == (1, 1)


@pg
def test_an_open_day_is_summarised_once_it_is_past(live_server: Any) -> None:
    """Today is the live day (summarised, kept current on write) and later days are open;
    after midnight the next day is live and the 3rd stays summarised."""
    from loket.server.auth import User
    from loket.server.services.common import Context
    from loket.server.services.figures import FigureService

    storage = live_server.server.store.storage
    clock = {"now": _at("2025-12-03T11:00:00")}
    service = FigureService(Context(storage, lambda: clock["now"]))
    sup = User("s", "supervisor")
    _seed(live_server)
    first = {g["group"]: g for g in service.report(sup, date(2025, 12, 1), date(2025, 12, 5),
                                                   "day")["groups"]}  # fmt: skip
    with storage.read() as r:
        _, pending = r.figure_state()
        assert r.stored_live_day() == "2025-12-03"
    assert "2025-12-03" not in pending and "2025-12-05" in pending  # a later day is open
    clock["now"] = _at("2025-12-04T11:00:00")
    second = {g["group"]: g for g in service.report(sup, date(2025, 12, 1), date(2025, 12, 5),
                                                    "day")["groups"]}  # fmt: skip
    with storage.read() as r:
        _, pending = r.figure_state()
        built = r.count_floor("figure_days", "2025-12-03", "2025-12-03")
        live = r.stored_live_day()
    assert "2025-12-03" not in pending and "2025-12-04" not in pending
    assert "2025-12-05" in pending and live == "2025-12-04"
    assert built > 0  # the 3rd is summarised
    assert first == second
    assert second["2025-12-03"]["contacts"] == 1 and second["2025-12-03"]["handled"] == 1
