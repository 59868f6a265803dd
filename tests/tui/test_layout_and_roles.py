"""80x24 rendering, keys, ANSI mode, and the back-office and supervisor screens."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable
from typer.testing import CliRunner

from loket.domain.models import Callback
from loket.tui.app import LoketApp
from tests.tui.helpers import (
    SIZE,
    open_services,
    route_locally,
    screen_text,
    take_call,
    wait_for,
)


async def test_agent_screen_fits_80x24_with_footer_and_status(tmp_path: Path) -> None:
    services = open_services(tmp_path)
    app = LoketApp(services)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await take_call(pilot)
            # The contact panel mounts after the first frame; its bindings then join the footer.
            await wait_for(pilot, lambda: "F8 Parkeer" in screen_text(app).splitlines()[-1])
            lines = screen_text(app).splitlines()
            assert len(lines) == 24
            assert all(len(line) <= 80 for line in lines)
            status, footer = lines[0], lines[-1]
            assert "anna (agent)" in status and "uit 0" in status and "⏱" in status
            for key in ("F2 Zoeken", "F5 Afhandelen", "F6 Doorzetten", "F8 Parkeer", "F1 Hulp"):
                assert key in footer, f"{key!r} missing from footer: {footer!r}"
            await pilot.press("f1")  # cheat sheet lists keys that are not in the footer
            await wait_for(pilot, lambda: app.screen.id == "cheat-sheet")
            text = screen_text(app)
            assert "Notities" in text and "Synchroniseer" in text
            # The table scrolls at 80x24 (its footer lines stay in view): every key is in it.
            table = app.screen.query_one(DataTable)
            table.scroll_end(animate=False)
            await pilot.pause()
            assert "Werkvoorraad" in screen_text(app)
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.screen.id == "agent")
    finally:
        services.close()


async def test_ansi_theme_and_palette_follow_the_screen(tmp_path: Path) -> None:
    services = open_services(tmp_path)
    app = LoketApp(services, ansi=True)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await take_call(pilot)
            assert app.theme == "ansi-dark" and app.ansi_color
            from loket.tui.commands import binding_commands

            names = [name for name, _, _ in binding_commands(app.screen)]
            assert "Doorzetten" in names and "Parkeer" in names
            await pilot.press("f8")  # park: the palette now offers to reopen it
            await pilot.pause(0.1)
            offered = [name for name, _, _ in app.screen.palette_commands()]
            assert len(offered) == 1 and offered[0].startswith("Open contact")
    finally:
        services.close()


async def test_backoffice_worklist_claim_and_resolve(tmp_path: Path, live_server) -> None:
    agent_name, agent_token = live_server.make_user("agent", ["kcc"])
    bo_name, bo_token = live_server.make_user("backoffice", ["afval"])
    agent = open_services(
        tmp_path / "a", name=agent_name, server_url=live_server.url, token=agent_token
    )
    task = route_locally(agent, "Kliko kapot", note="Deksel kapot")
    agent.sync.now()
    agent.close()
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
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: app.screen.id == "worklist")
            await wait_for(pilot, lambda: task.id in getattr(app.screen, "tasks", {}))
            # the footer's keys are painted a refresh after the tasks arrive
            await wait_for(pilot, lambda: "Oppakken" in screen_text(app).splitlines()[-1])
            text = screen_text(app)
            assert "Kliko kapot" in text and "nog" in text  # SLA label
            await pilot.press("c")
            await wait_for(pilot, lambda: str(services.tasks.get(task.id).status) == "claimed")
            await pilot.press("r")
            await pilot.pause(0.1)
            await pilot.press(*"Nieuwe kliko besteld", "enter")
            await wait_for(pilot, lambda: str(services.tasks.get(task.id).status) == "done")
        services.sync.now()
        remote = live_server.client(bo_token).get(f"/api/v1/tasks/{task.id}")
        assert remote.json()["status"] == "done"
        assert remote.json()["resolution"] == "Nieuwe kliko besteld"
    finally:
        services.close()


async def test_supervisor_sees_queues_per_team(tmp_path: Path) -> None:
    services = open_services(tmp_path, name="eva", role="supervisor", teams=())
    contact = services.contacts.new("balie")
    contact.questions[0].text = "Bijstand"
    services.contacts.route_question(
        contact,
        contact.questions[0].id,
        team="werk-inkomen",
        internal_note="Acute geldnood",
        callback=Callback(phone="0612345678"),
        intake={},
        product="bijstand",
    )
    app = LoketApp(services)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: app.screen.id == "queue")
            await wait_for(pilot, lambda: "Werk en inkomen" in screen_text(app))
            assert "Contacten: 1" in screen_text(app)
            await pilot.press("alt+l")  # switch to the agent screen by key
            await wait_for(pilot, lambda: app.screen.id == "agent")
    finally:
        services.close()


def test_cli_offers_console_and_demo_with_mouse_and_ansi_switches() -> None:
    from loket.cli import app

    result = CliRunner().invoke(app, ["console", "--help"])
    assert result.exit_code == 0
    assert "--no-mouse" in result.output and "--ansi" in result.output
    assert CliRunner().invoke(app, ["demo", "--help"]).exit_code == 0


def test_supervisor_figures_follow_the_report_definition() -> None:
    from datetime import UTC, datetime, timedelta

    from loket.domain.kpi import daily_report
    from loket.domain.models import Contact, ContactStatus, Question
    from loket.tui.screens.queue import today_figures

    now = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # mid-morning: all on one local day

    def closed(outcome: str) -> Contact:
        return Contact(
            started_at=now - timedelta(minutes=4),
            ended_at=now - timedelta(minutes=1),
            status=ContactStatus.CLOSED,
            questions=[Question(text="x", outcome=outcome)],
        )

    contacts = [closed("zelfstandig afgehandeld"), closed("verbinding verbroken")]
    figures = today_figures(daily_report(contacts, [], now))
    # A dropped call is not a failed resolution: FCR 100 %, as in /stats and `loket report`.
    assert figures == {"contacts": "2", "fcr": "100%", "aht": "03:00", "routed": "0"}


async def test_backoffice_shows_the_bsn_with_a_reason(tmp_path: Path, live_server) -> None:
    from loket.domain.models import Customer

    agent_name, agent_token = live_server.make_user("agent", ["kcc"])
    bo_name, bo_token = live_server.make_user("backoffice", ["afval"])
    agent = open_services(
        tmp_path / "a", name=agent_name, server_url=live_server.url, token=agent_token
    )
    contact = agent.contacts.new("telefoon")
    contact.customer = Customer(name="Jan", bsn="111222333")
    contact.questions[0].text = "Kliko kapot"
    _, task = agent.contacts.route_question(
        contact,
        contact.questions[0].id,
        team="afval",
        internal_note="Deksel kapot",
        callback=Callback(phone="0612345678"),
        intake={},
        product="afvalcontainer",
    )
    agent.sync.now()
    agent.close()
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
    shown: list[str] = []
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: task.id in getattr(app.screen, "tasks", {}))
            # Notifications are where the number appears (never in the table or a field).
            app.notify = lambda message, **kw: shown.append(str(message))  # type: ignore[method-assign]
            await pilot.press("b")
            await wait_for(pilot, lambda: app.screen.id != "worklist")
            await pilot.press("enter")  # no reason: the server refuses, nothing shown
            await wait_for(pilot, lambda: bool(shown))
            assert "reden" in shown[-1] and "111222333" not in shown[-1]
            await pilot.press("b")
            await wait_for(pilot, lambda: app.screen.id != "worklist")
            await pilot.press(*"Inwoner opzoeken in BRP", "enter")
            await wait_for(pilot, lambda: any("111222333" in m for m in shown))
    finally:
        services.close()
    admin = live_server.client(live_server.make_user("admin")[1])
    log = admin.get("/api/v1/access-log").json()["items"]
    shows = [(e["user"], e["contact_id"], e["note"]) for e in log if e["reason"] == "show_bsn"]
    assert shows == [(bo_name, contact.id, "Inwoner opzoeken in BRP")]


async def test_notices_do_not_stack_up_over_the_screen(tmp_path: Path) -> None:
    services = open_services(tmp_path)
    app = LoketApp(services)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await take_call(pilot)
            app.notify("eerste")
            app.notify("fout", severity="error")
            for text in ("tweede", "derde", "vierde"):
                app.notify(text)
            await pilot.pause(0.1)
            assert [str(n.message) for n in app._notifications] == ["fout", "vierde"]
    finally:
        services.close()


async def test_below_80x24_the_console_says_so_and_keeps_the_work(tmp_path: Path) -> None:
    services = open_services(tmp_path)
    app = LoketApp(services)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await take_call(pilot)
            contact_id = app.screen.contact.id
            await pilot.resize_terminal(70, 20)
            await wait_for(pilot, lambda: app.screen.id == "too-small")
            assert "70×20" in screen_text(app) and "80×24" in screen_text(app)
            await pilot.resize_terminal(79, 30)  # still too narrow: the size follows
            await wait_for(pilot, lambda: "79×30" in screen_text(app))
            await pilot.resize_terminal(*SIZE)
            await wait_for(pilot, lambda: app.screen.id == "agent")
            assert app.screen.contact.id == contact_id
    finally:
        services.close()


async def test_a_larger_terminal_gives_the_panes_and_columns_more_room(tmp_path: Path) -> None:
    services = open_services(tmp_path)
    route_locally(services, "Container aan de openbare weg niet geleegd", team="afval")
    app = LoketApp(services)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await take_call(pilot)
            left, notes = app.screen.query_one("#agent-left"), app.screen.query_one("#notes")
            small = (left.size.width, notes.size.height)
            await pilot.resize_terminal(120, 40)
            await pilot.pause(0.2)
            assert left.size.width > small[0] and notes.size.height > small[1]
            await pilot.press("alt+w")
            await wait_for(pilot, lambda: app.screen.id == "worklist")
            table = app.screen.query_one("#tasks")
            await wait_for(pilot, lambda: table.row_count == 1)
            wide = {str(key.value): col.width for key, col in table.columns.items()}
            await pilot.resize_terminal(*SIZE)
            await pilot.pause(0.2)
            narrow = {str(key.value): col.width for key, col in table.columns.items()}
            assert wide["team"] > narrow["team"] and wide["subject"] > narrow["subject"]
            lines = screen_text(app).splitlines()
            assert all(len(line) <= 80 for line in lines)
    finally:
        services.close()


def test_a_sync_report_before_the_status_line_is_composed_is_no_error() -> None:
    """The sync thread may report while a screen is still being built."""
    from loket.tui.widgets.status_line import StatusLine

    line = StatusLine()
    line.set_sync(None)  # before its parts exist: nothing to update, no NoMatches
    assert not line.has_class("-offline")
