"""The console's service facade: everything the Textual console and the headless CLI do.

The UI never touches SQL or HTTP; it calls this. Every method is synchronous and fast
(local SQLite); only `sync_now` and `customer_history(online=True)` may touch the network,
with short timeouts, and the UI calls those from worker threads. Every write goes into the
local store together with its outbox row in one transaction, so the console works fully
offline and nothing typed is ever lost.
"""

from __future__ import annotations

import copy
import functools
import getpass
import hashlib
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loket.config import Settings
from loket.domain.errors import DomainError, FieldError
from loket.domain.models import (
    DEFAULT_CHANNELS,
    DEFAULT_OUTCOMES,
    OUTCOME_ROUTED,
    SUBJECT_MAX,
    Callback,
    Contact,
    ContactStatus,
    Question,
    Task,
    TaskKind,
    from_iso,
    utcnow,
)
from loket.store import Conflict, ConsoleStore, Rejected
from loket.sync import SyncClient, SyncEngine, SyncError, SyncReport, SyncState

if TYPE_CHECKING:
    from loket.domain.routing import DistrictMap, Routing, Team
    from loket.kb import KnowledgeBase

__all__ = [
    "Callback",
    "Conflict",
    "ConsoleServices",
    "ContactSummary",
    "Rejected",
    "SyncError",
    "SyncReport",
    "SyncState",
    "UserInfo",
]

log = logging.getLogger(__name__)

IDENTITY_TIMEOUT = 2.0  # seconds for GET /me at start-up; offline start must stay quick


@dataclass
class UserInfo:
    name: str
    role: str
    teams: list[str] = field(default_factory=list)


@dataclass
class ContactSummary:
    id: str
    started_at: datetime
    channel: str
    agent: str
    subjects: list[str]
    outcomes: list[str]
    source: str  # "lokaal" | "centraal"


