"""The report screen inside the console, against a live server: a supervisor opens it
with Alt+G and its three charts show the central store's figures (the fixture of
tests/server/test_report_charts.py); an agent cannot open it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from loket.tui.app import LoketApp
from tests.server.test_report_charts import WEEKS, expected_hourly, seed_charts
from tests.tui.helpers import SIZE, open_services, screen_text, wait_for


def _chart(app: Any, key: str) -> Any:
    return app.screen.query_one(f"#chart-{key}").chart


async def test_report_screen_charts_the_central_figures(tmp_path: Path, live_server: Any) -> None:
    seed_charts(live_server)
    name, token = live_server.make_user("supervisor")
    services = open_services(
        tmp_path, name=name, role="supervisor", teams=(), server_url=live_server.url, token=token
    )
    app = LoketApp(services, ansi=True)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: app.services is not None)
            await pilot.press("alt+g")
            await wait_for(pilot, lambda: app.screen.id == "report")
            await wait_for(pilot, lambda: _chart(app, "hourly") is not None)

            hourly = _chart(app, "hourly")
            today, before = expected_hourly()
            assert hourly.x == tuple(f"{h:02d}" for h in range(8, 19))
            assert [s.label for s in hourly.series] == ["vandaag", "gemiddelde"]
            assert hourly.series[0].values == tuple(float(today[h]) for h in range(8, 19))
            assert hourly.series[1].values == tuple(before[h] for h in range(8, 19))
            assert hourly.series[0].bars and not hourly.series[1].bars

            fcr = _chart(app, "fcr")
            assert fcr.x == tuple(w.split("-")[-1] for w in WEEKS)
            lines = {s.label: s.values for s in fcr.series}
            assert lines["telefoon"][-6:] == (100.0, None, 100.0, 50.0, 100.0, 50.0)
            assert lines["e-mail"][-1] == 100.0

            levels = _chart(app, "service_level")
            assert levels.x[-2:] == ("02-12", "03-12") and len(levels.x) == 14
            algemeen = {s.label: s.values for s in levels.series}["Algemeen nummer 14 0xx"]
            assert algemeen[-2:] == (50.0, 100.0)

            text = screen_text(app)
            rows = text.splitlines()
            assert len(rows) == 24 and all(len(row) <= 80 for row in rows)
            assert "Rapport 2025-12-03" in text and "Contacten per uur" in text
            axis = next(row for row in rows if " 08 " in row)  # the hour axis is drawn
            assert axis.split() == [f"{h:02d}" for h in range(8, 19)]
            await pilot.press("2")
            await wait_for(pilot, lambda: "W49" in screen_text(app))
            await pilot.press("3")
            await wait_for(pilot, lambda: "03-12" in screen_text(app))
            assert "Algemeen nummer 14 0xx" in screen_text(app)
    finally:
        services.close()


async def test_an_agent_cannot_open_the_report(tmp_path: Path, live_server: Any) -> None:
    name, token = live_server.make_user("agent")
    services = open_services(tmp_path, name=name, server_url=live_server.url, token=token)
    app = LoketApp(services, ansi=True)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: app.services is not None)
            start = app.screen.id
            await pilot.press("alt+g")
            await pilot.pause(0.2)
            assert app.screen.id == start != "report"
    finally:
        services.close()
