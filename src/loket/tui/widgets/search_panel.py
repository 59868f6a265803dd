"""Search box + result list. Searches run in a worker while the agent keeps typing.

A keystroke starts a search at once in a thread worker, which posts `SearchResults`. At
most one search runs: keys typed meanwhile (a burst from a slow link, a fast typist) only
mark the box as changed, and when the running search ends the box's text as it is then is
searched next. So the last keystroke waits for at most the search in flight plus its own,
never for a timer, and a burst costs a few searches, not one per key. Results for a query
that is no longer in the box are dropped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, getters, on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from loket.tui import strings as S
from loket.tui.app import LoketApp
from loket.tui.messages import ArticleChosen, SearchResults

if TYPE_CHECKING:
    from loket.kb.models import LifeEvent, SearchHit

LIMIT = 25
_FINISHED = (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED)


class SearchPanel(Vertical):
    """The agent's search: one Input and the hits below it."""

    app = getters.app(LoketApp)
    DEFAULT_CSS = """
    SearchPanel { height: auto; }
    /* A fixed size: an Input sized "auto" lays the whole screen out again at every key. */
    SearchPanel > Input { margin: 0; height: 1; width: 1fr; }
    SearchPanel > OptionList {
        height: 6; border: none; padding: 0; text-wrap: nowrap; text-overflow: ellipsis;
    }
    SearchPanel > OptionList:focus { background-tint: $foreground 4%; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._in_flight: Worker[None] | None = None  # the search in flight, if any
        self._searched = ""  # the query it (or the last one) was for

    def compose(self) -> ComposeResult:
        yield Input(placeholder=S.SEARCH_PLACEHOLDER, id="search", compact=True)
        yield OptionList(id="results", compact=True)

    @property
    def query_text(self) -> str:
        return self.query_one("#search", Input).value.strip()

    def focus_search(self) -> None:
        box = self.query_one("#search", Input)
        box.focus()
        box.select_all()

    @on(Input.Changed, "#search")
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        if self._in_flight is None:
            self._search_now()

    def _search_now(self) -> None:
        """Search what the box holds now (one search at a time; see the module docstring)."""
        query = self.query_text
        self._searched = query
        if not query:
            self.query_one("#results", OptionList).clear_options()
            return
        self._in_flight = self.run_search(query)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The search in flight ended (its results, if any, were posted before): search
        again if the agent typed on meanwhile."""
        if event.worker is not self._in_flight or event.state not in _FINISHED:
            return
        self._in_flight = None
        if self.query_text != self._searched:
            self._search_now()

    @work(thread=True, group="search", exit_on_error=False)
    def run_search(self, query: str) -> None:
        """Runs in a thread: opening the kb index (first time) and searching never block input."""
        services = self.app.wait_services()
        if services is None:
            return
        result = services.reference.kb.lookup(query, limit=LIMIT)
        self.post_message(SearchResults(query, list(result.hits), result.confident, result.event))

    def on_search_results(self, message: SearchResults) -> None:
        if message.query != self.query_text:
            message.stop()  # stale: the agent typed on
            return
        self.show_hits(message.query, message.hits, message.confident, message.event)

    def show_hits(
        self,
        query: str,
        hits: list[SearchHit],
        confident: bool = True,
        event: LifeEvent | None = None,
    ) -> None:
        """Hits as options; a weak result says so first and dims its guesses, a life event
        heads its products with a checklist line."""
        options: list[Option] = []
        if not hits:
            options.append(Option(S.SEARCH_NO_HITS.format(q=query), disabled=True))
        checklist = set(event.products) if event else set()
        if hits and event:
            shown = sum(hit.id in checklist for hit in hits)
            header = S.SEARCH_EVENT.format(title=event.title, n=shown)
            options.append(Option(Text(header, style="bold"), disabled=True))
        elif hits and not confident:
            options.append(Option(Text(S.SEARCH_WEAK, style="italic"), disabled=True))
        options += [Option(_hit_label(hit, hit.id in checklist), id=hit.id) for hit in hits]
        # One replacement, not clear + add: the list's size rarely changes between two
        # queries, so the screen is not laid out again for each search (a full layout of
        # the agent screen costs more than the search).
        results = self.query_one("#results", OptionList)
        results.set_options(options)
        if hits:
            results.highlighted = results.option_count - len(hits)

    @on(Input.Submitted, "#search")
    def _open_first(self, event: Input.Submitted) -> None:
        event.stop()
        results = self.query_one("#results", OptionList)
        option = (
            results.get_option_at_index(results.highlighted or 0) if results.option_count else None
        )
        if option is not None and option.id:
            self.post_message(ArticleChosen(option.id))
            results.focus()

    @on(OptionList.OptionSelected, "#results")
    def _open_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.post_message(ArticleChosen(event.option.id))

    def on_key(self, event: events.Key) -> None:
        """Down from the box moves into the results, so the mouse is never needed."""
        if event.key == "down" and self.query_one("#search", Input).has_focus:
            event.stop()
            self.query_one("#results", OptionList).focus()


def _hit_label(hit: SearchHit, in_checklist: bool = False) -> Text:
    """Title, plus the UPL name when it says something else (never parsed as markup);
    a best guess is dimmed, a product of the caller's life event gets a checkbox."""
    title = getattr(hit, "title", "") or hit.id
    upl = getattr(hit, "upl", "") or ""
    label = Text(S.SEARCH_EVENT_ITEM if in_checklist else "")
    label.append(title, style="" if getattr(hit, "strong", True) else "dim italic")
    if upl and upl.lower() != title.lower():
        label.append(f" · {upl}", "dim")
    return label
