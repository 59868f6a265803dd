"""Snapshots (pytest-textual-snapshot) of the console's main screens and dialogs, at 80x24 in
the default and the 16-colour `--ansi` theme, and at 120x40.

Everything that depends on the hour is frozen: the console runs on a fixed clock
(`LoketApp(clock=...)`: status-line timer, waiting times, SLA urgency, today's figures),
every record is made at a fixed moment, and no server is involved (no sync times, no ids on
screen). A changed screen fails here; look at the report, then accept it with
`pytest tests/tui/test_snapshots.py --snapshot-update` once it is right.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, TextArea

from loket.domain.models import Callback, Contact, ContactStatus, Customer
from loket.services import ConsoleServices
from loket.tui.app import LoketApp
from loket.tui.screens.cheat_sheet import CheatSheet
from tests.tui.helpers import open_services, screen_text, wait_for

# A Tuesday, 10:00 in Amsterdam: inside office hours, so SLA clocks run.
FROZEN = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)

SIZES = [
    pytest.param((80, 24), False, id="80x24"),
    pytest.param((80, 24), True, id="80x24-ansi"),
    pytest.param((120, 40), False, id="120x40"),
]


class Clock:
    """The console's clock in these tests: stands still unless a test moves it."""

    def __init__(self, at: datetime = FROZEN) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


Scene = Callable[[Any, Clock], Awaitable[None]]


def _snapshot(
    snap_compare: Any,
    services: ConsoleServices,
    size: tuple[int, int],
    ansi: bool,
    scene: Scene,
    clock: Clock | None = None,
) -> bool:
    clock = clock or Clock()
    app = LoketApp(services, ansi=ansi, clock=clock)

    async def run_before(pilot: Any) -> None:
        await scene(pilot, clock)
        await _settle(pilot)

    try:
        return bool(snap_compare(app, terminal_size=size, run_before=run_before))
    finally:
        services.close()


async def _quiet(pilot: Any) -> None:
    """No toasts left on the screen a dialog is about to cover (they would stay under it)."""
    pilot.app.clear_notifications()
    await pilot.pause()


async def _settle(pilot: Any) -> None:
    """No toast (they time out), no blinking cursor, every worker done."""
    app = pilot.app
    await app.workers.wait_for_complete()
    await pilot.pause()
    app.clear_notifications()
    for screen in app.screen_stack:
        for field in screen.query("Input, TextArea"):
            assert isinstance(field, Input | TextArea)
            field.cursor_blink = False
    await pilot.pause()


# -- scenes ----------------------------------------------------------------------------------


async def _agent_ready(pilot: Any) -> Any:
    app = pilot.app
    await wait_for(pilot, lambda: getattr(app.screen, "workspace", None) is not None)
    return app.screen


async def _take_call(pilot: Any, clock: Clock) -> Any:
    screen = await _agent_ready(pilot)
    before = screen.contact
    await pilot.press("f12")
    await wait_for(pilot, lambda: screen.contact is not None and screen.contact is not before)
    return screen


async def _timer_shows(pilot: Any, elapsed: str) -> None:
    """The status line's timer (it ticks each second) has caught up with the moved clock."""
    await wait_for(pilot, lambda: elapsed in screen_text(pilot.app).splitlines()[0])


async def _contact_in_progress(pilot: Any, clock: Clock) -> None:
    """A call 3:25 in: the customer, the article on a lost passport, a note."""
    screen = await _take_call(pilot, clock)
    await pilot.press("f2", *"paspoort kwijt")
    await wait_for(pilot, lambda: "Paspoort" in screen_text(pilot.app))
    await pilot.press("enter")
    await wait_for(pilot, lambda: screen.question.products == ["paspoort"])
    await pilot.press("f4", *"J. de Vries", "tab", *"0612345678")
    await pilot.press("f3", *"Paspoort verloren in de trein, aangifte gedaan.")
    clock.advance(3 * 60 + 25)
    await _timer_shows(pilot, "03:25")


async def _route_dialog(pilot: Any, clock: Clock) -> None:
    await _contact_in_progress(pilot, clock)
    await _quiet(pilot)
    await pilot.press("f6")
    await wait_for(pilot, lambda: pilot.app.screen.id == "route-dialog")


async def _switcher(pilot: Any, clock: Clock) -> None:
    """Two parked contacts and a third on the line."""
    for name, subject in (("M. Jansen", "Kliko kapot"), ("P. Bakker", "Parkeervergunning")):
        screen = await _take_call(pilot, clock)
        await pilot.press("f4", *name)
        await pilot.press("f7")  # the subject line of the question
        screen.panel.query_one("#question-subject", Input).value = subject
        clock.advance(95)
        await pilot.press("f8")
        await wait_for(pilot, lambda: pilot.app.screen.contact is None)
        clock.advance(40)
    await _take_call(pilot, clock)
    clock.advance(30)
    await _timer_shows(pilot, "00:30")
    await _quiet(pilot)
    await pilot.press("f9")
    await wait_for(pilot, lambda: pilot.app.screen.id == "switcher")


