"""The customer details the figures and the back office need: KvK, postcode and house
number (which set the district), a preferred channel and a satisfaction score, all typed
or picked from the keyboard at 80x24, validated in the domain, stored as shown."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Select, Static

from loket.domain.models import ContactStatus
from loket.tui.app import LoketApp
from loket.tui.messages import ContactClosed
from tests.tui.helpers import (
    SIZE,
    Recorder,
    burst,
    open_services,
    screen_text,
    take_call,
    wait_for,
)

# F4 lands on the name; Tab walks name, phone, e-mail, BSN, KvK, postcode, house number,
# then the preferred channel.
DETAILS = [
    "f4",
    *"Bakkerij de Graaf",
    "tab",
    *"0612345678",
    "tab",
    *"info@degraaf.nl",
    "tab",
    "tab",
    *"1234 5678",
    "tab",
    *"7411ab",
    "tab",
    *"12 a",
    "tab",
]


async def pick(pilot, steps: int) -> None:
    """Enter opens the focused list, Down `steps` times, Enter picks (the list opens on
    the next frame, so these keys go at human speed)."""
    await pilot.press("enter")
    await pilot.pause(0.1)
    await pilot.press(*["down"] * steps, "enter")


async def test_every_customer_detail_typed_in_one_burst_is_stored(tmp_path: Path) -> None:
    services = open_services(tmp_path)
    recorder = Recorder(ContactClosed)
    app = LoketApp(services)
    try:
        async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
            await take_call(pilot)
            burst(app, *DETAILS)
            screen = app.screen
            choice = screen.query_one("#customer-preferred_channel", Select)
            await wait_for(pilot, lambda: app.focused is choice)
            district = screen.query_one("#district", Static)
            assert str(district.render()) == "Centrum"  # derived from the postcode at once
            await pick(pilot, 2)  # (geen voorkeur) -> telefoon -> e-mail
            await wait_for(pilot, lambda: choice.value == "e-mail")
            screen.query_one("#satisfaction", Select).focus()
            await pick(pilot, 5)  # (niet gevraagd) -> 1 .. 5
            await pilot.press("f5")
            await wait_for(pilot, lambda: recorder.of(ContactClosed))
        stored = services.contacts.get(recorder.of(ContactClosed)[0].contact_id)
        assert stored is not None and stored.status == ContactStatus.CLOSED
        customer = stored.customer
        assert customer is not None
        assert (customer.name, customer.email, customer.kvk) == (
            "Bakkerij de Graaf",
            "info@degraaf.nl",
            "12345678",
        )
        assert (customer.postcode, customer.house_number, customer.district) == (
            "7411 AB",
            "12A",
            "Centrum",
        )
        assert customer.preferred_channel == "e-mail"
        assert stored.satisfaction == 5
    finally:
        services.close()


async def test_a_preferred_channel_without_its_detail_is_named_in_dutch(tmp_path: Path) -> None:
    services = open_services(tmp_path)
    app = LoketApp(services)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await take_call(pilot)
            screen = app.screen
            screen.query_one("#customer-preferred_channel", Select).focus()
            await pick(pilot, 3)  # post
            await pilot.press("f5")
            await wait_for(pilot, lambda: "voorkeurskanaal" in screen_text(app))
            errors = str(screen.query_one("#errors", Static).render())
            assert "voorkeurskanaal: Vul postcode en huisnummer in" in errors
            assert "customer." not in screen_text(app)
            assert screen.query_one("#customer-preferred_channel").has_class("-invalid")
            assert screen.contact.status == ContactStatus.OPEN
    finally:
        services.close()