class ConsoleServices:
    """One agent's console: local store, sync engine, routing, SLA calendar, kb."""

    def __init__(
        self,
        settings: Settings,
        store: ConsoleStore,
        engine: SyncEngine,
        user: UserInfo,
    ) -> None:
        self.settings = settings
        self.store = store
        self.engine = engine
        self.user = user
        self._server = (settings.server_url, settings.token)
        self._kb: KnowledgeBase | None = None
        self._routing: Routing | None = None
        self._calendar: Any = None
        lists = _contact_lists(settings.data_dir)
        self.channels: list[str] = list(lists[0])
        self.outcomes: list[str] = list(lists[1])

    # -- opening ----------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        settings: Settings,
        *,
        store_path: Path | None = None,
        server_url: str | None = None,
        token: str | None = None,
        user: UserInfo | None = None,
    ) -> ConsoleServices:
        """Open the console's store and sync engine; works fully offline.

        Identity: the given user, else the one cached for this server and token, else
        GET /api/v1/me (short timeout), else the OS user as an agent (offline first start).
        """
        url = settings.server_url if server_url is None else server_url
        tok = settings.token if token is None else token
        client = SyncClient(url, tok) if url else None
        if user is None:
            user = _cached_identity(settings.state_dir, url, tok)
        if user is None and client is not None:
            user = _fetch_identity(url, tok)
            if user is not None:
                _cache_identity(settings.state_dir, url, tok, user)
        if user is None:
            user = UserInfo(getpass.getuser(), "agent", [])
        path = store_path or settings.state_dir / f"console-{_safe(user.name)}.sqlite3"
        store = ConsoleStore.open(path)
        store.set_meta("identity", asdict(user))
        services = cls(settings, store, SyncEngine(store, client), user)
        services._server = (url, tok)
        return services

    def close(self) -> None:
        self.engine.close()
        if self._kb is not None:
            self._kb.close()
        self.store.close()

    # -- lazily loaded reference data --------------------------------------------------------

    @property
    def kb(self) -> KnowledgeBase:
        if self._kb is None:
            from loket.kb import KnowledgeBase

            index = self.settings.state_dir / "kb-index.sqlite3"
            index.parent.mkdir(parents=True, exist_ok=True)
            self._kb = KnowledgeBase.open(self.settings.kb_dir, index_path=index)
        return self._kb

    @property
    def routing(self) -> Routing:
        if self._routing is None:
            from loket.reference import load_routing

            self._routing = load_routing(self.settings.data_dir)
        return self._routing

    @functools.cached_property
    def districts(self) -> DistrictMap:
        """Postcode → wijk of this municipality (data/districts.toml)."""
        from loket.reference import load_districts

        return load_districts(self.settings.data_dir)

    @property
    def calendar(self) -> Any:
        """The SLA work calendar (loket.domain.sla.WorkCalendar)."""
        if self._calendar is None:
            from loket.domain.sla import WorkCalendar

            self._calendar = WorkCalendar()
        return self._calendar

    # -- contacts ---------------------------------------------------------------------------

    def new_contact(self, channel: str | None = None) -> Contact:
        """Start a contact on the agent's last channel.

        Not stored yet: an untouched contact must never reach the central store or its
        figures. What the agent types survives a crash through the drafts; the first
        save_contact stores it (with the original start time, so the clock is right).
        """
        chosen = channel or self.store.get_meta("last_channel") or self.channels[0]
        self.store.set_meta("last_channel", chosen)
        return Contact(agent=self.user.name, channel=chosen)

    def save_contact(self, contact: Contact) -> Contact:
        """Validate (DomainError with field paths), bump rev, store with its outbox row."""
        from loket.domain.validation import normalize_customer, validate_contact

        saved = copy.deepcopy(contact)
        saved.agent = saved.agent or self.user.name
        validate_contact(saved, self.channels, self.outcomes)
        if saved.customer is not None:
            saved.customer = normalize_customer(saved.customer)
            if saved.customer.is_empty():
                saved.customer = None
            elif saved.customer.postcode and not saved.customer.district:
                saved.customer.district = self.districts.district_for(saved.customer.postcode) or ""
        stored = self.store.get_contact(saved.id)
        saved.rev = max(saved.rev, stored.rev if stored else 0) + 1
        self.store.save_contact(saved)
        self.engine.poke()
        return saved

    def close_contact(self, contact: Contact) -> Contact:
        """End the contact: every question needs an outcome (validated with closing=True)."""
        from loket.domain.validation import validate_contact

        closing = copy.deepcopy(contact)
        closing.ended_at = closing.ended_at or utcnow()
        closing.status = ContactStatus.CLOSED
        for question in closing.questions:
            self._default_subject(question)
        validate_contact(closing, self.channels, self.outcomes, closing=True)
        return self.save_contact(closing)

    def _default_subject(self, question: Question) -> None:
        """An agent in a hurry skips the subject; the product consulted first names it, so
        histories and reports never show a blank question."""
        if question.text.strip() or not question.products:
            return
        article = self.kb.get(question.products[0])
        if article is not None:
            question.text = article.title[:SUBJECT_MAX]

    def record_product(self, contact: Contact, question_id: str, product_id: str) -> Contact:
        """The agent opened an article for this question: remember it (in order, once)."""
        updated = copy.deepcopy(contact)
        question = _question(updated, question_id)
        if product_id not in question.products:
            question.products.append(product_id)
        return self.save_contact(updated)

    def open_contacts(self) -> list[Contact]:
        return self.store.contacts(status=str(ContactStatus.OPEN), agent=self.user.name)

    def get_contact(self, contact_id: str) -> Contact | None:
        return self.store.get_contact(contact_id)

    def recent_contacts(self, limit: int = 50) -> list[Contact]:
        return self.store.contacts(limit=limit)

    def customer_history(
        self, *, phone: str = "", email: str = "", bsn: str = "", online: bool = True
    ) -> list[ContactSummary]:
        """Earlier contacts with this customer: local ones, plus the server's when online."""
        found = {
            c.id: _summary(c, origin)
            for c, origin in self.store.find_contacts(phone=phone, email=email, bsn=bsn)
        }
        client = self.engine.client
        if online and client is not None and (phone or email or bsn):
            try:
                items = client.lookup(phone=phone, email=email, bsn=bsn)
            except SyncError as exc:
                self.engine.last_error = str(exc)
                items = []
            for item in items:
                summary = _remote_summary(item)
                if summary is not None and summary.id not in found:
                    found[summary.id] = summary
        return sorted(found.values(), key=lambda s: s.started_at, reverse=True)

    # -- drafts -----------------------------------------------------------------------------

    def save_draft(self, key: str, data: dict[str, Any]) -> None:
        self.store.save_draft(key, data)

    def drafts(self) -> dict[str, dict[str, Any]]:
        return self.store.drafts()

    def discard_draft(self, key: str) -> None:
        self.store.discard_draft(key)

    # -- routing ----------------------------------------------------------------------------

    def team_for_product(self, product_id: str) -> Team | None:
        article = self.kb.get(product_id) if product_id else None
        return self.routing.get_team(article.backoffice) if article else None

    def _product_sla_days(self, product_id: str | None) -> int | None:
        if not product_id:
            return None
        article = self.kb.get(product_id)
        return article.sla_days if article else None

    def due_preview(
        self, team_id: str, product_id: str | None, now: datetime | None = None
    ) -> datetime:
        """When a question routed now to this team is due (product SLA, else team default)."""
        sla = self.routing.sla_for(team_id, self._product_sla_days(product_id))
        return self.calendar.due_for(now or utcnow(), sla)

    def route_question(
        self,
        contact: Contact,
        question_id: str,
        *,
        team: str,
        internal_note: str,
        callback: Callback,
        intake: dict[str, str],
        kind: TaskKind = TaskKind.DOORZETTING,
        product: str = "",
        now: datetime | None = None,
    ) -> tuple[Contact, Task]:
        """Make the task (due from the SLA), mark the question routed, store both atomically.

        `now` is the routing moment (default: the clock); importers of earlier contacts
        pass the contact's own time so the SLA runs from when the resident asked."""
        from loket.domain.tasks import new_task_log
        from loket.domain.validation import validate_contact, validate_task

        routed = copy.deepcopy(contact)
        routed.agent = routed.agent or self.user.name
        question = _question(routed, question_id)
        product = product or (question.products[-1] if question.products else "")
        self._default_subject(question)
        now = now or utcnow()
        errors: list[FieldError] = []
        due = None
        try:
            due = self.due_preview(team, product, now)
        except DomainError as exc:
            errors.extend(exc.errors)
        task = Task(
            contact_id=routed.id,
            question_id=question.id,
            kind=TaskKind(kind),
            product=product,
            team=team,
            subject=(question.text or "")[:SUBJECT_MAX],
            internal_note=internal_note,
            callback=callback,
            intake=dict(intake),
            created_by=self.user.name,
            created_at=now,
            due_at=due,
        )
        question.outcome = OUTCOME_ROUTED
        question.task_id = task.id
        for check in (
            lambda: validate_task(task),
            lambda: validate_contact(routed, self.channels, self.outcomes),
        ):
            try:
                check()
            except DomainError as exc:
                errors.extend(e for e in exc.errors if e not in errors)
        if errors:
            raise DomainError(errors)
        task = new_task_log(task, self.user.name, now)
        stored = self.store.get_contact(routed.id)
        routed.rev = max(routed.rev, stored.rev if stored else 0) + 1
        self.store.save_contact_and_task(routed, task)
        self.engine.poke()
        return routed, task

    # -- tasks ------------------------------------------------------------------------------

    def tasks(
        self, *, team: str | None = None, status: str | None = None, mine: bool = False
    ) -> list[Task]:
        """The worklist: one team, or every team of the user (all tasks for a supervisor)."""
        if team:
            teams: list[str] | None = [team]
        elif self.user.role in ("supervisor", "admin"):
            teams = None
        else:
            teams = list(self.user.teams)
        return self.store.tasks(
            teams=teams, status=status, assignee=self.user.name if mine else None
        )

    def routed_by_me(self) -> list[Task]:
        return self.store.tasks(created_by=self.user.name)

    def get_task(self, task_id: str) -> Task | None:
        return self.store.get_task(task_id)

    def task_action(self, task_id: str, action: str, **params: Any) -> Task:
        """Apply the action locally at once (optimistic) and queue it for the server."""
        task = self.store.get_task(task_id)
        if task is None:
            raise DomainError(FieldError("task_id", "Deze taak is niet bekend op deze console."))
        return self._act(task, action, params)

    def _act(self, task: Task, action: str, params: dict[str, Any]) -> Task:
        from loket.domain.tasks import apply_action

        known = {k: params[k] for k in ("note", "team", "resolution", "reached") if k in params}
        teams = self.routing.team_ids()
        updated = apply_action(task, action, self.user.name, utcnow(), teams=teams, **known)
        payload = {"action": action, "version": task.version, **known}
        self.store.queue_task_action(updated, payload)
        self.engine.poke()
        return updated

    def conflicts(self) -> list[Conflict]:
        return self.store.conflicts()

    def resolve_conflict(self, task_id: str, keep: str) -> None:
        """ "theirs": accept the server's task; "retry": take my action again on it."""
        if keep not in ("theirs", "retry"):
            raise DomainError(FieldError("keep", "Kies 'theirs' of 'retry'."))
        conflict = next((c for c in self.store.conflicts() if c.task_id == task_id), None)
        if conflict is None:
            return
        if keep == "retry":
            current = self.store.get_task(task_id) or conflict.current
            params = {k: v for k, v in conflict.mine.items() if k not in ("task_id", "version")}
            self._act(current, str(params.pop("action", "")), params)
        self.store.drop_conflict(task_id)

    def rejected_changes(self) -> list[Rejected]:
        return self.store.rejected()

    # -- sync -------------------------------------------------------------------------------

    def daily_figures(self, day: date | None = None, *, central: bool = True) -> dict[str, Any]:
        """One day's KPIs (`loket.domain.kpi.daily_report`): the central store's by default,
        or this console's own contacts and tasks (works offline; a supervisor's console
        holds everything it pulled). Raises SyncError when the central store cannot answer."""
        from loket.domain.kpi import daily_report

        client = self.engine.client
        if central:
            if client is None:
                raise SyncError("Geen centrale server ingesteld (LOKET_SERVER_URL).")
            return client.stats(day.isoformat() if day else None)
        everything = 1_000_000
        contacts = self.store.contacts(limit=everything)
        tasks = self.store.tasks(limit=everything)
        return daily_report(contacts, tasks, utcnow(), day).to_dict()

    def period_figures(self, first: date, last: date, by: str) -> dict[str, Any]:
        """Management figures over first..last grouped by `by`, from the central store
        (aggregate SQL there; docs/metrics.md). Raises SyncError when it cannot answer."""
        client = self.engine.client
        if client is None:
            raise SyncError("Geen centrale server ingesteld (LOKET_SERVER_URL).")
        return client.report(first.isoformat(), last.isoformat(), by)

    def show_bsn(self, contact_id: str, reason: str) -> str:
        """The full BSN of a contact, from the central store (it keeps BSNs encrypted and
        sends them masked; this call is access-logged there with `reason`). Raises
        SyncError (Dutch, no personal data) offline, without the right, or without a BSN."""
        client = self.engine.client
        if client is None:
            raise SyncError("Geen centrale server ingesteld (LOKET_SERVER_URL).")
        return client.show_bsn(contact_id, reason)

    def sync_state(self) -> SyncState:
        return self.engine.state()

    def has_server(self) -> bool:
        return self.engine.client is not None

    def sync_now(self, timeout: float = 10, *, retry: bool = True) -> SyncReport:
        """Push until idle, then pull; never raises on network errors. With `retry`,
        transient failures are retried with backoff until `timeout`."""
        return self.engine.sync(timeout, retry=retry)

    def start_background_sync(self, on_change: Callable[[SyncState], None]) -> None:
        """Sync in a thread (SSE wake-up, polling fallback, backoff); also refresh the
        cached identity once, so changed teams or role show up without a restart."""
        self.engine.start(on_change, interval=self.settings.sync_interval)
        if self.has_server():
            threading.Thread(target=self.refresh_identity, daemon=True).start()

    def refresh_identity(self) -> bool:
        """Ask the server who we are; update role and teams (the name is the store's key)."""
        url, token = self._server
        fresh = _fetch_identity(url, token) if url else None
        if fresh is None or fresh.name != self.user.name:
            return False
        self.user.role, self.user.teams = fresh.role, fresh.teams
        _cache_identity(self.settings.state_dir, url, token, fresh)
        self.store.set_meta("identity", asdict(fresh))
        return True

    def stop_background_sync(self) -> None:
        self.engine.stop()


