"""`GET /api/v1/report` and `loket report --from/--to`: aggregate SQL against a
hand-computed fixture on both databases (docs/metrics.md defines each figure)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from loket.cli import app
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
from loket.server.storage.contacts import ContactRow
from loket.server.storage.tasks import TaskRow
from tests.conftest import BACKENDS

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)

# Period 2026-03-02 .. 2026-03-08 (Amsterdam, UTC+1 in March before the 29th).
PERIOD = {"from": "2026-03-02", "to": "2026-03-08"}


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _contact(cid: str, channel: str, agent: str, start: str, seconds: int | None, *outcomes):
    started = _at(start)
    return Contact(
        id=cid,
        agent=agent,
        channel=channel,
        started_at=started,
        ended_at=None if seconds is None else started + timedelta(seconds=seconds),
        questions=[Question(id=f"{cid}q{i}", outcome=o) for i, o in enumerate(outcomes)],
        status=ContactStatus.OPEN if seconds is None else ContactStatus.CLOSED,
        rev=1,
    )


CONTACTS = [
    # telefoon: two questions, one resolved, one routed; 300 s.
    _contact("c1", "telefoon", "a1", "2026-03-02T08:00:00", 300, OUTCOME_RESOLVED, OUTCOME_ROUTED),
    # across midnight: 23:50 local on the 2nd to 00:20 on the 3rd; counts on the 2nd.
    _contact("c2", "telefoon", "a1", "2026-03-02T22:50:00", 1800, OUTCOME_RESOLVED),
    # 23:30 local on the 8th: inside; a dropped line is left out of FCR.
    _contact("c3", "balie", "a2", "2026-03-08T22:30:00", 600, "verbinding verbroken"),
    # 00:30 local on the 9th (still the 8th in UTC): outside the period.
    _contact("c4", "balie", "a2", "2026-03-08T23:30:00", 100, OUTCOME_RESOLVED),
    # 23:59 local on the 1st: outside.
    _contact("c5", "telefoon", "a1", "2026-03-01T22:59:00", 100, OUTCOME_RESOLVED),
    # still open, a question without outcome: counted as a contact and question only.
    _contact("c6", "telefoon", "a1", "2026-03-05T10:00:00", None, None),
    _contact("c7", "balie", "a2", "2026-03-04T10:00:00", 1200, OUTCOME_RESOLVED, OUTCOME_RESOLVED),
]


def _task(tid: str, contact: str, team: str, created: str, due: str, done: str | None, status):
    created_at = _at(created)
    log = [TaskStep(at=created_at, by="a1", action="created")]
    if done:
        log.append(TaskStep(at=_at(done), by="b1", action="resolved"))
    return Task(
        id=tid,
        contact_id=contact,
        team=team,
        status=status,
        created_by="a1",
        created_at=created_at,
        due_at=_at(due),
        log=log,
    )


DONE, OPEN, RETURNED = TaskStatus.DONE, TaskStatus.OPEN, TaskStatus.RETURNED
TASKS = [
    _task("t1", "c1", "burgerzaken", "2026-03-02T09:00:00", "2026-03-04T09:00:00",
          "2026-03-03T09:00:00", DONE),  # on time
    _task("t2", "c1", "burgerzaken", "2026-03-03T09:00:00", "2026-03-05T09:00:00",
          "2026-03-06T09:00:00", DONE),  # late
    _task("t3", "c1", "burgerzaken", "2026-03-04T09:00:00", "2026-03-06T09:00:00", None,
          OPEN),  # open and overdue (the server's now is long after)
    _task("t4", "c7", "belastingen", "2026-03-07T10:00:00", "2099-01-01T09:00:00", None,
          RETURNED),  # returned to the front office: open, in time
    _task("t5", "c7", "belastingen", "2026-03-08T23:30:00", "2099-01-01T09:00:00", None,
          OPEN),  # created 00:30 local on the 9th: outside
]  # fmt: skip


def _seed(live_server: Any) -> None:
    storage = live_server.server.store.storage
    with storage.write() as tx:
        for c in CONTACTS:
            data = c.to_dict()
            row = ContactRow(
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
            assert tx.upsert_contact(row)
        for t in TASKS:
            data = t.to_dict()
            tx.insert_task(
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


def _groups(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {g["group"]: g for g in body["groups"]}


def test_figures_by_channel_match_the_hand_computed_fixture(live_server: Any) -> None:
    _seed(live_server)
    _, token = live_server.make_user("supervisor")
    resp = live_server.client(token).get("/api/v1/report", params={**PERIOD, "by": "channel"})
    assert resp.status_code == 200, resp.text
    groups = _groups(resp.json())
    assert set(groups) == {"telefoon", "balie"}
    tel, balie = groups["telefoon"], groups["balie"]
    # telefoon: c1, c2, c6 (c5 is before the period)
    assert (tel["contacts"], tel["questions"], tel["without_outcome"]) == (3, 4, 1)
    assert (tel["fcr_resolved"], tel["fcr_counted"]) == (2, 3)
    assert (tel["fcr_contacts_resolved"], tel["fcr_contacts_counted"]) == (1, 2)
    assert (tel["routed"], tel["with_outcome"]) == (1, 3)
    assert tel["share_routed"] == pytest.approx(1 / 3)
    assert tel["handled"] == 2
    assert (tel["mean_seconds"], tel["median_seconds"], tel["p90_seconds"]) == (1050, 300, 1800)
    # balie: c3 and c7 (c4 starts on the 9th local time)
    assert (balie["contacts"], balie["questions"], balie["without_outcome"]) == (2, 3, 0)
    assert (balie["fcr_resolved"], balie["fcr_counted"], balie["fcr_questions"]) == (2, 2, 1.0)
    assert (balie["fcr_contacts_resolved"], balie["fcr_contacts_counted"]) == (1, 1)
    assert balie["share_routed"] == 0
    assert (balie["mean_seconds"], balie["median_seconds"], balie["p90_seconds"]) == (
        900,
        600,
        1200,
    )


def test_task_sla_and_contacts_by_team(live_server: Any) -> None:
    _seed(live_server)
    _, token = live_server.make_user("admin")
    resp = live_server.client(token).get("/api/v1/report", params={**PERIOD, "by": "team"})
    assert resp.status_code == 200, resp.text
    groups = _groups(resp.json())
    bz, bel, none = groups["burgerzaken"], groups["belastingen"], groups["–"]
    assert (bz["tasks"], bz["on_time"], bz["late"], bz["open_overdue"], bz["open_in_time"]) == (
        3,
        1,
        1,
        1,
        0,
    )
    assert bz["sla_on_time"] == 0.5
    assert (bel["tasks"], bel["open_in_time"], bel["open_overdue"]) == (1, 1, 0)
    # contacts by the team their questions were routed to; c2, c3, c6 to none
    assert (bz["contacts"], bel["contacts"], none["contacts"]) == (1, 1, 3)


def test_by_day_puts_a_contact_across_midnight_on_its_start_day(live_server: Any) -> None:
    _seed(live_server)
    _, token = live_server.make_user("supervisor")
    resp = live_server.client(token).get("/api/v1/report", params={**PERIOD, "by": "day"})
    groups = _groups(resp.json())
    assert {k: g["contacts"] for k, g in groups.items()} == {
        "2026-03-02": 2,
        "2026-03-03": 0,  # a task created that day, no contact started
        "2026-03-04": 1,
        "2026-03-05": 1,
        "2026-03-07": 0,
        "2026-03-08": 1,
    }
    assert groups["2026-03-03"]["tasks"] == 1


@pytest.mark.parametrize(
    ("params", "option"),
    [
        ({"from": "2026-13-01", "to": "2026-03-08"}, "from"),
        ({"from": "2026-03-01", "to": "gisteren"}, "to"),
        ({"from": "2026-03-09", "to": "2026-03-08"}, "from"),
        ({**PERIOD, "by": "kleur"}, "by"),
    ],
)
def test_bad_period_is_400_naming_the_parameter(
    live_server: Any, params: dict[str, str], option: str
) -> None:
    _, token = live_server.make_user("supervisor")
    resp = live_server.client(token).get("/api/v1/report", params=params)
    assert resp.status_code == 400
    assert resp.json()["error"]["message"].startswith(f"{option}:")


def test_agents_may_not_read_the_report(live_server: Any) -> None:
    _, token = live_server.make_user("agent")
    resp = live_server.client(token).get("/api/v1/report", params=PERIOD)
    assert resp.status_code == 403


def _cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, url: str, token: str) -> None:
    monkeypatch.setenv("LOKET_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("LOKET_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("LOKET_SERVER_URL", url)
    monkeypatch.setenv("LOKET_TOKEN", token)


def test_cli_report_json_csv_table_and_bad_options(
    live_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed(live_server)
    _, token = live_server.make_user("supervisor")
    _cli_env(monkeypatch, tmp_path, live_server.url, token)
    runner = CliRunner()
    period = ["report", "--from", PERIOD["from"], "--to", PERIOD["to"]]
    result = runner.invoke(app, [*period, "--format", "json"])
    assert result.exit_code == 0, result.output
    assert _groups(json.loads(result.stdout))["telefoon"]["contacts"] == 3
    result = runner.invoke(app, [*period, "--by", "team", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = {r["team"]: r for r in csv.DictReader(io.StringIO(result.stdout))}
    assert rows["burgerzaken"]["late"] == "1"
    result = runner.invoke(app, period)
    assert result.exit_code == 0, result.output
    assert "telefoon" in result.stdout and "balie" in result.stdout
    result = runner.invoke(app, ["report", "--from", "2026-03-09", "--to", "2026-03-08"])
    assert result.exit_code == 2
    assert "--from:" in result.output
    result = runner.invoke(app, [*period, "--format", "xml"])
    assert result.exit_code == 2
    assert "--format" in result.output
