"""Messages the console's widgets and workers post; the screens react to them.

Workers never touch widgets: they post one of these and the screen updates itself, so
tests can assert on what happened through `run_test(message_hook=...)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:  # annotations only: a message module must stay cheap to import
    from loket.domain.models import Task
    from loket.kb.models import Article, LifeEvent, SearchHit
    from loket.live_view import LiveSnapshot
    from loket.services import Conflict, ConsoleServices, ContactSummary, SyncState


@dataclass
class ServicesReady(Message):
    """The services are open (store, identity); screens can load their state now."""

    services: ConsoleServices


@dataclass
class ServicesFailed(Message):
    """Opening the services failed; the message is shown, the console stays up."""

    error: str


@dataclass
class SyncStateChanged(Message):
    """New sync state (online, outbox, last sync); posted from the sync thread."""

    state: SyncState


@dataclass
class SearchResults(Message):
    """Hits for `query`, best first; stale results (query changed since) are ignored."""

    query: str
    hits: list[SearchHit]
    confident: bool = True  # False: no strong match, the hits are best guesses
    event: LifeEvent | None = None  # the life event the query reads as (its products lead the hits)


@dataclass
class ArticleChosen(Message):
    """The agent opened an article; it is shown and recorded on the current question."""

    article_id: str


@dataclass
class ArticleLoaded(Message):
    """The article body was read (in a worker) and can be shown.

    It names the contact and question it was read for: it is only recorded there.
    """

    article: Article
    contact_id: str = ""
    question_id: str = ""
    record: bool = True  # note it on the question (False: just showing it again)


@dataclass
class CustomerChanged(Message):
    """A customer field changed; history lookup may be due."""

    field: str
    value: str


@dataclass
class HistoryLoaded(Message):
    """Earlier contacts of this customer ("ask once, use many times")."""

    key: str
    items: list[ContactSummary]


class HistoryStale(Message):
    """A task shown in the customer history changed on the server: read it again."""


@dataclass
class ContactEdited(Message):
    """Something on the contact panel changed; the screen updates the model and the draft.

    It names the contact (and question) on screen when it was made: a message still queued
    when the agent closes or switches is then dropped, never applied to the next contact.
    """

    contact_id: str
    field: str
    value: Any
    question_id: str = ""  # for question.* fields: the question shown when it was edited


@dataclass
class ProductUnticked(Message):
    """The agent unticked an article recorded on the current question."""

    contact_id: str
    product_id: str
    ticked: bool
    question_id: str = ""


@dataclass
class ContactClosed(Message):
    """A contact was resolved (closed) and saved."""

    contact_id: str


@dataclass
class QuestionRouted(Message):
    """A question became a task for a back-office team."""

    contact_id: str
    question_id: str
    task_id: str
    team: str
    due_at: datetime | None


@dataclass
class DraftSaved(Message):
    """A draft hit the store (debounced)."""

    key: str


@dataclass
class TasksLoaded(Message):
    """Tasks for the worklist or the queues, read in a worker."""

    tasks: list[Task]
    conflicts: list[Conflict]


@dataclass
class QuestionSelected(Message):
    """Show question `index` of the current contact."""

    index: int


@dataclass
class LiveFigures(Message):
    """A new read of the central store's live figures (`loket.live_view.LiveSnapshot`)."""

    snapshot: LiveSnapshot


@dataclass
class LiveFailed(Message):
    """The live figures could not be read; the last ones stay on screen."""

    error: str


@dataclass
class CallCue(Message, bubble=False):
    """The event stream says a call was answered or transferred (no number: the app reads
    the call in a worker to see whether it is this agent's)."""

    call_id: str


@dataclass
class CallEnded(Message, bubble=False):
    """The event stream says a call ended (or the caller hung up)."""

    call_id: str


@dataclass
class CallAnswered(Message, bubble=False):
    """The telephone platform put a call through to this agent: the screen pop."""

    call_id: str
    caller: str  # "" when the caller withheld the number
    answered_at: datetime | None
