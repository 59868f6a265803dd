"""The counter's "next resident" key (issue 12 §2), against a live server: F12 on a
counter desk calls the longest-waiting ticket of the desk's services and starts a balie
contact with it; a resident who does not come is marked a no-show and counted nowhere;
with nobody waiting F12 says so and the agent stays free."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from loket.tui import strings as S
from loket.tui.app import LoketApp
from loket.tui.workspace import CallState
from tests.server.helpers import API
from tests.tui.helpers import SIZE, burst, open_services, wait_for


def _draw(kiosk: Any, service: str) -> dict[str, Any]:
    response = kiosk.post(f"{API}/tickets", json={"service": service})
    assert response.status_code == 201, response.text
    return response.json()["ticket"]


def _ticket_row(live_server: Any, ticket_id: str) -> dict[str, Any]:
    with live_server.server.store.storage.read() as r:
        [row] = r.run("SELECT status, agent, desk FROM tickets WHERE id = ?", (ticket_id,))
    return dict(row)


def _toasts(app: Any) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_next_resident_by_ticket_no_show_and_nobody_waiting(
    tmp_path: Path, live_server: Any
) -> None:
    kiosk = live_server.client(live_server.make_user("integration")[1])
    first, second = _draw(kiosk, "burgerzaken"), _draw(kiosk, "burgerzaken")
    other = _draw(kiosk, "afspraken")  # a service this desk does not serve
    agent, token = live_server.make_user("agent", ["kcc"])
    services = open_services(
        tmp_path,
        name=agent,
        server_url=live_server.url,
        token=token,
        desk="balie 3",
        counter_services="burgerzaken",
    )
    app = LoketApp(services)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: getattr(app.screen, "workspace", None) is not None)
            screen = app.screen
            await pilot.press("f12")
            await wait_for(pilot, lambda: screen.contact is not None)
            assert (screen.contact.channel, screen.contact.ticket_id) == ("balie", first["id"])
            assert any(first["number"] in t and "balie 3" in t for t in _toasts(app))
            assert _ticket_row(live_server, first["id"]) == {
                "status": "called",
                "agent": agent,
                "desk": "balie 3",
            }
            await pilot.press("ctrl+o")  # did not come
            await wait_for(pilot, lambda: app.screen.id == "confirm-dialog")
            assert first["number"] in str(app.screen.query_one("#confirm-question").render())
            await pilot.press("j")
            await wait_for(
                pilot, lambda: _ticket_row(live_server, first["id"])["status"] == "no_show"
            )
            assert screen.contact is None and services.contacts.recent() == []

            await pilot.press("f12")
            await wait_for(pilot, lambda: screen.contact is not None)
            assert screen.contact.ticket_id == second["id"]
            burst(app, "f3", *"Uittreksel BRP", "f5")
            await wait_for(pilot, lambda: screen.state == CallState.WRAPUP)
            await pilot.press("f12")  # only the other service's resident waits
            await wait_for(pilot, lambda: S.TICKET_NOBODY in _toasts(app))
            assert screen.state == CallState.WAITING and screen.contact is None
            assert _ticket_row(live_server, other["id"])["status"] == "waiting"
    finally:
        services.close()
    again = open_services(tmp_path, name=agent, server_url=live_server.url, token=token)
    try:
        assert again.sync.now(10).error is None  # push what the console stored
    finally:
        again.close()
    on_server = live_server.client(token).get(f"{API}/contacts", params={"agent": agent})
    [stored] = on_server.json()["items"]
    assert stored["channel"] == "balie" and stored["ticket_id"] == second["id"]
    assert stored["ended_at"] is not None  # the wrap-up ended when F12 was pressed
