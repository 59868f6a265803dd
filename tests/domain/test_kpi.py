"""KPIs: first-contact resolution, handling time, per channel / district, team queues."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loket.domain.kpi import (
    UNKNOWN_DISTRICT,
    contacts_on,
    contacts_per_channel,
    contacts_per_district,
    daily_report,
    fcr_counts,
    first_contact_resolution,
    handling_stats,
    percentile,
    team_queues,
)
from loket.domain.models import (
    OUTCOME_ROUTED,
    Contact,
    ContactStatus,
    Customer,
    Question,
    Task,
    TaskStatus,
)
from loket.domain.routing import parse_districts

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # Monday 10:00 in Amsterdam
DISTRICTS = parse_districts(
    {
        "district": [
            {"name": "Centrum", "postcodes": ["7410-7413"]},
            {"name": "Noord", "postcodes": ["7414"]},
        ]
    },
    "d.toml",
)


def closed(*outcomes: str, seconds: float = 60, channel: str = "telefoon", **kw: object) -> Contact:
    return Contact(
        agent="anna",
        channel=channel,
        started_at=T0,
        ended_at=T0 + timedelta(seconds=seconds),
        questions=[
            Question(outcome=o, task_id="t" if o == OUTCOME_ROUTED else None) for o in outcomes
        ],
        status=ContactStatus.CLOSED,
        **kw,  # type: ignore[arg-type]
    )


def test_fcr_counts_questions_and_skips_dropped_lines() -> None:
    contacts = [
        closed("zelfstandig afgehandeld", OUTCOME_ROUTED),
        closed("afgehandeld na ruggespraak"),
        closed("verbinding verbroken"),
        closed("doorverbonden"),
    ]
    assert fcr_counts(contacts) == (2, 4)
    assert first_contact_resolution(contacts) == 0.5


def test_fcr_ignores_open_contacts_and_empty_input() -> None:
    open_contact = Contact(questions=[Question(outcome="zelfstandig afgehandeld")])
    assert first_contact_resolution([open_contact]) is None
    assert first_contact_resolution([]) is None
    assert first_contact_resolution([closed("verbinding verbroken")]) is None


def test_fcr_with_configured_outcomes() -> None:
    contacts = [closed("opgelost"), closed("niet opgelost")]
    assert first_contact_resolution(contacts, resolved={"opgelost"}) == 0.5


@given(
    st.lists(st.sampled_from(["zelfstandig afgehandeld", "doorverbonden", "verbinding verbroken"]))
)
def test_fcr_is_a_share(outcomes: list[str]) -> None:
    share = first_contact_resolution([closed(o) for o in outcomes])
    counted = [o for o in outcomes if o != "verbinding verbroken"]
    if not counted:
        assert share is None
    else:
        assert share is not None and 0 <= share <= 1
        assert share * len(counted) == pytest.approx(counted.count("zelfstandig afgehandeld"))


def test_percentile_nearest_rank() -> None:
    assert percentile([], 90) is None
    assert percentile([5], 90) == 5
    assert percentile(range(1, 11), 90) == 9
    assert percentile(range(1, 11), 100) == 10
    assert percentile([3, 1, 2], 50) == 2


@given(st.lists(st.floats(0, 1e6), min_size=1))
def test_p90_is_an_observed_value_not_below_the_median(values: list[float]) -> None:
    p90 = percentile(values, 90)
    assert p90 in values
    assert p90 >= percentile(values, 50)  # type: ignore[operator]


def test_handling_stats_use_closed_contacts_only() -> None:
    contacts = [closed("doorverbonden", seconds=s) for s in (60, 120, 300)]
    contacts.append(Contact(started_at=T0))  # still open: no end time
    stats = handling_stats(contacts)
    assert (stats.count, stats.mean_seconds, stats.p90_seconds) == (3, 160, 300)
    assert handling_stats([]).mean_seconds is None


def test_per_channel_ranked() -> None:
    contacts = [
        closed("x", channel=c)
        for c in ("balie", "telefoon", "telefoon", "chat", "balie", "telefoon")
    ]
    result = contacts_per_channel(contacts)
    assert list(result.items()) == [("telefoon", 3), ("balie", 2), ("chat", 1)]


def test_per_district_from_recorded_district_or_postcode() -> None:
    contacts = [
        closed("x", customer=Customer(postcode="7411 AB")),
        closed("x", customer=Customer(postcode="7414 ZZ")),
        closed("x", customer=Customer(district="Oost", postcode="7411 AB")),
        closed("x", customer=Customer(postcode="9999 AA")),
        closed("x"),
    ]
    assert contacts_per_district(contacts, DISTRICTS) == {
        UNKNOWN_DISTRICT: 2,
        "Centrum": 1,
        "Noord": 1,
        "Oost": 1,
    }
    assert contacts_per_district(contacts[:1]) == {UNKNOWN_DISTRICT: 1}


def test_contacts_on_uses_amsterdam_day() -> None:
    late = Contact(started_at=datetime(2026, 3, 2, 23, 30, tzinfo=UTC))  # 00:30 on 3 March locally
    early = Contact(started_at=T0)
    assert contacts_on([late, early], date(2026, 3, 2)) == [early]
    assert contacts_on([late, early], date(2026, 3, 3)) == [late]


def task(team: str, status: TaskStatus, due: datetime | None) -> Task:
    return Task(team=team, status=status, due_at=due)


def test_team_queues() -> None:
    now = datetime(2026, 3, 4, 11, 0, tzinfo=UTC)  # Wednesday 12:00 in Amsterdam
    tasks = [
        task("wmo", TaskStatus.OPEN, now - timedelta(hours=1)),  # overdue
        task("wmo", TaskStatus.CLAIMED, now + timedelta(hours=3)),  # at risk
        task("wmo", TaskStatus.FORWARDED, now + timedelta(days=7)),
        task("wmo", TaskStatus.DONE, now - timedelta(days=3)),  # done: not counted
        task("wmo", TaskStatus.RETURNED, now - timedelta(days=3)),
        task("afval", TaskStatus.OPEN, None),
        task("afval", TaskStatus.OPEN, now + timedelta(days=7)),
    ]
    queues = team_queues(tasks, now)
    assert [q.team for q in queues] == ["wmo", "afval"]
    wmo, afval = queues
    assert (wmo.open, wmo.claimed, wmo.overdue, wmo.at_risk, wmo.returned) == (2, 1, 1, 1, 1)
    assert (afval.open, afval.claimed, afval.overdue, afval.at_risk) == (2, 0, 0, 0)
    assert wmo.active == 3


def test_daily_report_is_json_ready() -> None:
    contacts = [
        closed("zelfstandig afgehandeld", customer=Customer(postcode="7411 AB")),
        closed("doorverbonden", channel="balie", seconds=120),
        Contact(started_at=T0 - timedelta(days=1)),  # another day
    ]
    tasks = [task("wmo", TaskStatus.OPEN, T0 - timedelta(hours=1))]
    report = daily_report(contacts, tasks, now=T0 + timedelta(hours=1), districts=DISTRICTS)
    assert report.day == date(2026, 3, 2)
    assert (report.contacts, report.questions, report.fcr) == (2, 2, 0.5)
    assert report.per_district == {"Centrum": 1, UNKNOWN_DISTRICT: 1}
    assert report.handling.mean_seconds == 90
    assert report.queues[0].overdue == 1
    data = json.loads(json.dumps(report.to_dict()))
    assert data["day"] == "2026-03-02"
    assert data["per_channel"] == {"balie": 1, "telefoon": 1}
    assert data["queues"][0]["team"] == "wmo"
