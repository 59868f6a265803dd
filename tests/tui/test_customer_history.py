"""The KCC-wide customer history in the console, against a live central store: an agent
who never spoke to the caller sees a colleague's earlier contact and where its routed
question stands, and the agent who routed it sees the back office's steps as they land."""

from __future__ import annotations

from pathlib import Path

from loket.tui.app import LoketApp
from tests.server.helpers import act_on_task, create, push, routed_contact, save
from tests.tui.helpers import SIZE, open_services, screen_text, take_call, wait_for


def _history(app) -> str:
    return str(app.screen.query_one("#history").content)


async def _look_up_caller(pilot) -> None:
    await take_call(pilot)
    await pilot.press("f4", "tab", *"06 1234 5678")


async def test_a_colleague_sees_the_history_and_the_router_follows_the_task(
    tmp_path: Path, live_server
) -> None:
    anna, anna_token = live_server.make_user("agent", ["kcc"])
    bob, bob_token = live_server.make_user("agent", ["kcc"])
    _, bo_token = live_server.make_user("backoffice", ["burgerzaken"])
    earlier, routed = routed_contact(anna, name="J. de Vries", phone="0612345678")
    results = push(live_server.client(anna_token), save(earlier), create(routed))
    assert [r["status"] for r in results] == ["applied", "applied"]

    services = open_services(tmp_path / bob, name=bob, server_url=live_server.url, token=bob_token)
    app = LoketApp(services)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await _look_up_caller(pilot)
            await wait_for(pilot, lambda: "Rijbewijs kwijt" in _history(app))
            assert "burgerzaken: open" in _history(app)
            assert "belt vaak boos" not in _history(app)
    finally:
        services.close()

    services = open_services(
        tmp_path / anna, name=anna, server_url=live_server.url, token=anna_token
    )
    app = LoketApp(services)
    backoffice = live_server.client(bo_token)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await _look_up_caller(pilot)
            await wait_for(pilot, lambda: "burgerzaken: open" in _history(app))
            act_on_task(backoffice, routed["id"], "claim")
            act_on_task(backoffice, routed["id"], "callback-attempts", reached=False)
            # No key pressed: the task's events on anna's stream re-read the history.
            await wait_for(pilot, lambda: "1× teruggebeld (niet bereikt)" in _history(app))
            assert "in behandeling" in _history(app)
            resolution = "Nieuw rijbewijs aangevraagd"
            act_on_task(backoffice, routed["id"], "resolve", resolution=resolution)
            await wait_for(pilot, lambda: "afgehandeld" in _history(app))
            assert "Nieuw rijbewijs aangevraagd" in _history(app)
    finally:
        services.close()


async def test_a_history_row_opens_read_only_and_never_follows_the_next_caller(
    tmp_path: Path, live_server
) -> None:
    anna, anna_token = live_server.make_user("agent", ["kcc"])
    bob, bob_token = live_server.make_user("agent", ["kcc"])
    _, bo_token = live_server.make_user("backoffice", ["burgerzaken"])
    earlier, routed = routed_contact(anna, name="J. de Vries", phone="0612345678")
    push(live_server.client(anna_token), save(earlier), create(routed))
    resolution = "Nieuw rijbewijs aangevraagd, ophalen vanaf vrijdag aan de balie"
    act_on_task(live_server.client(bo_token), routed["id"], "claim")
    act_on_task(live_server.client(bo_token), routed["id"], "resolve", resolution=resolution)
    services = open_services(tmp_path / bob, name=bob, server_url=live_server.url, token=bob_token)
    app = LoketApp(services)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await _look_up_caller(pilot)
            await wait_for(pilot, lambda: "Rijbewijs kwijt" in _history(app))
            await pilot.press("alt+h")
            await wait_for(pilot, lambda: app.screen.id == "history-screen")
            detail = str(app.screen.query_one("#history-detail").content)
            assert "Rijbewijs kwijt" in detail and anna in detail
            assert resolution in detail  # in full, not cut at 60 characters
            assert "belt vaak boos" not in detail  # a colleague's notes stay theirs
            lines = screen_text(app).splitlines()
            assert len(lines) == 24 and all(len(line) <= 80 for line in lines)
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.screen.id == "agent")
            # The next caller: nothing of this resident's history opens for them.
            await pilot.press("f8", "f12")
            await wait_for(pilot, lambda: app.screen.contact is not None and not _history(app))
            await pilot.press("alt+h")
            await pilot.pause(0.2)
            assert app.screen.id == "agent"
    finally:
        services.close()
