"""The screen pop, against a live server: the telephone platform posts "answered" for an
agent (an integration token), and that agent's console, following the event stream,
opens a phone contact for the call with the caller's number and earlier contacts."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from textual.widgets import Input

from loket.tui import strings as S
from loket.tui.app import LoketApp
from loket.tui.workspace import CallState
from tests.server.helpers import API, contact, push, save, with_customer
from tests.tui.helpers import SIZE, burst, open_services, screen_text, take_call, wait_for

POP_WITHIN_S = 3.0


class Platform:
    """The telephone platform: posts call events with its integration token."""

    def __init__(self, live_server: Any) -> None:
        _, token = live_server.make_user("integration")
        self.http = live_server.client(token)

    def post(self, kind: str, call_id: str, at: datetime, **fields: str) -> None:
        body = {"event_id": str(uuid.uuid4()), "call_id": call_id, "kind": kind}
        body |= {"at": at.isoformat(), **fields}
        response = self.http.post(f"{API}/call-events", json=body)
        assert response.status_code == 200, response.text

    def answered(self, call_id: str, agent: str, caller: str = "0612345678") -> datetime:
        """Offered 10 s ago, answered by `agent` 2 s ago; returns when it was answered."""
        now = datetime.now(UTC).replace(microsecond=0)
        self.post("offered", call_id, now - timedelta(seconds=10), queue="algemeen", caller=caller)
        answered_at = now - timedelta(seconds=2)
        self.post("answered", call_id, answered_at, agent=agent)
        return answered_at


def toasts(app: Any) -> list[str]:
    return [str(n.message) for n in app._notifications]


def agent_console(tmp_path: Path, live_server: Any, name: str | None = None) -> tuple[Any, str]:
    agent, token = live_server.make_user("agent", ["kcc"], name=name)
    services = open_services(tmp_path, name=agent, server_url=live_server.url, token=token)
    return services, token


async def ready(pilot: Any) -> Any:
    app = pilot.app
    await wait_for(pilot, lambda: getattr(app.screen, "workspace", None) is not None)
    return app.screen


async def test_answered_call_pops_a_phone_contact_with_number_and_history(
    tmp_path: Path, live_server: Any
) -> None:
    platform = Platform(live_server)
    services, token = agent_console(tmp_path, live_server)
    anna = services.user.name
    earlier = with_customer(contact(anna), phone="06 12345678")  # this caller, last week
    earlier |= {"status": "closed", "ended_at": "2026-11-23T09:05:00+00:00"}
    [result] = push(live_server.client(token), save(earlier))
    assert result["status"] == "applied", result
    app = LoketApp(services)
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = await ready(pilot)
            assert screen.contact is None
            posted = time.monotonic()
            answered_at = platform.answered("pbx-1", anna)
            await wait_for(pilot, lambda: screen.contact is not None, timeout=POP_WITHIN_S)
            took = time.monotonic() - posted
            popped = screen.contact
            assert (popped.channel, popped.call_id) == ("telefoon", "pbx-1")
            assert popped.started_at == answered_at  # handling time runs from the answer
            assert popped.customer is not None and popped.customer.phone == "0612345678"
            assert screen.state == CallState.TALKING
            assert screen.query_one("#customer-phone", Input).value == "0612345678"
            assert S.POP_ANSWERED.format(number="0612345678") in toasts(app)
            # The earlier contact appears by itself: the lookup followed the number.
            history = screen.panel.query_one("#history")
            await wait_for(pilot, lambda: "Paspoort verlopen" in str(history.render()), timeout=3)
            assert "Paspoort" in screen_text(app)
            print(f"pop on screen {took * 1000:.0f} ms after the platform posted")

            # The same call again (a replayed event, a transfer back): no second contact.
            platform.post("transferred", "pbx-1", answered_at + timedelta(seconds=1), agent=anna)
            await pilot.pause(1.0)
            assert screen.contact.id == popped.id and screen.parked == {}

            # What the agent registers carries the call id to the central store.
            burst(app, "f3", *"Vraag over afval", "f5")
            await wait_for(pilot, lambda: screen.state == CallState.WRAPUP)
        assert services.sync.now(10).error is None
        stored = live_server.client(token).get(f"{API}/contacts/{popped.id}").json()
        assert stored["call_id"] == "pbx-1"
        assert stored["customer"]["phone"] == "+31612345678"  # normalised on save
    finally:
        services.close()


async def test_a_call_for_another_agent_does_not_pop(tmp_path: Path, live_server: Any) -> None:
    platform = Platform(live_server)
    services, _ = agent_console(tmp_path, live_server)
    bob, _ = live_server.make_user("agent", ["kcc"])
    app = LoketApp(services)
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = await ready(pilot)
            platform.answered("pbx-bob", bob, caller="0201234567")
            # Then one for anna: once hers is on screen, bob's event had every chance.
            platform.answered("pbx-anna", services.user.name)
            await wait_for(pilot, lambda: screen.contact is not None, timeout=POP_WITHIN_S)
            await pilot.pause(0.5)
            assert screen.contact.call_id == "pbx-anna" and screen.parked == {}
            assert "0201234567" not in screen_text(app)
    finally:
        services.close()


async def test_a_supervisor_pops_only_the_calls_they_answer(
    tmp_path: Path, live_server: Any
) -> None:
    """A supervisor's stream carries every call: only their own one pops, and it brings
    up the agent screen (not loaded before) from the live view."""
    platform = Platform(live_server)
    anna, _ = live_server.make_user("agent", ["kcc"])
    sup_name, sup_token = live_server.make_user("supervisor")
    services = open_services(
        tmp_path,
        name=sup_name,
        role="supervisor",
        teams=(),
        server_url=live_server.url,
        token=sup_token,
    )
    app = LoketApp(services)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: app.screen.id == "live")
            platform.answered("pbx-anna", anna, caller="0201234567")
            await wait_for(pilot, lambda: "Algemeen nummer" in screen_text(app))
            await pilot.pause(1.0)
            assert app.screen.id == "live" and app._agent_screen() is None
            platform.answered("pbx-sup", sup_name, caller="0301234567")
            await wait_for(pilot, lambda: app.screen.id == "agent", timeout=POP_WITHIN_S)
            screen = app.screen
            await wait_for(pilot, lambda: screen.contact is not None, timeout=POP_WITHIN_S)
            assert screen.contact.call_id == "pbx-sup"
            assert screen.contact.customer.phone == "0301234567"
            assert screen.parked == {}
    finally:
        services.close()


async def test_withheld_number_pops_without_a_phone_and_says_so(
    tmp_path: Path, live_server: Any
) -> None:
    platform = Platform(live_server)
    services, _ = agent_console(tmp_path, live_server)
    app = LoketApp(services)
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = await ready(pilot)
            platform.answered("pbx-anon", services.user.name, caller="")
            await wait_for(pilot, lambda: screen.contact is not None, timeout=POP_WITHIN_S)
            assert screen.contact.call_id == "pbx-anon" and screen.contact.customer is None
            assert screen.query_one("#customer-phone", Input).value == ""
            assert S.POP_WITHHELD in toasts(app)
    finally:
        services.close()


async def test_a_busy_agent_keeps_the_contact_and_the_call_opens_after_parking(
    tmp_path: Path, live_server: Any
) -> None:
    platform = Platform(live_server)
    services, _ = agent_console(tmp_path, live_server)
    app = LoketApp(services)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await take_call(pilot)  # F12: a caller at the counter, being handled
            screen = app.screen
            first = screen.contact.id
            # Typed but not yet taken in: the pop must take these keys first, not drop them.
            burst(app, "f3", *"Halverwege de vraag")
            platform.answered("pbx-busy", services.user.name, caller="0612345678")
            busy = S.POP_BUSY.format(number="0612345678")
            await wait_for(pilot, lambda: busy in toasts(app), timeout=POP_WITHIN_S)
            assert screen.contact.id == first and screen.state == CallState.TALKING
            assert screen.query_one("#notes").text == "Halverwege de vraag"
            assert screen.workspace.pending_call.call_id == "pbx-busy"

            await pilot.press("f8")  # park: the caller the platform put through opens
            await wait_for(pilot, lambda: screen.contact is not None and screen.contact.id != first)
            assert screen.contact.call_id == "pbx-busy"
            assert screen.contact.customer.phone == "0612345678"
            assert list(screen.parked) == [first]
            assert screen.parked[first].questions[0].notes == "Halverwege de vraag"
            assert screen.workspace.pending_call is None
    finally:
        services.close()


async def test_a_wrapup_without_new_edits_gives_way_to_the_call(
    tmp_path: Path, live_server: Any
) -> None:
    platform = Platform(live_server)
    services, _ = agent_console(tmp_path, live_server)
    app = LoketApp(services)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await take_call(pilot)
            screen = app.screen
            first = screen.contact.id
            burst(app, "f3", *"Afgehandeld", "f5")
            await wait_for(pilot, lambda: screen.state == CallState.WRAPUP)
            platform.answered("pbx-next", services.user.name)
            await wait_for(
                pilot,
                lambda: screen.contact is not None and screen.contact.call_id == "pbx-next",
                timeout=POP_WITHIN_S,
            )
            stored = services.contacts.get(first)
            assert stored is not None and stored.ended_at is not None  # wrap-up ended, stored
            assert stored.questions[0].notes == "Afgehandeld"
    finally:
        services.close()


async def test_a_call_that_ends_while_the_agent_is_busy_never_opens(
    tmp_path: Path, live_server: Any
) -> None:
    platform = Platform(live_server)
    services, _ = agent_console(tmp_path, live_server)
    app = LoketApp(services)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await take_call(pilot)
            screen = app.screen
            first = screen.contact.id
            burst(app, "f3", *"Vraag")
            platform.answered("pbx-gone", services.user.name, caller="0687654321")
            await wait_for(pilot, lambda: screen.workspace.pending_call is not None)
            platform.post("ended", "pbx-gone", datetime.now(UTC))
            ended = S.POP_ENDED.format(number="0687654321")
            await wait_for(pilot, lambda: ended in toasts(app), timeout=POP_WITHIN_S)
            assert screen.workspace.pending_call is None
            await pilot.press("f8")  # park: nothing waits, so the screen is free
            await wait_for(pilot, lambda: screen.contact is None)
            assert list(screen.parked) == [first]
    finally:
        services.close()
