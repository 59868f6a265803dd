"""The search panel tells a strong match from a guess and shows a life event's checklist."""

from __future__ import annotations

from pathlib import Path

from loket.tui import strings as S
from loket.tui.app import LoketApp
from loket.tui.messages import ArticleLoaded, SearchResults
from tests.tui.helpers import (
    SIZE,
    Recorder,
    burst,
    open_services,
    screen_text,
    take_call,
    wait_for,
)


async def _search(pilot, recorder: Recorder, query: str) -> SearchResults:
    await pilot.press("f2", *query)
    await wait_for(pilot, lambda: any(m.query == query for m in recorder.of(SearchResults)))
    await pilot.pause()
    return next(m for m in recorder.of(SearchResults) if m.query == query)


async def test_event_checklist_then_weak_match(tmp_path: Path) -> None:
    services = open_services(tmp_path)
    recorder = Recorder(SearchResults, ArticleLoaded)
    app = LoketApp(services)
    try:
        async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
            await take_call(pilot)
            event = await _search(pilot, recorder, "we krijgen een baby")
            assert event.event is not None and event.hits[0].id in event.event.products
            text = screen_text(app)
            assert "Levensgebeurtenis" in text and S.SEARCH_EVENT_ITEM.strip() in text
            await pilot.press("enter")  # the header line is skipped: the first product opens
            await wait_for(pilot, lambda: recorder.of(ArticleLoaded))
            assert recorder.of(ArticleLoaded)[-1].article.id == event.hits[0].id

            weak = await _search(pilot, recorder, "wat is de hoofdstad van frankrijk")
            assert not weak.confident
            assert "Geen sterke match" in screen_text(app)
    finally:
        services.close()


async def test_typing_searches_at_once_and_a_burst_coalesces(tmp_path: Path) -> None:
    """No timer between the agent and the results: at typing speed every key's text is
    searched as it comes; a burst coalesces while one search runs, the last text wins."""
    services = open_services(tmp_path)
    recorder = Recorder(SearchResults)
    app = LoketApp(services)
    try:
        async with app.run_test(size=SIZE, message_hook=recorder) as pilot:
            await take_call(pilot)
            await pilot.press("f2")
            for ch in "pasp":
                await pilot.press(ch)
                await pilot.pause(0.06)  # a fast typist: well under a 120 ms debounce
            await wait_for(
                pilot, lambda: any(m.query == "pasp" for m in recorder.of(SearchResults))
            )
            queries = [m.query for m in recorder.of(SearchResults)]
            assert len(set(queries) & {"p", "pa", "pas"}) >= 2, queries  # searched as typed
            recorder.messages.clear()
            burst(app, *"oort kwijt")
            await wait_for(
                pilot, lambda: any(m.query == "paspoort kwijt" for m in recorder.of(SearchResults))
            )
            await pilot.pause(0.2)
            assert len(recorder.of(SearchResults)) < 10  # not one search for each of 10 keys
            assert "Paspoort" in str(app.screen.query_one("#results").get_option_at_index(0).prompt)
    finally:
        services.close()
