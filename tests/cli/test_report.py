"""`loket report`: the day's figures from the central store, or offline from the console."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from loket.cli import app


def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, url: str, token: str, who: str) -> None:
    monkeypatch.setenv("LOKET_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("LOKET_STATE_DIR", str(tmp_path / who))
    monkeypatch.setenv("LOKET_SERVER_URL", url)
    monkeypatch.setenv("LOKET_TOKEN", token)


def _register(runner: CliRunner, *extra: str) -> None:
    result = runner.invoke(
        app, ["contact", "new", "--channel", "balie", "--question", "Paspoort", *extra]
    )
    assert result.exit_code == 0, result.output


def test_supervisor_sees_the_days_figures_agent_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, live_server: Any
) -> None:
    runner = CliRunner()
    _, agent = live_server.make_user("agent", ["kcc"], name="anna")
    _env(monkeypatch, tmp_path, live_server.url, agent, "anna")
    _register(runner, "--resolve")
    _register(runner, "--resolve")
    _register(runner, "--outcome", "doorverbonden")

    local = runner.invoke(app, ["report", "--local", "--json"])
    assert local.exit_code == 0, local.output
    assert json.loads(local.output)["contacts"] == 3

    refused = runner.invoke(app, ["report"])
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    assert "error:" in refused.output

    _, boss = live_server.make_user("supervisor", name="eva")
    _env(monkeypatch, tmp_path, live_server.url, boss, "eva")
    central = runner.invoke(app, ["report", "--json"])
    assert central.exit_code == 0, central.output
    figures = json.loads(central.output)
    assert figures["contacts"] == 3 and figures["per_channel"] == {"balie": 3}
    assert (figures["fcr_resolved"], figures["fcr_counted"]) == (2, 3)

    table = runner.invoke(app, ["report"])
    assert table.exit_code == 0 and "first-contact resolution 67%" in table.output


def test_bad_date_and_no_server_give_clear_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _env(monkeypatch, tmp_path, "", "", "nobody")
    runner = CliRunner()
    bad = runner.invoke(app, ["report", "--date", "23-11-2026"])
    assert bad.exit_code == 1 and "--date" in bad.output and "Traceback" not in bad.output
    offline = runner.invoke(app, ["report"])
    assert offline.exit_code == 1 and "LOKET_SERVER_URL" in offline.output
