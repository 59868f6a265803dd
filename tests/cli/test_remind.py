"""`loket remind` against a live central store: the daily job's list and exit code."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from loket.cli import app
from tests.server.helpers import contact, create, push, save, task


def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, url: str, token: str) -> None:
    monkeypatch.setenv("LOKET_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("LOKET_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("LOKET_SERVER_URL", url)
    monkeypatch.setenv("LOKET_TOKEN", token)


def _route(live_server: Any, due: datetime, subject: str, team: str = "burgerzaken") -> str:
    name, token = live_server.make_user("agent", ["kcc"])
    client = live_server.client(token)
    record = contact(name)
    assert push(client, save(record))[0]["status"] == "applied"
    routed = task(name, team=team, contact_id=record["id"], subject=subject)
    routed["due_at"] = due.isoformat()
    result = push(client, create(routed))[0]
    assert result["status"] == "applied", result
    return routed["id"]


def test_lists_overdue_per_team_and_exits_1_then_0_when_nothing_is_late(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, live_server: Any
) -> None:
    now = datetime.now(UTC)
    late = _route(live_server, now - timedelta(days=2), "Paspoort kwijt")
    _route(live_server, now + timedelta(days=30), "Parkeervergunning")
    _, boss = live_server.make_user("supervisor")
    _env(monkeypatch, tmp_path, live_server.url, boss)
    runner = CliRunner()

    result = runner.invoke(app, ["remind", "--json"])
    assert result.exit_code == 1, result.output
    found = json.loads(result.output)
    assert [r["task_id"] for r in found["per_team"]["burgerzaken"]["overdue"]] == [late]
    assert found["per_team"]["burgerzaken"]["nearly_due"] == []

    table = runner.invoke(app, ["remind"])
    assert table.exit_code == 1 and "Paspoort kwijt" in table.output
    assert "Parkeervergunning" not in table.output

    other = runner.invoke(app, ["remind", "--team", "belastingen"])
    assert other.exit_code == 0 and "Nothing overdue" in other.output


def test_no_server_or_bad_token_is_a_clear_error_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, live_server: Any
) -> None:
    runner = CliRunner()
    _env(monkeypatch, tmp_path, "", "")
    result = runner.invoke(app, ["remind"])
    assert result.exit_code == 2 and "server_url" in result.output
    _env(monkeypatch, tmp_path, live_server.url, "not-a-token")
    result = runner.invoke(app, ["remind"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "error:" in result.output
