"""The agent's state on the supervisor's live view follows the console (issue 12 §3):
taking a call, closing, wrap-up, and a pause with a reason by hand; against a live
server, read back from GET /live as a supervisor sees it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from loket.tui import strings as S
from loket.tui.app import LoketApp
from loket.tui.workspace import CallState
from tests.server.helpers import API
from tests.tui.helpers import SIZE, burst, open_services, screen_text, take_call, wait_for


def _live_state(supervisor: Any, agent: str) -> tuple[str, str] | None:
    agents = supervisor.get(f"{API}/live").json()["agents"]
    mine = [a for a in agents if a["agent"] == agent]
    return (mine[0]["state"], mine[0].get("reason") or "") if mine else None


def _reported(live_server: Any, agent: str) -> list[str]:
    with live_server.server.store.storage.read() as r:
        rows = r.run("SELECT state FROM agent_states WHERE agent = ? ORDER BY id", (agent,))
    return [row["state"] for row in rows]


async def test_the_live_view_sees_call_wrapup_and_pause_as_the_agent_works(
    tmp_path: Path, live_server: Any
) -> None:
    agent, token = live_server.make_user("agent", ["kcc"])
    supervisor = live_server.client(live_server.make_user("supervisor")[1])
    services = open_services(tmp_path, name=agent, server_url=live_server.url, token=token)
    app = LoketApp(services)

    async def shows(state: tuple[str, str]) -> None:
        await wait_for(pilot, lambda: _live_state(supervisor, agent) == state, timeout=5)

    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: getattr(app.screen, "workspace", None) is not None)
        await shows(("available", ""))
        await pilot.press("f1")  # the cheat sheet names the key the footer has no room for
        await wait_for(pilot, lambda: app.screen.id == "cheat-sheet")
        assert "F11" in screen_text(app) and S.KEY_PAUSE in screen_text(app)
        await pilot.press("escape")
        await take_call(pilot)
        await shows(("in_contact", ""))
        await pilot.press("f11")  # no pause in the middle of a call
        assert S.PAUSE_IN_CALL in [str(n.message) for n in app._notifications]
        burst(app, "f3", *"Vraag over grofvuil", "f5")
        await wait_for(pilot, lambda: app.screen.state == CallState.WRAPUP)
        await shows(("wrap_up", ""))
        await pilot.press("f11")
        await wait_for(pilot, lambda: app.screen.id != "agent" and "pause" in str(app.screen.id))
        await pilot.press("1")  # lunch: ends the wrap-up, then the pause
        await shows(("pause", "lunch"))
        # Never "available" between the wrap-up and the pause: a call would be put through.
        assert _reported(live_server, agent)[-2:] == ["wrap_up", "pause"]
        assert app.screen.state == CallState.WAITING and app.screen.contact is None
        assert S.STATE_PAUSE.format(reason="lunch") in screen_text(app)
        stored = services.contacts.recent()[0]
        assert stored.ended_at is not None and stored.ended_at >= stored.wrapup_started_at
        await pilot.press("f11")
        await shows(("available", ""))
        await pilot.press("f11", "3")
        await shows(("pause", "overleg"))
        await pilot.press("f12")  # the next resident ends the pause
        await shows(("in_contact", ""))
    services.close()
    assert _live_state(supervisor, agent) == ("offline", "")
