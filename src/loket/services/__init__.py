"""The console's services: everything the Textual console and the headless CLI do.

The UI never touches SQL or HTTP; it calls these. `ConsoleServices` only composes them:

- `identity`  who the console works as (`loket.services.identity`);
- `reference` kb, routing, districts, SLA calendar, pick lists (`.reference`);
- `contacts`  contacts, routing a question, customer history, drafts (`.contacts`);
- `tasks`     the worklist and one typed call per task action (`.tasks`);
- `figures`   day figures, central or local (`.figures`);
- `sync`      sync state, sync now, background sync (`.sync`);
- `live`      live figures, agent states, counter tickets, screen pop calls (`.live`).

Every call is synchronous and fast (local SQLite); only `sync.now`,
`contacts.customer_history(online=True)`, `contacts.show_bsn` and central figures touch
the network, with short timeouts, and the UI calls those from worker threads.
"""

from __future__ import annotations

from pathlib import Path

from loket.config import Settings
from loket.domain.models import Callback
from loket.services.contacts import ContactService, ContactSummary
from loket.services.figures import Figures
from loket.services.identity import IDENTITY_TIMEOUT, Identity, UserInfo, store_path_for
from loket.services.live import LiveDesk
from loket.services.presence import AgentPresence
from loket.services.reference import ReferenceData
from loket.services.sync import SyncService
from loket.services.tasks import KEEP_RETRY, KEEP_THEIRS, TaskAction, TaskService
from loket.store import Conflict, ConsoleStore, Rejected
from loket.sync import SyncClient, SyncEngine, SyncError, SyncReport, SyncState
from loket.sync.live import LiveClient

__all__ = [
    "KEEP_RETRY",
    "KEEP_THEIRS",
    "Callback",
    "Conflict",
    "ConsoleServices",
    "ContactService",
    "ContactSummary",
    "Figures",
    "Identity",
    "LiveDesk",
    "LoginFailed",
    "ReferenceData",
    "Rejected",
    "SyncError",
    "SyncReport",
    "SyncService",
    "SyncState",
    "TaskAction",
    "TaskService",
    "UserInfo",
    "log_in",
    "store_path_for",
]


class ConsoleServices:
    """One agent's console: the services above over one local store and sync engine."""

    def __init__(
        self,
        settings: Settings,
        store: ConsoleStore,
        engine: SyncEngine,
        identity: Identity,
    ) -> None:
        self.settings = settings
        self.store = store
        self.engine = engine
        self.identity = identity
        self.reference = ReferenceData(settings)
        self.contacts = ContactService(store, engine, self.reference, identity)
        self.tasks = TaskService(store, engine, self.reference, identity)
        self.figures = Figures(store, engine)
        self.sync = SyncService(engine, identity, settings.sync_interval)
        self.live = LiveDesk(engine)
        self.presence = AgentPresence(self.live)

    @property
    def user(self) -> UserInfo:
        return self.identity.user

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

        Identity: the given user, else `Identity.resolve` (cached, `/me`, or provisional).
        The store file is keyed by server and token (`store_path_for`), so an offline first
        start and every later start open the same file; a store of an earlier version,
        named after the user, is adopted into it (nothing left behind).
        """
        url = settings.server_url if server_url is None else server_url
        tok = settings.token if token is None else token
        if user is None:
            user = Identity.resolve(settings.state_dir, url, tok)
        store = ConsoleStore.open(store_path or store_path_for(settings.state_dir, url, tok))
        identity = Identity(settings.state_dir, store, user, (url, tok))
        if store_path is None:
            identity.adopt_legacy_stores()
        identity.settle()
        engine = SyncEngine(store, LiveClient(url, tok) if url else None)
        return cls(settings, store, engine, identity)

    def close(self) -> None:
        self.presence.close()
        self.engine.close()
        self.reference.close()
        self.store.close()


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
