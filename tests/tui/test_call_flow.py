"""The call flow on screen: free → take call → talk → wrap-up → next; discard; Ctrl+Q asks."""

from __future__ import annotations

from pathlib import Path

from loket.domain.models import ContactStatus
from loket.tui.app import LoketApp
from loket.tui.workspace import CallState
from tests.tui.helpers import SIZE, burst, open_services, screen_text, take_call, wait_for


async def test_console_starts_free_and_f12_takes_the_call(tmp_path: Path) -> None:
    services = open_services(tmp_path)
    app = LoketApp(services)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: getattr(app.screen, "workspace", None) is not None)
            screen = app.screen
            assert screen.contact is None and screen.state == CallState.WAITING
            await wait_for(pilot, lambda: "vrij" in screen_text(app).splitlines()[0])
            assert screen.panel.disabled  # nothing to type into before a call is taken
            await pilot.press("f5", "f8")  # no call: nothing happens, nothing stored
            assert services.contacts.recent() == []
            await pilot.press("f12")
            await wait_for(pilot, lambda: screen.contact is not None)
            assert not screen.panel.disabled
            await wait_for(pilot, lambda: "gesprek" in screen_text(app).splitlines()[0])
    finally:
        services.close()


async def test_misdial_discarded_after_confirmation(tmp_path: Path) -> None:
    services = open_services(tmp_path)
    app = LoketApp(services)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await take_call(pilot)
            screen = app.screen
            contact_id = screen.contact.id
            burst(app, "f4", "tab", *"0612345678", "f8")  # parked: stored, valid
            await wait_for(pilot, lambda: screen.contact is None)
            assert services.contacts.get(contact_id).status == ContactStatus.OPEN
            burst(app, "f9")
            await wait_for(pilot, lambda: app.screen.id == "switcher")
            await pilot.press("enter")
            await wait_for(pilot, lambda: screen.contact is not None)
            await pilot.press("ctrl+o")
            await wait_for(pilot, lambda: app.screen.id == "confirm-dialog")
            await pilot.press("n")  # no: nothing changes
            await wait_for(pilot, lambda: app.screen is screen)
            assert screen.contact.id == contact_id
            await pilot.press("ctrl+o")
            await wait_for(pilot, lambda: app.screen.id == "confirm-dialog")
            await pilot.press("j")
            await wait_for(pilot, lambda: screen.contact is None)
            assert screen.state == CallState.WAITING
        assert services.contacts.get(contact_id).status == ContactStatus.DISCARDED
        assert services.figures.daily(central=False)["contacts"] == 0
    finally:
        services.close()


async def test_ctrl_q_with_an_open_contact_asks_first(tmp_path: Path) -> None:
    services = open_services(tmp_path)
    app = LoketApp(services)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await take_call(pilot)
            screen = app.screen
            burst(app, "f3", *"Half getypt")
            await pilot.press("ctrl+q")
            await wait_for(pilot, lambda: app.screen.id == "confirm-dialog")
            assert "1 open" in screen_text(app)
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.screen is screen)
            assert app.is_running
            contact_id = screen.contact.id
            await pilot.press("ctrl+q")
            await wait_for(pilot, lambda: app.screen.id == "confirm-dialog")
            await pilot.press("enter")
            await wait_for(pilot, lambda: not app.is_running)
        draft = services.contacts.drafts()[f"contact:{contact_id}"]["contact"]
        assert draft["questions"][0]["notes"] == "Half getypt"  # kept for the next start
    finally:
        services.close()


async def test_wrapup_notes_continue_at_the_end_and_count_characters(tmp_path: Path) -> None:
    services = open_services(tmp_path)
    app = LoketApp(services)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await take_call(pilot)
            screen = app.screen
            burst(app, "f3", *"Paspoort kwijt", "f5", *" en nawerk")
            await wait_for(pilot, lambda: screen.state == CallState.WRAPUP)
            await wait_for(pilot, lambda: screen.query_one("#notes").text.endswith("nawerk"))
            assert screen.query_one("#notes").text == "Paspoort kwijt en nawerk"
            # (read from the border: a toast may cover that corner of the screen)
            notes = screen.query_one("#notes")
            await wait_for(pilot, lambda: notes.border_subtitle == "24/1000 tekens")
            contact_id = screen.contact.id
            await pilot.press("f12")
            await wait_for(pilot, lambda: screen.contact.id != contact_id)
            await wait_for(pilot, lambda: notes.border_subtitle == "0/1000 tekens")
        stored = services.contacts.get(contact_id)
        assert stored.questions[0].notes == "Paspoort kwijt en nawerk"
    finally:
        services.close()


async def test_alt_keys_switch_screens_with_focus_in_the_search_box(tmp_path: Path) -> None:
    services = open_services(tmp_path, role="supervisor", teams=())
    app = LoketApp(services)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: app.screen.id not in (None, "_default"))
            await pilot.press("alt+l")
            await wait_for(pilot, lambda: app.screen.id == "agent")
            await wait_for(pilot, lambda: app.focused is not None and app.focused.id == "search")
            await pilot.press("alt+s")
            await wait_for(pilot, lambda: app.current_mode == "queue")
            await pilot.press("alt+l")
            await wait_for(pilot, lambda: app.screen.id == "agent")
            assert app.screen.query_one("#search").value == ""  # no letter typed into it
    finally:
        services.close()
