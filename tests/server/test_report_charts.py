"""GET /report/charts against a hand-computed fixture on both databases: contacts per
local hour today against the same weekday's mean over the 4 weeks before, FCR per
channel per ISO week, service level per queue per day (docs/metrics.md "Charts")."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from loket.cli import app
from loket.domain.models import OUTCOME_RESOLVED, OUTCOME_ROUTED, ContactStatus
from tests.conftest import BACKENDS, free_port
from tests.server.helpers import API
from tests.server.test_report_figures import _cli_env
from tests.server.test_report_more_figures import _contact, _event, _save_contact

pg = pytest.mark.parametrize("backend", BACKENDS, indirect=True)

# Wednesday 3 December 2025, 15:00 in Amsterdam (UTC+1); week 49.
NOW = datetime(2025, 12, 3, 14, 0, tzinfo=UTC)
LOST = "verbinding verbroken"  # excluded from FCR
CHART_CONTACTS = [
    # today: 09:10 and 09:40 local (telefoon: one resolved, one routed), 14:05 (e-mail)
    _contact("h1", "telefoon", "2025-12-03T08:10:00", 60, 0, OUTCOME_RESOLVED),
    _contact("h2", "telefoon", "2025-12-03T08:40:00", 60, 0, OUTCOME_ROUTED),
    _contact("h3", "e-mail", "2025-12-03T13:05:00", 60, None, OUTCOME_RESOLVED),
    # a discarded contact today: in no figure
    _contact("h4", "telefoon", "2025-12-03T08:20:00", 30, 0, None,
             status=ContactStatus.DISCARDED),
    # the Wednesdays before: 26 Nov 09:20, 19 Nov 09:05 and 09:50 (one routed), 12 Nov
    # 14:30; 29 Oct is five weeks back (in FCR week 44, not in the hourly mean)
    _contact("w1", "telefoon", "2025-11-26T08:20:00", 60, 0, OUTCOME_RESOLVED),
    _contact("w2", "telefoon", "2025-11-19T08:05:00", 60, 0, OUTCOME_RESOLVED),
    _contact("w3", "telefoon", "2025-11-19T08:50:00", 60, 0, OUTCOME_ROUTED),
    _contact("w4", "telefoon", "2025-11-12T13:30:00", 60, 0, OUTCOME_RESOLVED),
    _contact("w5", "telefoon", "2025-10-29T08:30:00", 60, 0, OUTCOME_RESOLVED),
    # a Thursday: not in the Wednesday mean; its only question is not counted for FCR
    _contact("t1", "telefoon", "2025-11-27T08:30:00", 60, 0, LOST),
]  # fmt: skip
WEEKS = [f"2025-W{w}" for w in range(38, 50)]


def seed_charts(live_server: Any) -> None:
    """The fixture above, and calls on 2 and 3 December; the server's clock at NOW."""
    live_server.server.store.figures.ctx.clock = lambda: NOW
    with live_server.server.store.storage.write() as tx:
        for c in CHART_CONTACTS:
            _save_contact(tx, c)
    agent, _ = live_server.make_user("agent")
    pbx = live_server.client(live_server.make_user("integration")[1])
    calls = [  # algemeen (20 s): 2 Dec answered in 10 s and abandoned after 40 s; 3 Dec 5 s
        ("k1", datetime(2025, 12, 2, 9, tzinfo=UTC), "answered", 10),
        ("k2", datetime(2025, 12, 2, 9, tzinfo=UTC), "abandoned", 40),
        ("k3", datetime(2025, 12, 3, 9, tzinfo=UTC), "answered", 5),
    ]
    for call_id, at, kind, after in calls:
        extra = {"agent": agent} if kind == "answered" else {}
        for ev in (_event("offered", call_id, at, queue="algemeen"),
                   _event(kind, call_id, at + timedelta(seconds=after), **extra)):  # fmt: skip
            assert pbx.post(f"{API}/call-events", json=ev).status_code == 200


def expected_hourly() -> tuple[list[int], list[float]]:
    today, before = [0] * 24, [0.0] * 24
    today[9], today[14] = 2, 1
    before[9], before[14] = 3 / 4, 1 / 4
    return today, before