# -- helpers ------------------------------------------------------------------------------------


def _question(contact: Contact, question_id: str) -> Question:
    for question in contact.questions:
        if question.id == question_id:
            return question
    raise DomainError(FieldError("question_id", "Deze vraag hoort niet bij het contact."))


def _summary(contact: Contact, origin: str) -> ContactSummary:
    return ContactSummary(
        id=contact.id,
        started_at=contact.started_at,
        channel=contact.channel,
        agent=contact.agent,
        subjects=[q.text for q in contact.questions if q.text],
        outcomes=[q.outcome for q in contact.questions if q.outcome],
        source=origin,
    )


def _remote_summary(item: dict[str, Any]) -> ContactSummary | None:
    """A server lookup item: a contact summary or a full contact dict, read defensively."""
    if not isinstance(item, dict) or not item.get("id"):
        return None
    questions = item.get("questions") or []
    return ContactSummary(
        id=str(item["id"]),
        started_at=from_iso(item.get("started_at")) or utcnow(),
        channel=str(item.get("channel", "")),
        agent=str(item.get("agent", "")),
        subjects=list(item.get("subjects") or [q.get("text", "") for q in questions]),
        outcomes=list(item.get("outcomes") or [q.get("outcome") for q in questions]),
        source="centraal",
    )