async def _cheat_sheet(pilot: Any, clock: Clock) -> None:
    """With a call taken: the contact's keys are in it too."""
    await _take_call(pilot, clock)
    await _quiet(pilot)
    await pilot.press("f1")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, CheatSheet))


async def _worklist(pilot: Any, clock: Clock) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: app.screen.id == "worklist")
    await wait_for(pilot, lambda: len(app.screen.tasks) == 3)


async def _queues(pilot: Any, clock: Clock) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: app.screen.id == "queue")
    await wait_for(pilot, lambda: "Afval" in screen_text(app))


# -- data ------------------------------------------------------------------------------------


def _routed(
    services: ConsoleServices, subject: str, team: str, product: str, at: datetime, name: str
) -> None:
    """A phone contact at `at` whose question went to `team`, and one resolved at once."""
    contact = Contact(agent="anna", channel="telefoon", started_at=at)
    contact.customer = Customer(name=name, phone="0612345678")
    contact.questions[0].text = subject
    services.contacts.route_question(
        contact,
        contact.questions[0].id,
        team=team,
        internal_note="Graag terugbellen",
        callback=Callback(name=name, phone="0612345678"),
        intake={},
        product=product,
        now=at,
    )


def _resolved(services: ConsoleServices, at: datetime, seconds: int) -> None:
    contact = Contact(agent="anna", channel="telefoon", started_at=at)
    contact.questions[0].text = "Openingstijden"
    contact.questions[0].outcome = "zelfstandig afgehandeld"
    contact.ended_at = at + timedelta(seconds=seconds)
    contact.status = ContactStatus.CLOSED
    services.contacts.save(contact)


def _seed_tasks(services: ConsoleServices) -> None:
    for hours, subject, product, name in (
        (26, "Kliko kapot na lediging", "afvalcontainer", "M. Jansen"),
        (5, "Grofvuil niet opgehaald", "afvalinzameling-grofvuil", "P. Bakker"),
        (1, "Extra container aanvragen", "afvalcontainer", "S. de Groot"),
    ):
        at = FROZEN - timedelta(hours=hours)
        _routed(services, subject, "afval", product, at, name)


# -- tests -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("size", "ansi"), SIZES)
def test_agent_screen_with_a_contact_in_progress(
    snap_compare: Any, tmp_path: Path, size: tuple[int, int], ansi: bool
) -> None:
    services = open_services(tmp_path)
    assert _snapshot(snap_compare, services, size, ansi, _contact_in_progress)


@pytest.mark.parametrize(("size", "ansi"), SIZES)
def test_route_dialog(snap_compare: Any, tmp_path: Path, size: tuple[int, int], ansi: bool) -> None:
    services = open_services(tmp_path)
    assert _snapshot(snap_compare, services, size, ansi, _route_dialog)


@pytest.mark.parametrize(("size", "ansi"), SIZES)
def test_switcher_with_two_parked_contacts(
    snap_compare: Any, tmp_path: Path, size: tuple[int, int], ansi: bool
) -> None:
    services = open_services(tmp_path)
    assert _snapshot(snap_compare, services, size, ansi, _switcher)


@pytest.mark.parametrize(("size", "ansi"), SIZES)
def test_cheat_sheet(snap_compare: Any, tmp_path: Path, size: tuple[int, int], ansi: bool) -> None:
    services = open_services(tmp_path)
    assert _snapshot(snap_compare, services, size, ansi, _cheat_sheet)


@pytest.mark.parametrize(("size", "ansi"), SIZES)
def test_back_office_worklist(
    snap_compare: Any, tmp_path: Path, size: tuple[int, int], ansi: bool
) -> None:
    services = open_services(tmp_path, name="bert", role="backoffice", teams=("afval",))
    _seed_tasks(services)
    assert _snapshot(snap_compare, services, size, ansi, _worklist)


@pytest.mark.parametrize(("size", "ansi"), SIZES)
def test_supervisor_queues(
    snap_compare: Any, tmp_path: Path, size: tuple[int, int], ansi: bool
) -> None:
    services = open_services(tmp_path, name="sanne", role="supervisor", teams=())
    _seed_tasks(services)
    for minutes, seconds in ((20, 240), (45, 380), (70, 150)):
        _resolved(services, FROZEN - timedelta(minutes=minutes), seconds)
    assert _snapshot(snap_compare, services, size, ansi, _queues)
