"""Keys typed in one burst (a slow SSH link, a text expander) end up on the contact they
were typed for: every action that saves, parks, switches or routes takes them all first."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Select

from loket.domain.models import OUTCOME_RESOLVED, ContactStatus
from loket.tui.app import LoketApp
from loket.tui.messages import ContactClosed
from tests.tui.helpers import SIZE, Recorder, burst, open_services, take_call, wait_for

NOTE_A = "Paspoort kwijt in de trein, belt morgen terug over de aangifte"
NOTE_B = "Vraagt naar de ophaaldag van het grofvuil"


def caller(name: str, phone: str, notes: str) -> list[str]:
    """F4 lands on the name, Tab moves to the phone, F3 to the notes."""
    return ["f4", *name, "tab", *phone, "f3", *notes]


def closed_ids(recorder: Recorder) -> list[str]:
    return list(dict.fromkeys(m.contact_id for m in recorder.of(ContactClosed)))


async def _ready(pilot, app) -> None:
    await take_call(pilot)


async def test_two_callers_in_one_burst_with_f5_are_stored_field_by_field(tmp_path: Path) -> None:
    services = open_services(tmp_path)
    recorder = Recorder(ContactClosed)
    app = LoketApp(services)
    try:
        async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
            await _ready(pilot, app)
            burst(
                app,
                *caller("Jan Jansen", "0612345678", NOTE_A),
                "f5",
                "f12",
                *caller("Piet Pietersen", "0687654321", NOTE_B),
                "f5",
                "f12",
                *caller("Klaas", "0201234567", "Derde"),
            )
            await wait_for(pilot, lambda: len(closed_ids(recorder)) == 2)
            screen = app.screen
            await wait_for(pilot, lambda: screen.contact.questions[0].notes == "Derde")
            await pilot.pause(0.2)
            third = screen.contact
            assert third.customer is not None and third.customer.name == "Klaas"
            assert third.customer.phone == "0201234567"
            assert third.questions[0].notes == "Derde"
        first, second = (services.contacts.get(i) for i in closed_ids(recorder))
        assert first.status == second.status == ContactStatus.CLOSED
        assert (first.customer.name, first.customer.phone) == ("Jan Jansen", "+31612345678")
        assert first.questions[0].notes == NOTE_A
        assert first.questions[0].outcome == OUTCOME_RESOLVED
        assert (second.customer.name, second.customer.phone) == ("Piet Pietersen", "+31687654321")
        assert second.questions[0].notes == NOTE_B
        assert second.questions[0].outcome == OUTCOME_RESOLVED
    finally:
        services.close()


async def test_burst_then_park_and_switch_keeps_each_callers_fields(tmp_path: Path) -> None:
    services = open_services(tmp_path)
    app = LoketApp(services)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await _ready(pilot, app)
            screen = app.screen
            first_id = screen.contact.id
            burst(
                app,
                *caller("Anna de Wit", "0611111111", NOTE_A),
                "f8",
                "f12",
                *caller("Bert Zwart", "0622222222", NOTE_B),
                "f9",
            )
            await wait_for(pilot, lambda: app.screen.id == "switcher")
            parked = screen.parked[first_id]
            assert (parked.customer.name, parked.customer.phone) == ("Anna de Wit", "0611111111")
            assert parked.questions[0].notes == NOTE_A
            current = screen.contact
            assert current.id != first_id
            assert (current.customer.name, current.customer.phone) == ("Bert Zwart", "0622222222")
            assert current.questions[0].notes == NOTE_B
            burst(app, "enter")  # the parked contact is highlighted: open it
            await wait_for(pilot, lambda: screen.contact.id == first_id)
            assert screen.query_one("#customer-name").value == "Anna de Wit"
            assert screen.query_one("#notes").text == NOTE_A
            second = screen.parked[current.id]
            assert second.customer.name == "Bert Zwart" and second.questions[0].notes == NOTE_B
        stored = services.contacts.get(first_id)  # parking stores a valid contact
        assert stored.customer.phone == "+31611111111" and stored.questions[0].notes == NOTE_A
    finally:
        services.close()


async def test_burst_then_route_dialog_sees_every_key(tmp_path: Path) -> None:
    services = open_services(tmp_path)
    app = LoketApp(services)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await _ready(pilot, app)
            screen = app.screen
            burst(app, *caller("Carla", "0633333333", NOTE_A), "f6")
            await wait_for(pilot, lambda: app.screen.id == "route-dialog")
            assert app.screen.contact.questions[0].notes == NOTE_A
            assert app.screen.contact.customer.phone == "0633333333"
            assert screen.contact.customer.name == "Carla"
    finally:
        services.close()


async def test_untouched_contact_f5_stores_nothing(tmp_path: Path) -> None:
    services = open_services(tmp_path)
    recorder = Recorder(ContactClosed)
    app = LoketApp(services)
    try:
        async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
            await _ready(pilot, app)
            contact_id = app.screen.contact.id
            burst(app, "f5", "f5")
            await pilot.pause(0.3)
            assert not recorder.of(ContactClosed)
            assert app.screen.contact.id == contact_id
            assert app.screen.question.outcome is None
        assert services.contacts.get(contact_id) is None
        assert services.contacts.recent() == []
    finally:
        services.close()


async def test_failed_f5_leaves_the_outcome_as_it_was(tmp_path: Path) -> None:
    services = open_services(tmp_path)
    app = LoketApp(services)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await _ready(pilot, app)
            burst(app, "f4", "tab", *"12345", "f5")  # not a phone number
            await wait_for(
                pilot, lambda: app.screen.query_one("#customer-phone").has_class("-invalid")
            )
            assert app.screen.question.outcome is None
            assert app.screen.query_one("#outcome").value is Select.NULL
            assert app.screen.contact.status == ContactStatus.OPEN
    finally:
        services.close()
