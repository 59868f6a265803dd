"""The agent's screen end to end, against a live central store, at 80x24."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, Select, Static

from loket.domain.models import OUTCOME_ROUTED, ContactStatus, Customer
from loket.tui.app import LoketApp
from loket.tui.formatting import format_due
from loket.tui.messages import (
    ArticleLoaded,
    ContactClosed,
    DraftSaved,
    QuestionRouted,
    SearchResults,
)
from loket.tui.workspace import CallState
from tests.tui.helpers import SIZE, Recorder, open_services, screen_text, take_call, wait_for


async def _search_and_open(pilot, recorder: Recorder, query: str, article_id: str) -> None:
    await pilot.press("f2", *query)
    await wait_for(pilot, lambda: any(m.query == query for m in recorder.of(SearchResults)))
    hits = next(m.hits for m in recorder.of(SearchResults) if m.query == query)
    assert article_id in [h.id for h in hits], f"{article_id} not found for {query!r}"
    await pilot.press("enter")
    await wait_for(pilot, lambda: recorder.of(ArticleLoaded))
    loaded = recorder.of(ArticleLoaded)[-1].article
    if loaded.id != article_id:  # not the top hit: pick it from the list
        results = pilot.app.screen.query_one("#results")
        results.highlighted = [h.id for h in hits].index(article_id)
        results.action_select()
        await wait_for(pilot, lambda: recorder.of(ArticleLoaded)[-1].article.id == article_id)


async def test_search_open_article_and_resolve(tmp_path: Path, live_server) -> None:
    name, token = live_server.make_user("agent", ["kcc"])
    services = open_services(tmp_path, name=name, server_url=live_server.url, token=token)
    recorder = Recorder(SearchResults, ArticleLoaded, ContactClosed)
    app = LoketApp(services)
    try:
        async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
            await take_call(pilot)
            await _search_and_open(pilot, recorder, "paspoort kwijt", "paspoort")
            article = recorder.of(ArticleLoaded)[-1].article
            text = screen_text(app)
            assert article.summary[:30] in text.replace("\n", " ") or article.title in text
            contact_id = app.screen.contact.id
            assert app.screen.contact.questions[0].products == ["paspoort"]
            await pilot.press("f5")
            await wait_for(pilot, lambda: recorder.of(ContactClosed))
            assert recorder.of(ContactClosed)[0].contact_id == contact_id
            # The conversation ended; the contact stays on screen for its wrap-up (nawerk).
            assert app.screen.contact.id == contact_id
            assert app.screen.state == CallState.WRAPUP
            assert "nawerk" in screen_text(app).splitlines()[0]
            await pilot.pause(1.1)
            await pilot.press("f12")  # next resident: wrap-up ends, a new call starts
            await wait_for(pilot, lambda: app.screen.contact.id != contact_id)
            assert app.screen.state == CallState.TALKING
            assert "gesprek" in screen_text(app).splitlines()[0]
        stored = services.contacts.get(contact_id)
        assert stored.status == ContactStatus.CLOSED
        assert stored.wrapup_started_at is not None and stored.ended_at is not None
        assert stored.wrapup_seconds() >= 1.0  # stored separately from the talk time
        assert stored.talk_seconds() + stored.wrapup_seconds() == pytest.approx(
            stored.handling_seconds()
        )
        assert stored.questions[0].outcome == "zelfstandig afgehandeld"
        assert stored.questions[0].products == ["paspoort"]
        services.sync.now()
        remote = live_server.client(token).get(f"/api/v1/contacts/{contact_id}")
        assert remote.status_code == 200
        assert remote.json()["questions"][0]["products"] == ["paspoort"]
    finally:
        services.close()


async def test_two_questions_with_different_outcomes(tmp_path: Path) -> None:
    services = open_services(tmp_path)
    recorder = Recorder(ContactClosed)
    app = LoketApp(services)
    try:
        async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
            await take_call(pilot)
            screen = app.screen
            screen.query_one("#question-subject", Input).focus()
            await pilot.press(*"Paspoort kwijt")
            screen.query_one("#outcome", Select).value = "doorverbonden"
            await pilot.press("f7")  # second question in the same contact
            await wait_for(pilot, lambda: len(screen.contact.questions) == 2)
            assert screen.query_one("#question-subject", Input).has_focus
            await pilot.press(*"Grofvuil ophalen")
            await pilot.press("ctrl+pageup")  # back to question 1: its outcome is kept
            await wait_for(pilot, lambda: screen.q_index == 0)
            assert screen.query_one("#outcome", Select).value == "doorverbonden"
            await pilot.press("ctrl+pagedown", "f5")
            await wait_for(pilot, lambda: recorder.of(ContactClosed))
        stored = services.contacts.get(recorder.of(ContactClosed)[0].contact_id)
        assert [q.text for q in stored.questions] == ["Paspoort kwijt", "Grofvuil ophalen"]
        assert [q.outcome for q in stored.questions] == [
            "doorverbonden",
            "zelfstandig afgehandeld",
        ]
    finally:
        services.close()


async def test_resolve_with_invalid_customer_shows_dutch_error_inline(tmp_path: Path) -> None:
    services = open_services(tmp_path)
    app = LoketApp(services)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await take_call(pilot)
            await pilot.press("f4", "tab", *"12345")  # not a phone number
            await pilot.press("f5")
            await pilot.pause(0.1)
            text = screen_text(app)
            assert "Controleer" in text and "telefoon" in text
            assert "customer.phone" not in text  # the agent's words, not internal paths
            assert app.screen.query_one("#customer-phone").has_class("-invalid")
            assert app.screen.contact.status == ContactStatus.OPEN  # nothing lost, not closed
    finally:
        services.close()


async def test_route_with_intake_questions_and_due_time(tmp_path: Path, live_server) -> None:
    name, token = live_server.make_user("agent", ["kcc"])
    services = open_services(tmp_path, name=name, server_url=live_server.url, token=token)
    recorder = Recorder(SearchResults, ArticleLoaded, QuestionRouted)
    app = LoketApp(services)
    try:
        async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
            await take_call(pilot)
            await _search_and_open(pilot, recorder, "kliko kapot", "afvalcontainer")
            await pilot.press("f6")
            await wait_for(pilot, lambda: app.screen.id == "route-dialog")
            dialog = app.screen
            assert dialog.team_id == "afval"  # pre-filled from the product's back office
            team = services.reference.routing.get_team("afval")
            intake_inputs = list(dialog.query("#route-intake Input"))
            assert len(intake_inputs) == len(team.intake) > 0
            expected_due = format_due(services.reference.due_preview("afval", "afvalcontainer"))
            assert expected_due in screen_text(app)
            await pilot.press("ctrl+s")  # nothing filled in: errors inline, dialog stays
            await pilot.pause(0.1)
            assert app.screen is dialog
            assert "interne notitie" in screen_text(app).lower()
            for field, answer in zip(
                intake_inputs, ("Dorpsstraat 1", "groene kliko"), strict=False
            ):
                field.value = answer
            dialog.query_one("#route-note").focus()
            await pilot.press(*"Deksel afgebroken")
            dialog.query_one("#route-phone", Input).value = "0612345678"
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: recorder.of(QuestionRouted))
            routed = recorder.of(QuestionRouted)[0]
            assert app.screen.question.outcome == OUTCOME_ROUTED
        task = services.tasks.get(routed.task_id)
        assert task.team == "afval" and task.product == "afvalcontainer"
        assert task.internal_note == "Deksel afgebroken"
        assert next(iter(task.intake.values())) == "Dorpsstraat 1"
        assert format_due(task.due_at) == expected_due
        services.sync.now()
        remote = live_server.client(token).get(f"/api/v1/tasks/{task.id}")
        assert remote.status_code == 200 and remote.json()["team"] == "afval"
    finally:
        services.close()


async def test_register_offline_then_sync(tmp_path: Path, server_factory) -> None:
    (live,) = server_factory()
    port = live.server.port
    name, token = live.make_user("agent", ["kcc"])
    live.server.stop()  # the central store is down
    services = open_services(tmp_path, name=name, server_url=live.url, token=token)
    recorder = Recorder(ContactClosed)
    app = LoketApp(services)
    try:
        async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
            await take_call(pilot)
            app.screen.query_one("#question-subject", Input).focus()
            await pilot.press(*"Afvalkalender", "f5")  # offline never blocks an action
            await wait_for(pilot, lambda: recorder.of(ContactClosed))
            await pilot.press("ctrl+s")
            await wait_for(
                pilot,
                lambda: (
                    app.sync_state and app.sync_state.online is False and app.sync_state.outbox == 1
                ),  # the closed contact waits, nothing else
            )
            assert "offline" in screen_text(app) and "uit 1" in screen_text(app)
            server_factory(port=port)  # back up, same address
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: app.sync_state.online and app.sync_state.outbox == 0)
            status = screen_text(app).splitlines()[0]
            assert "online" in status and "uit 0" in status
        contact_id = recorder.of(ContactClosed)[0].contact_id
        remote = live.client(token).get(f"/api/v1/contacts/{contact_id}")
        assert remote.status_code == 200
        assert remote.json()["questions"][0]["text"] == "Afvalkalender"
    finally:
        services.close()


async def test_draft_restored_after_restart(tmp_path: Path) -> None:
    services = open_services(tmp_path)
    recorder = Recorder(DraftSaved)
    app = LoketApp(services)
    async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
        await take_call(pilot)
        contact_id = app.screen.contact.id
        app.screen.query_one("#question-subject", Input).focus()
        await pilot.press(*"Parkeervergunning")
        typing = len(recorder.of(DraftSaved))
        await pilot.press("f3", *"Belt terug na 14u")
        # Saved while the agent was still typing: a throttle, not a debounce.
        assert len(recorder.of(DraftSaved)) > typing > 0

        def on_disk() -> bool:
            draft = services.contacts.drafts().get(f"contact:{contact_id}", {}).get("contact", {})
            return any(q["notes"] == "Belt terug na 14u" for q in draft.get("questions", []))

        # What is on screen reaches the store (throttle 0.5 s; slack for a loaded machine).
        await wait_for(pilot, on_disk, timeout=2.0)
    services.close()  # the process is gone; only the store remains

    again = open_services(tmp_path)
    app2 = LoketApp(again)
    try:
        async with app2.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: getattr(app2.screen, "contact", None) is not None)
            screen = app2.screen
            assert screen.contact.id == contact_id
            assert screen.query_one("#question-subject", Input).value == "Parkeervergunning"
            assert screen.query_one("#notes").text == "Belt terug na 14u"
            await pilot.pause(0.1)
            assert any("Concept hersteld" in str(n.message) for n in app2._notifications)
    finally:
        again.close()


async def test_park_and_switch_between_contacts(tmp_path: Path) -> None:
    services = open_services(tmp_path)
    app = LoketApp(services)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await take_call(pilot)
            screen = app.screen
            first = screen.contact.id
            screen.query_one("#question-subject", Input).focus()
            await pilot.press(*"Eerste lijn", "f8", "f12")
            await wait_for(pilot, lambda: screen.contact is not None and screen.contact.id != first)
            assert "2 open" in screen_text(app).splitlines()[0]
            await pilot.press("f9")
            await wait_for(pilot, lambda: app.screen.id == "switcher")
            assert "Eerste lijn" in screen_text(app)
            await pilot.press("enter")  # the parked contact is highlighted
            await wait_for(pilot, lambda: screen.contact.id == first)
            assert screen.query_one("#question-subject", Input).value == "Eerste lijn"
    finally:
        services.close()


async def test_customer_history_appears_once_a_phone_is_entered(tmp_path: Path) -> None:
    services = open_services(tmp_path)
    earlier = services.contacts.new("balie")
    earlier.customer = Customer(name="J. de Vries", phone="0612345678")
    earlier.questions[0].text = "Rijbewijs verlopen"
    earlier.questions[0].outcome = "zelfstandig afgehandeld"
    services.contacts.close(earlier)
    app = LoketApp(services)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await take_call(pilot)
            await pilot.press("f4", "tab", *"06 1234 5678")
            # On screen at 80x24 (the narrow panel wraps the row), and whole in the panel.
            await wait_for(pilot, lambda: "Rijbewijs" in screen_text(app))
            history = app.screen.query_one("#history", Static)
            assert "Rijbewijs verlopen → zelfstandig afgehandeld" in str(history.render())
    finally:
        services.close()


async def test_route_dialog_starts_at_the_intake_and_esc_asks_before_losing_input(
    tmp_path: Path,
) -> None:
    services = open_services(tmp_path)
    recorder = Recorder(SearchResults, ArticleLoaded)
    app = LoketApp(services)
    try:
        async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
            await take_call(pilot)
            await _search_and_open(pilot, recorder, "kliko kapot", "afvalcontainer")
            await pilot.press("f6")
            await wait_for(pilot, lambda: app.screen.id == "route-dialog")
            dialog = app.screen
            first = dialog.query("#route-intake Input").first()
            await wait_for(pilot, lambda: app.focused is first)
            await pilot.press("escape")  # nothing typed: closes at once
            await wait_for(pilot, lambda: app.screen.id == "agent")
            await pilot.press("f6")
            await wait_for(pilot, lambda: app.screen.id == "route-dialog")
            dialog = app.screen
            await wait_for(pilot, lambda: isinstance(app.focused, Input))
            await pilot.press(*"Dorpsstraat 1", "escape")
            await wait_for(pilot, lambda: app.screen.id == "confirm-dialog")
            await pilot.press("n")  # keep typing: the answer is still there
            await wait_for(pilot, lambda: app.screen is dialog)
            assert dialog.query("#route-intake Input").first().value == "Dorpsstraat 1"
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.screen.id == "confirm-dialog")
            await pilot.press("j")
            await wait_for(pilot, lambda: app.screen.id == "agent")
    finally:
        services.close()
