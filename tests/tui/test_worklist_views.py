"""The worklist's views with their counts (issue 11): the front office's "door mij
doorgezet" with handed-back tasks on top, and the back office's team / mine / done today,
against a live server where the other side acts on the tasks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from loket.tui.app import LoketApp
from tests.server.helpers import act_on_task
from tests.tui.helpers import (
    SIZE,
    open_services,
    open_worklist,
    route_locally,
    screen_text,
    wait_for,
)


def _route(services: Any, subject: str) -> str:
    return str(route_locally(services, subject).id)


def _hand_back(client: Any, task_id: str, note: str) -> None:
    """The back office claims the task and hands it back to the front office."""
    act_on_task(client, task_id, "claim")
    act_on_task(client, task_id, "return", note=note)


def _views_line(app: Any) -> str:
    return next(line for line in screen_text(app).splitlines() if " 1 " in line and " 2 " in line)


async def test_front_office_sees_what_it_routed_handed_back_on_top(
    tmp_path: Path, live_server: Any
) -> None:
    agent, agent_token = live_server.make_user("agent", ["kcc"])
    _, bo_token = live_server.make_user("backoffice", ["afval"])
    services = open_services(tmp_path, name=agent, server_url=live_server.url, token=agent_token)
    first, second, third = (_route(services, s) for s in ("Kliko kapot", "Grofvuil", "Pas kwijt"))
    assert services.sync.now(10).error is None
    back_office = live_server.client(bo_token)
    _hand_back(back_office, second, "Adres onbekend, graag navragen")
    act_on_task(back_office, third, "claim")
    act_on_task(back_office, third, "resolve", resolution="Nieuwe pas besteld")
    assert services.sync.now(10).error is None
    app = LoketApp(services)
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_worklist(pilot)
            await wait_for(pilot, lambda: len(screen.tasks) == 2)
            assert list(screen.tasks) == [second, first]  # handed back on top
            assert "Door mij doorgezet" in screen_text(app)
            assert "1 Open 2" in _views_line(app) and "2 Terug 1" in _views_line(app)
            assert "5 Klaar vandaag 1" in _views_line(app)
            await pilot.press("2")
            await wait_for(pilot, lambda: list(screen.tasks) == [second])
            await pilot.press("5")
            await wait_for(pilot, lambda: list(screen.tasks) == [third])
            assert "Nieuwe pas besteld" in screen_text(app)  # the detail of the done task
    finally:
        services.close()


async def test_back_office_views_team_mine_and_done_today(tmp_path: Path, live_server: Any) -> None:
    agent, agent_token = live_server.make_user("agent", ["kcc"])
    bo, bo_token = live_server.make_user("backoffice", ["afval"])
    front = open_services(tmp_path / "a", name=agent, server_url=live_server.url, token=agent_token)
    first, second = _route(front, "Kliko kapot"), _route(front, "Grofvuil")
    assert front.sync.now(10).error is None
    front.close()
    services = open_services(
        tmp_path / "b",
        name=bo,
        role="backoffice",
        teams=("afval",),
        server_url=live_server.url,
        token=bo_token,
    )
    assert services.sync.now(10).error is None
    app = LoketApp(services)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: app.screen.id == "worklist")
            screen = app.screen
            await wait_for(pilot, lambda: set(screen.tasks) == {first, second})
            assert "1 Team 2" in _views_line(app) and "2 Mijn 0" in _views_line(app)
            screen.query_one("#tasks").move_cursor(row=list(screen.tasks).index(first))
            await pilot.press("c")  # claim: now mine
            await wait_for(pilot, lambda: "2 Mijn 1" in _views_line(app))
            await pilot.press("2")
            await wait_for(pilot, lambda: list(screen.tasks) == [first])
            await pilot.press("r")
            await pilot.pause(0.1)
            await pilot.press(*"Nieuwe kliko besteld", "enter")
            await wait_for(pilot, lambda: "6 Klaar vandaag 1" in _views_line(app))
            assert screen.tasks == {} and "1 Team 1" in _views_line(app)
            await pilot.press("6")
            await wait_for(pilot, lambda: list(screen.tasks) == [first])
    finally:
        services.close()


async def test_a_colleague_takes_a_handed_back_task_from_the_kcc_queue(
    tmp_path: Path, live_server: Any
) -> None:
    ans, ans_token = live_server.make_user("agent", ["kcc"])
    bas, bas_token = live_server.make_user("agent", ["kcc"])
    _, bo_token = live_server.make_user("backoffice", ["afval"])
    router = open_services(tmp_path / "a", name=ans, server_url=live_server.url, token=ans_token)
    task_id = _route(router, "Kliko kapot")
    assert router.sync.now(10).error is None
    _hand_back(live_server.client(bo_token), task_id, "Adres onbekend")
    services = open_services(tmp_path / "b", name=bas, server_url=live_server.url, token=bas_token)
    assert services.sync.now(10).error is None
    app = LoketApp(services)
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_worklist(pilot)
            await wait_for(pilot, lambda: list(screen.tasks) == [task_id])
            assert "2 Terug 1" in _views_line(app)
            await wait_for(pilot, lambda: "Oppakken" in screen_text(app).splitlines()[-1])
            await pilot.press("c")  # bas takes ans's handed-back task
            await wait_for(pilot, lambda: services.tasks.get(task_id).assignee == bas)
        assert services.sync.now(10).error is None
    finally:
        services.close()
    assert live_server.client(bas_token).get(f"/api/v1/tasks/{task_id}").json()["assignee"] == bas
    assert router.sync.now(10).error is None  # ans learns it left the queue
    assert router.tasks.get(task_id).assignee == bas
    assert router.tasks.get(task_id).status.value == "claimed"
    router.close()
