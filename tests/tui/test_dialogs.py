"""The console's dialogs at 80x24: every field is seen as a field (also in the 16-colour
theme) and reached with Tab alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, TextArea

from loket.tui.app import LoketApp
from loket.tui.screens.prompt_dialog import PromptDialog
from tests.tui.helpers import (
    SIZE,
    burst,
    open_services,
    open_worklist,
    route_locally,
    take_call,
    wait_for,
)


async def _open_route_dialog(pilot: Any) -> Any:
    """A call on a lost passport (a team with intake questions), then F6."""
    app = pilot.app
    await take_call(pilot)
    await pilot.press("f2", *"paspoort kwijt")
    await wait_for(pilot, lambda: app.screen.query("#results").first().option_count > 0)
    await pilot.press("enter")
    await wait_for(pilot, lambda: app.screen.question.products == ["paspoort"])
    await pilot.press("f6")
    await wait_for(pilot, lambda: app.screen.id == "route-dialog")
    dialog = app.screen
    await wait_for(pilot, lambda: isinstance(app.focused, Input))
    return dialog


@pytest.mark.parametrize("ansi", [False, True], ids=["default", "ansi"])
async def test_route_dialog_marks_every_field(tmp_path: Path, ansi: bool) -> None:
    """A field has a background of its own, unlike the dialog around it, focused or not."""
    services = open_services(tmp_path)
    app = LoketApp(services, ansi=ansi)
    try:
        async with app.run_test(size=SIZE) as pilot:
            dialog = await _open_route_dialog(pilot)
            box = dialog.query_one("#route-box").styles.background
            fields = list(dialog.query("Input, TextArea").results())
            assert len(fields) >= 6  # intake answers, note, name, phone, e-mail, time
            for field in fields:
                assert isinstance(field, Input | TextArea)
                assert field.styles.background != box, field.id or field.__class__.__name__
                if ansi:  # the terminal's own colours: no shade of the background
                    assert field.styles.background.ansi is not None
            focused = app.focused
            assert focused is not None
            others = [f for f in fields if f is not focused]
            assert focused.styles.background != others[0].styles.background
    finally:
        services.close()


def _view_of(widget: Any, dialog: Any) -> Any:
    """The part of the screen where `widget` can be seen: its scrolling container's view."""
    node = widget.parent
    while node is not None and node is not dialog:
        if node.is_scrollable and node.allow_vertical_scroll:
            return node.content_region
        node = node.parent
    return dialog.region


async def _tab_round(pilot: Any, dialog: Any, limit: int = 30) -> list[Any]:
    """Tab from the focused field until focus comes back: the fields in Tab order. Each
    must be on screen (scrolled into the dialog's view) once it has the focus."""
    app = pilot.app
    start = app.focused
    seen = [start]
    for _ in range(limit):
        await pilot.press("tab")
        await pilot.pause()
        focused = app.focused
        assert focused is not None and focused.screen is dialog
        if focused is start:
            return seen
        view = _view_of(focused, dialog)
        assert view.contains_region(focused.region), f"{focused.id} is off screen when focused"
        seen.append(focused)
    raise AssertionError(f"Tab never came back to {start.id}: {[w.id for w in seen]}")


async def test_tab_reaches_every_field_of_the_route_dialog(tmp_path: Path) -> None:
    services = open_services(tmp_path)
    app = LoketApp(services)
    try:
        async with app.run_test(size=SIZE) as pilot:
            dialog = await _open_route_dialog(pilot)
            fields = list(dialog.query("Input, TextArea, Select").results())
            reached = await _tab_round(pilot, dialog)
            missing = [f.id or f.__class__.__name__ for f in fields if f not in reached]
            assert not missing, f"not reached with Tab: {missing}"
            assert len(reached) == len(fields)  # no stop that is not a field
            # Shift+Tab goes back the same way.
            await pilot.press("shift+tab")
            assert app.focused is reached[-1]
    finally:
        services.close()


@pytest.mark.parametrize("ansi", [False, True], ids=["default", "ansi"])
async def test_forward_dialog_fields_are_marked_and_reached_with_tab(
    tmp_path: Path, ansi: bool
) -> None:
    """The worklist's forward dialog (a team to choose, a note): both by Tab, both seen."""
    services = open_services(tmp_path, name="bert", role="backoffice", teams=("afval",))
    route_locally(services, "Kliko kapot")
    app = LoketApp(services, ansi=ansi)
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_worklist(pilot)
            await wait_for(pilot, lambda: len(screen.tasks) == 1)
            await pilot.press("d")
            await wait_for(pilot, lambda: isinstance(app.screen, PromptDialog))
            dialog = app.screen
            note = dialog.query_one("#prompt-text", Input)
            box = note.parent.styles.background
            assert note.styles.background != box
            reached = await _tab_round(pilot, dialog)
            assert [w.id for w in reached] == ["prompt-choice", "prompt-text"]
    finally:
        services.close()


async def test_a_burst_of_keys_with_tabs_fills_the_route_dialog_field_by_field(
    tmp_path: Path,
) -> None:
    """Typed in one burst (a slow link, a text expander): each answer in its own field."""
    services = open_services(tmp_path)
    app = LoketApp(services)
    try:
        async with app.run_test(size=SIZE) as pilot:
            dialog = await _open_route_dialog(pilot)
            burst(app, *"pas", "tab", *"nee", "tab", *"notitie", "tab", *"Jan", "tab", *"06")
            phone = dialog.query_one("#route-phone", Input)
            await wait_for(pilot, lambda: phone.value == "06")
            answers = [a.value for a in dialog.query("#route-intake Input").results(Input)]
            assert answers == ["pas", "nee"]
            assert dialog.query_one("#route-note", TextArea).text == "notitie"
            assert dialog.query_one("#route-name", Input).value == "Jan"
    finally:
        services.close()
