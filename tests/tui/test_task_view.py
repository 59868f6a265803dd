"""Back office works a task to the end: callback attempts and the full task view (Pilot,
against a live central store)."""

from __future__ import annotations

from pathlib import Path

from loket.domain.models import Callback
from loket.tui.app import LoketApp
from tests.tui.helpers import SIZE, open_services, screen_text, wait_for


def _routed_task(tmp_path: Path, live_server) -> tuple[str, str, str]:
    """Agent routes a question to team afval; returns (task id, bo name, bo token)."""
    agent_name, agent_token = live_server.make_user("agent", ["kcc"])
    bo_name, bo_token = live_server.make_user("backoffice", ["afval"])
    agent = open_services(
        tmp_path / "a", name=agent_name, server_url=live_server.url, token=agent_token
    )
    contact = agent.contacts.new("telefoon")
    contact.questions[0].text = "Kliko kapot"
    _, task = agent.contacts.route_question(
        contact,
        contact.questions[0].id,
        team="afval",
        internal_note="Deksel afgebroken bij het legen",
        callback=Callback(name="J. de Vries", phone="0612345678", preferred_time="ochtend"),
        intake={},
        product="afvalcontainer",
    )
    agent.sync.now()
    agent.close()
    return task.id, bo_name, bo_token


async def _choose(pilot, option_index: int) -> None:
    """Pick option `option_index` (0-based, after the blank prompt) in the dialog's Select."""
    await pilot.press("enter")  # open the select's list
    await pilot.pause(0.1)
    for _ in range(option_index + 1):
        await pilot.press("down")
    await pilot.press("enter")
    await pilot.pause(0.1)


async def test_backoffice_registers_callback_attempts_and_sees_them(
    tmp_path: Path, live_server
) -> None:
    task_id, bo_name, bo_token = _routed_task(tmp_path, live_server)
    services = open_services(
        tmp_path / "b",
        name=bo_name,
        role="backoffice",
        teams=("afval",),
        server_url=live_server.url,
        token=bo_token,
    )
    services.sync.now()
    app = LoketApp(services)

    def attempts() -> list:
        task = services.tasks.get(task_id)
        return [s for s in task.log if s.action == "callback_attempt"]

    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: task_id in getattr(app.screen, "tasks", {}))
            await pilot.press("c")
            await wait_for(pilot, lambda: str(services.tasks.get(task_id).status) == "claimed")
            await wait_for(pilot, lambda: "Terugbelpoging" in screen_text(app).splitlines()[-1])
            from loket.tui.commands import binding_commands

            names = [name for name, _, _ in binding_commands(app.screen)]
            assert "Terugbelpoging" in names and "Bekijk taak" in names  # the palette
            # No answer to "reached?": refused with the reason, nothing logged.
            await pilot.press("p")
            await wait_for(pilot, lambda: app.screen.id != "worklist")
            await pilot.press("tab", *"x", "enter")
            await wait_for(pilot, lambda: app.screen.id == "worklist")
            assert attempts() == []
            # A failed attempt, then a successful one.
            await pilot.press("p")
            await wait_for(pilot, lambda: app.screen.id != "worklist")
            await _choose(pilot, 1)  # niet gelukt
            await pilot.press(*"Voicemail", "enter")
            await wait_for(pilot, lambda: len(attempts()) == 1)
            await pilot.press("p")
            await wait_for(pilot, lambda: app.screen.id != "worklist")
            await _choose(pilot, 0)  # gelukt
            await pilot.press(*"Nieuwe kliko besteld", "enter")
            await wait_for(pilot, lambda: len(attempts()) == 2)
            assert [s.reached for s in attempts()] == [False, True]
            # The count column shows both attempts.
            table = app.screen.query_one("#tasks")
            await wait_for(pilot, lambda: str(table.get_row(task_id)[4]) == "2")
            # The full task view: every section and the whole log, scrollable at 80x24.
            await pilot.press("v")
            await wait_for(pilot, lambda: app.screen.id == "task-view")
            await pilot.pause(0.1)
            lines = screen_text(app).splitlines()
            assert len(lines) == 24 and all(len(line) <= 80 for line in lines)
            shown = app.screen.query_one("#task-view-text").render().plain  # type: ignore[union-attr]
            for part in (
                "Kliko kapot",
                "afvalcontainer",
                "J. de Vries 0612345678 (ochtend)",
                "Deksel afgebroken bij het legen",
                "Terugbelpogingen (2)",
                "niet gelukt: Voicemail",
                "gelukt: Nieuwe kliko besteld",
                "aangemaakt",
                "opgepakt",
            ):
                assert part in shown, f"{part!r} missing from the task view"
            body = app.screen.query_one("#task-view-body")
            assert body.max_scroll_y > 0  # more than fits: it scrolls
            await pilot.press("end")
            await wait_for(pilot, lambda: body.scroll_y == body.max_scroll_y)
            assert "terugbelpoging gelukt: Nieuwe kliko besteld" in screen_text(app)
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.screen.id == "worklist")
        services.sync.now()
    finally:
        services.close()
    remote = live_server.client(bo_token).get(f"/api/v1/tasks/{task_id}").json()
    steps = [(s["action"], s["reached"], s["note"]) for s in remote["log"]]
    assert ("callback_attempt", False, "Voicemail") in steps
    assert ("callback_attempt", True, "Nieuwe kliko besteld") in steps
    assert remote["status"] == "claimed" and remote["assignee"] == bo_name
