"""The browser console's login screen (loket web) against a live central store: a wrong
token is refused with a Dutch message, the right one opens that user's console and role."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input

from loket.config import Settings
from loket.services import log_in
from loket.tui.app import LoketApp
from loket.tui.screens.login import LoginScreen
from tests.tui.helpers import SIZE, screen_text, wait_for, warm_kb_index


async def test_login_refuses_a_wrong_token_then_opens_the_users_console(
    tmp_path: Path, live_server
) -> None:
    name, token = live_server.make_user("backoffice", ["burgerzaken"])
    warm_kb_index(tmp_path)
    settings = Settings(state_dir=tmp_path, sync_interval=3600.0)
    app = LoketApp(log_in=lambda typed: log_in(settings, live_server.url, typed))
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen))
            assert "Inloggen bij loket" in screen_text(app)
            await pilot.press(*"wrong-token", "enter")
            await wait_for(pilot, lambda: "Onbekend of geblokkeerd token" in screen_text(app))
            assert app.services is None
            field = app.screen.query_one("#login-token", Input)
            assert field.value == "" and not field.disabled
            await pilot.press(*token, "enter")
            await wait_for(pilot, lambda: app.services is not None)
            assert app.services.user.name == name and app.services.user.role == "backoffice"
            await wait_for(pilot, lambda: not isinstance(app.screen, LoginScreen))
            assert token not in screen_text(app)
    finally:
        if app.services is not None:
            app.services.close()


async def test_login_says_when_the_server_is_unreachable(tmp_path: Path) -> None:
    settings = Settings(state_dir=tmp_path, sync_interval=3600.0)
    app = LoketApp(log_in=lambda typed: log_in(settings, "http://127.0.0.1:9", typed))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen))
        await pilot.press(*"some-token", "enter")
        await wait_for(pilot, lambda: "niet bereikbaar" in screen_text(app), timeout=15)
        assert app.services is None