def _contact_lists(data_dir: Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The pick lists; a broken file must not stop a console mid-shift, so it falls back
    to the defaults (the central store refuses to start on it, which operators notice)."""
    from loket.reference import load_contact_lists

    try:
        return load_contact_lists(data_dir)
    except DomainError as exc:
        log.warning("contact lists not loaded, using defaults: %s", exc)
        return DEFAULT_CHANNELS, DEFAULT_OUTCOMES


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name) or "user"


def _identity_key(url: str, token: str) -> str:
    """The cache key names no secret: a hash of server and token."""
    return hashlib.sha256(f"{url}\n{token}".encode()).hexdigest()[:24]


def _identity_file(state_dir: Path) -> Path:
    return state_dir / "identities.json"


def _cached_identity(state_dir: Path, url: str, token: str) -> UserInfo | None:
    try:
        data = json.loads(_identity_file(state_dir).read_text(encoding="utf-8"))
        found = data.get(_identity_key(url, token))
        return UserInfo(found["name"], found["role"], list(found["teams"])) if found else None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _cache_identity(state_dir: Path, url: str, token: str, user: UserInfo) -> None:
    path = _identity_file(state_dir)
    try:
        data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (OSError, ValueError):
        data = {}
    data[_identity_key(url, token)] = asdict(user)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    tmp.replace(path)


class LoginFailed(Exception):
    """`log_in` refused: `str(exc)` is Dutch text for the login screen."""


def log_in(settings: Settings, server_url: str, token: str) -> ConsoleServices:
    """The services of the user this token belongs to, checked with the server first (the
    browser console: whoever opens the page proves who they are; roles come from the token
    on the server, as for every console)."""
    from loket.sync.client import AuthError

    client = SyncClient(
        server_url, token, timeout=IDENTITY_TIMEOUT, connect_timeout=IDENTITY_TIMEOUT
    )
    try:
        me = client.me()
        user = UserInfo(str(me["name"]), str(me.get("role", "agent")), list(me.get("teams", [])))
    except AuthError:
        raise LoginFailed(
            "Onbekend of geblokkeerd token. Controleer het en probeer opnieuw."
        ) from None
    except (SyncError, KeyError, TypeError):
        raise LoginFailed(
            "De centrale server is niet bereikbaar. Probeer het zo opnieuw."
        ) from None
    finally:
        client.close()
    return ConsoleServices.open(settings, server_url=server_url, token=token, user=user)


def _fetch_identity(url: str, token: str) -> UserInfo | None:
    client = SyncClient(url, token, timeout=IDENTITY_TIMEOUT, connect_timeout=IDENTITY_TIMEOUT)
    try:
        me = client.me()
        return UserInfo(str(me["name"]), str(me.get("role", "agent")), list(me.get("teams", [])))
    except (SyncError, KeyError, TypeError):
        return None
    finally:
        client.close()
