"""The supervisor's live view inside the console, against a live server: figures from
the central store that follow posted call events, agent states and back-office stock."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from loket.tui.app import LoketApp
from tests.server.helpers import API
from tests.tui.helpers import SIZE, open_services, screen_text, wait_for


def event(kind: str, call_id: str, at: datetime, **fields: str) -> dict[str, Any]:
    return {"event_id": str(uuid.uuid4()), "call_id": call_id, "kind": kind} | {
        "at": at.isoformat(),
        **fields,
    }


def line_of(app: Any, label: str) -> str:
    return next((line for line in screen_text(app).splitlines() if label in line), "")


def cell(app: Any, table_id: str, row: str, column: int) -> str:
    table = app.screen.query_one(f"#{table_id}")
    try:
        return str(table.get_row(row)[column].plain)
    except Exception:  # the row is not there (yet)
        return ""


def cell_style(app: Any, table_id: str, row: str, column: int) -> str:
    table = app.screen.query_one(f"#{table_id}")
    return str(table.get_row(row)[column].style)


async def test_live_view_follows_call_events_and_agent_states(
    tmp_path: Path, live_server: Any
) -> None:
    sup_name, sup_token = live_server.make_user("supervisor")
    anna, anna_token = live_server.make_user("agent")
    _, pbx_token = live_server.make_user("integration")
    pbx, agent = live_server.client(pbx_token), live_server.client(anna_token)
    services = open_services(
        tmp_path,
        name=sup_name,
        role="supervisor",
        teams=(),
        server_url=live_server.url,
        token=sup_token,
    )
    app = LoketApp(services, ansi=True)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: app.screen.id == "live")
            await wait_for(pilot, lambda: "Algemeen nummer" in screen_text(app))
            # The footer's keys may come a frame after the table: wait for all 24 lines.
            await wait_for(pilot, lambda: len(screen_text(app).splitlines()) == 24)
            assert all(len(line) <= 80 for line in screen_text(app).splitlines())
            assert cell(app, "live-queues", "algemeen", 1) == "0"  # nobody waits

            # A caller is offered 30 s ago: waiting now 1, over the 20 s threshold: a breach.
            now = datetime.now(UTC)
            offered = event(
                "offered", "k1", now - timedelta(seconds=30), queue="algemeen", caller="0612345678"
            )
            assert pbx.post(f"{API}/call-events", json=offered).status_code == 200
            await wait_for(pilot, lambda: cell(app, "live-queues", "algemeen", 1) == "1", timeout=3)
            assert line_of(app, "Algemeen nummer").split()[4:6] == ["1", "0:30"]
            assert "red" in cell_style(app, "live-queues", "algemeen", 1)
            assert "0612345678" not in screen_text(app)  # no caller numbers on this screen

            # Anna reports herself available, then answers: answered 1, ASA 0:30.
            assert agent.post(f"{API}/agent-state", json={"state": "available"}).is_success
            await wait_for(pilot, lambda: "beschikbaar" in line_of(app, anna), timeout=3)
            answered = event("answered", "k1", now, agent=anna)
            assert pbx.post(f"{API}/call-events", json=answered).status_code == 200
            await wait_for(pilot, lambda: cell(app, "live-queues", "algemeen", 1) == "0", timeout=3)
            assert [cell(app, "live-queues", "algemeen", i) for i in (3, 4, 6)] == [
                "1",
                "0",
                "0:30",
            ]

            pause = {"state": "pause", "reason": "overleg"}
            assert agent.post(f"{API}/agent-state", json=pause).is_success
            await wait_for(
                pilot, lambda: cell(app, "live-agents", anna, 1) == "pauze: overleg", timeout=3
            )
            assert "yellow" in cell_style(app, "live-agents", anna, 1)
    finally:
        services.close()


async def test_live_view_shows_stock_and_todays_channels(tmp_path: Path, live_server: Any) -> None:
    from tests.server.helpers import contact, create, push, save, task

    sup_name, sup_token = live_server.make_user("supervisor")
    anna, anna_token = live_server.make_user("agent")
    now = datetime.now(UTC)
    data = contact(anna, started_at=(now - timedelta(seconds=200)).isoformat())
    data |= {"ended_at": (now - timedelta(seconds=20)).isoformat(), "status": "closed"}
    agent = live_server.client(anna_token)
    push(agent, save(data))
    services = open_services(
        tmp_path,
        name=sup_name,
        role="supervisor",
        teams=(),
        server_url=live_server.url,
        token=sup_token,
    )
    app = LoketApp(services)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: "Vandaag 1 contacten" in screen_text(app))
            assert "telefoon 1 · 100% · 3:00" in screen_text(app)
            # A routed task that is already overdue: the team's row turns red, within 2 s.
            late = task(anna, "afval", due_at=(now - timedelta(hours=1)).isoformat())
            push(agent, create(late))
            await wait_for(pilot, lambda: "Afval" in screen_text(app), timeout=3)
            assert "red" in cell_style(app, "live-teams", "afval", 3)
            await pilot.press("alt+s")  # the team queues screen is one key away
            await wait_for(pilot, lambda: app.screen.id == "queue")
    finally:
        services.close()
