"""Who this console works as, and which store file it uses.

The identity comes from the server (`GET /me`) and is cached per server and token, so an
offline start never waits on the network. On a first start offline it is *provisional*
(the OS user's name): everything made meanwhile is re-stamped with the real name as soon
as the server answers, and always before anything is pushed (issue 8). The store file is
keyed by server and token, never by the user's name, so it is known before the identity.
"""

from __future__ import annotations

import getpass
import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from loket.store import ConsoleStore
from loket.sync import SyncClient, SyncError
from loket.sync.client import ServerError

IDENTITY_TIMEOUT = 2.0  # seconds for GET /me at start-up; offline start must stay quick


@dataclass
class UserInfo:
    name: str
    role: str
    teams: list[str] = field(default_factory=list)
    provisional: bool = False  # offline first start: the server has not said who we are


def provisional_name() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "medewerker"


def store_path_for(state_dir: Path, url: str, token: str) -> Path:
    """The console store of this server and token; no user name, so it is known offline."""
    return state_dir / f"console-{_identity_key(url, token)}.sqlite3"


class Identity:
    """The console's user, kept true on the store's records."""

    def __init__(
        self, state_dir: Path, store: ConsoleStore, user: UserInfo, server: tuple[str, str]
    ):
        self.state_dir = state_dir
        self.store = store
        self.user = user
        self.url, self.token = server

    @staticmethod
    def resolve(state_dir: Path, url: str, token: str) -> UserInfo:
        """The cached identity, else GET /me (short timeout), else a provisional one."""
        user = _cached_identity(state_dir, url, token)
        if user is None and url:
            user = _fetch_identity(url, token)
            if user is not None:
                _cache_identity(state_dir, url, token, user)
        return user or UserInfo(provisional_name(), "agent", [], provisional=True)

    def adopt_legacy_stores(self) -> None:
        """Earlier versions named the store after the user (the OS user on an offline first
        start): take over what such a file holds, so nothing registered is left behind. The
        OS user's file holds provisional work, re-stamped once the identity is real."""
        store = self.store
        for name in sorted({provisional_name(), self.user.name}):
            legacy = self.state_dir / f"console-{_safe(name)}.sqlite3"
            if store.path is None or legacy == store.path or not legacy.is_file():
                continue
            if store.adopt(legacy) and name != self.user.name:
                pending = set(store.get_meta("provisional_names", []))
                store.set_meta("provisional_names", sorted(pending | {name}))

    def refresh(self) -> bool:
        """Ask the server who we are; update role and teams (and, after an offline first
        start, the provisional name on every local record)."""
        fresh = _fetch_identity(self.url, self.token) if self.url else None
        if fresh is None:
            return False
        self.learn(fresh)
        return True

    def before_push(self, client: SyncClient | None) -> None:
        """Nothing leaves this console under a provisional name: learn the real one first
        (raises SyncError while the server is away, so the outbox simply waits)."""
        if not self.user.provisional or client is None:
            return
        fresh = _identity_from(client.me())
        if fresh is None:
            raise ServerError("Onverwacht antwoord van de server op wie-ben-ik.")
        self.learn(fresh)

    def learn(self, fresh: UserInfo) -> None:
        _cache_identity(self.state_dir, self.url, self.token, fresh)
        self.user.name, self.user.role, self.user.teams = fresh.name, fresh.role, fresh.teams
        self.user.provisional = False
        self.settle()

    def settle(self) -> None:
        """Record who uses this store; once the identity is real, re-stamp what was made
        under a provisional name (kept in meta until then, so a crash cannot skip it)."""
        pending = set(self.store.get_meta("provisional_names", []))
        if self.user.provisional:
            pending.add(self.user.name)
        elif pending:
            for old in sorted(pending - {self.user.name}):
                self.store.restamp_author(old, self.user.name)
            pending = set()
        self.store.set_meta("provisional_names", sorted(pending))
        self.store.set_meta("identity", asdict(self.user))


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
    data[_identity_key(url, token)] = {"name": user.name, "role": user.role, "teams": user.teams}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    tmp.replace(path)


def _fetch_identity(url: str, token: str) -> UserInfo | None:
    client = SyncClient(url, token, timeout=IDENTITY_TIMEOUT, connect_timeout=IDENTITY_TIMEOUT)
    try:
        return _identity_from(client.me())
    except SyncError:
        return None
    finally:
        client.close()


def _identity_from(me: Any) -> UserInfo | None:
    try:
        return UserInfo(str(me["name"]), str(me.get("role", "agent")), list(me.get("teams", [])))
    except (KeyError, TypeError, AttributeError):
        return None