@pg
def test_charts_match_the_hand_computed_fixture(live_server: Any) -> None:
    seed_charts(live_server)
    sup = live_server.client(live_server.make_user("supervisor")[1])
    answer = sup.get(f"{API}/report/charts")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["day"] == "2025-12-03"
    today, before = expected_hourly()
    assert body["hourly"] == {"today": today, "average": before, "weeks": 4}

    fcr = body["fcr_weekly"]
    assert fcr["weeks"] == WEEKS
    telefoon = dict(zip(WEEKS, fcr["channels"]["telefoon"], strict=True))
    # W49 today: 1 of 2; W48: 26 Nov resolved, 27 Nov not counted; W47: 1 of 2; W46;
    # W44 (29 Oct); no counted question in the other weeks
    assert {w: v for w, v in telefoon.items() if v is not None} == {
        "2025-W44": 1.0, "2025-W46": 1.0, "2025-W47": 0.5, "2025-W48": 1.0, "2025-W49": 0.5,
    }  # fmt: skip
    assert fcr["channels"]["e-mail"][-1] == 1.0 and fcr["channels"]["e-mail"][0] is None

    levels = body["service_level"]
    assert levels["days"][0] == "2025-11-20" and levels["days"][-1] == "2025-12-03"
    algemeen = levels["queues"]["algemeen"]
    assert algemeen["levels"][-2:] == [0.5, 1.0]  # 2 Dec: 1 in 20 s of 2; 3 Dec: 1 of 1
    assert set(algemeen["levels"][:-2]) == {None}  # no calls those days
    assert algemeen["target"] == 0.8

    # A past day by ?date=: the 26th (its Wednesdays before: the 19th, 12th, 5th, 29 Oct)
    past = sup.get(f"{API}/report/charts", params={"date": "2025-11-26"}).json()
    assert past["hourly"]["today"][9] == 1
    assert past["hourly"]["average"][9] == 3 / 4 and past["hourly"]["average"][14] == 1 / 4


@pg
def test_a_bad_chart_date_is_400_naming_it(live_server: Any) -> None:
    sup = live_server.client(live_server.make_user("supervisor")[1])
    answer = sup.get(f"{API}/report/charts", params={"date": "0001-01-01"})
    assert answer.status_code == 400 and "date" in answer.text


def test_cli_report_chart_prints_the_charts_and_their_data(
    live_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_charts(live_server)
    _, token = live_server.make_user("supervisor")
    _cli_env(monkeypatch, tmp_path, live_server.url, token)
    runner = CliRunner()
    result = runner.invoke(app, ["report", "--chart", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["hourly"]["today"] == expected_hourly()[0]
    result = runner.invoke(app, ["report", "--chart"])
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "\x1b[" not in text  # not a terminal here: no colour codes
    assert "Contacten per uur, 03-12 tegen gemiddelde woensdag vorige 4 weken" in text
    assert "FCR (vragen) per kanaal per week, laatste 12 weken, %" in text
    assert "Servicelevel per wachtrij per dag, laatste 14 dagen, %" in text
    lines = text.splitlines()
    assert all(len(line) <= 80 for line in lines)  # CliRunner's terminal: 80 columns
    hours = next(line for line in lines if " 08 " in line and " 18 " in line)
    assert hours.split() == [f"{h:02d}" for h in range(8, 19)]  # office hours, today's in them
    assert any("W44" in line and "W49" in line for line in lines)
    assert "telefoon" in text and "e-mail" in text and "Algemeen nummer 14 0xx" in text
    # the hourly bars reach today's busiest hour (2): the y axis tops at 2 x 1.15
    assert any(line.lstrip().startswith("2.30┤") for line in lines)
    result = runner.invoke(app, ["report", "--chart", "--from", "2025-12-01"])
    assert result.exit_code == 2 and "--chart" in result.output


@pytest.mark.parametrize(
    "args",
    [["report"], ["report", "--from", "2025-12-01", "--to", "2025-12-31"], ["report", "--chart"]],
)
def test_cli_report_without_a_reachable_server_says_what_to_do(
    live_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    """Nothing listening, no server set, a token that may not read figures: one English
    sentence each (as the CLI's other messages), exit 1, no traceback."""
    runner = CliRunner()
    nowhere = f"http://127.0.0.1:{free_port()}"
    _cli_env(monkeypatch, tmp_path, nowhere, "some-token")
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output
    assert f"error: the central store at {nowhere} cannot be reached" in result.output
    assert "LOKET_SERVER_URL" in result.output and "Traceback" not in result.output
    assert ("--local" in result.output) == (args == ["report"])  # only the day has --local

    monkeypatch.setenv("LOKET_SERVER_URL", "")
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert "error: no central store is configured: set LOKET_SERVER_URL" in result.output

    _, agent_token = live_server.make_user("agent")
    _cli_env(monkeypatch, tmp_path, live_server.url, agent_token)
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert "refused the token: figures are for supervisors and admins" in result.output
    assert "Traceback" not in result.output
