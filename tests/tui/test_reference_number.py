"""The reference number in the console, against a live central store: the agent sees it
on the open contact once the store has given it (first start: "volgt"), and a colleague
finds the contact by it (Alt+R) when the resident quotes it, read-only, at 80x24."""

from __future__ import annotations

import re
from pathlib import Path

from loket.tui.app import LoketApp
from loket.tui.messages import ArticleLoaded, SearchResults
from tests.server.helpers import push, routed_contact, save
from tests.tui.helpers import SIZE, Recorder, open_services, screen_text, take_call, wait_for

_REF = re.compile(r"referentienummer (\d{8,10})")


def _status(app) -> str:
    return str(app.screen.query_one("#notes").border_title)


async def test_the_open_contact_shows_its_reference_once_synced(tmp_path: Path, live_server):
    name, token = live_server.make_user("agent", ["kcc"])
    services = open_services(tmp_path, name=name, server_url=live_server.url, token=token)
    recorder = Recorder(SearchResults, ArticleLoaded)
    app = LoketApp(services)
    try:
        async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
            await take_call(pilot)
            assert "referentienummer volgt" in _status(app)  # not stored yet: the store gives it
            await pilot.press("f2", *"paspoort kwijt")
            await wait_for(pilot, lambda: recorder.of(SearchResults))
            await pilot.press("enter")  # the article is recorded: the contact is stored
            await wait_for(pilot, lambda: recorder.of(ArticleLoaded))
            await wait_for(pilot, lambda: _REF.search(_status(app)))
            shown = _REF.search(_status(app)).group(1)
            contact_id = app.screen.contact.id
            remote = live_server.client(token).get(f"/api/v1/contacts/{contact_id}").json()
            assert remote["reference"] == shown
            assert f"referentienummer {shown}" in screen_text(app)  # on screen at 80x24
    finally:
        services.close()


async def test_a_colleague_opens_the_contact_by_its_reference(tmp_path: Path, live_server):
    anna, anna_token = live_server.make_user("agent", ["kcc"])
    bob, bob_token = live_server.make_user("agent", ["kcc"])
    earlier, _ = routed_contact(anna, name="J. de Vries", phone="0612345678")
    push(live_server.client(anna_token), save(earlier))
    remote = live_server.client(anna_token).get(f"/api/v1/contacts/{earlier['id']}").json()
    reference = remote["reference"]

    services = open_services(tmp_path / bob, name=bob, server_url=live_server.url, token=bob_token)
    app = LoketApp(services)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await take_call(pilot)
            await pilot.press("alt+r")
            await wait_for(pilot, lambda: app.screen.query("#prompt-text"))
            await pilot.press(*f"{reference[:4]} {reference[4:]}", "enter")
            await wait_for(pilot, lambda: app.screen.id == "history-screen")
            detail = str(app.screen.query_one("#history-detail").content)
            assert f"Referentienummer: {reference}" in detail
            assert "Rijbewijs kwijt" in detail and anna in detail
            assert "belt vaak boos" not in detail  # a colleague's notes stay theirs
            lines = screen_text(app).splitlines()
            assert len(lines) == 24 and all(len(line) <= 80 for line in lines)
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.screen.id == "agent")

            misheard = reference[:-1] + str((int(reference[-1]) + 1) % 10)
            await pilot.press("alt+r")
            await wait_for(pilot, lambda: app.screen.query("#prompt-text"))
            await pilot.press(*misheard, "enter")
            await wait_for(
                pilot,
                lambda: any(
                    "Geen geldig referentienummer" in str(n.message) for n in app._notifications
                ),
            )
            assert app.screen.id == "agent"
    finally:
        services.close()
