"""The demo's server address and second-console command inside the console (issue 10 §5):
in the F1 help and as a palette entry, not only printed before the screen covers them."""

from __future__ import annotations

from pathlib import Path

from loket.tui.app import LoketApp
from loket.tui.screens.cheat_sheet import CheatSheet
from tests.tui.helpers import SIZE, open_services, screen_text, wait_for

URL = "http://127.0.0.1:8751"
COMMAND = f"loket console --server {URL} --token T0K3N"


async def test_help_and_palette_name_the_server_and_the_second_console(tmp_path: Path) -> None:
    services = open_services(tmp_path)
    app = LoketApp(services, server_url=URL, second_console=COMMAND)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: getattr(app.screen, "workspace", None) is not None)
            await pilot.press("f1")
            await wait_for(pilot, lambda: isinstance(app.screen, CheatSheet))
            text = screen_text(app).replace("\n", " ")
            assert URL in text and "loket console --server" in text
            await pilot.press("escape")
            await wait_for(pilot, lambda: not isinstance(app.screen, CheatSheet))
            app.clear_notifications()
            await pilot.press("ctrl+p", *"tweede console")
            await pilot.pause(0.5)
            await pilot.press("enter")
            await wait_for(pilot, lambda: any(COMMAND in n.message for n in app._notifications))
    finally:
        services.close()


async def test_without_a_server_address_there_is_no_such_entry(tmp_path: Path) -> None:
    services = open_services(tmp_path)
    app = LoketApp(services)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: getattr(app.screen, "workspace", None) is not None)
            await pilot.press("f1")
            await wait_for(pilot, lambda: isinstance(app.screen, CheatSheet))
            assert "Centrale server" not in screen_text(app)
    finally:
        services.close()
