"""Operator tasks on a central-store database, without a running server (used by the CLI)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from loket.server.auth import ROLES
from loket.server.errors import ApiError
from loket.server.services import CentralStore
from loket.server.storage import open_storage


class UnknownTeam(ValueError):
    """A team id that the reference data (backoffices.toml) does not know."""


@contextmanager
def _store(db_url: str, teams: Collection[str] | None = None) -> Iterator[CentralStore]:
    storage = open_storage(db_url, pool_size=1)
    try:
        storage.migrate()
        yield CentralStore(storage, teams=teams)  # users only: no BSN keys needed
    finally:
        storage.close()


def migrate(db_url: str) -> list[int]:
    """Apply pending schema migrations; returns the numbers applied now."""
    storage = open_storage(db_url, pool_size=1)
    try:
        return storage.migrate()
    finally:
        storage.close()


def create_user(
    db_url: str,
    name: str,
    role: str,
    teams: Iterable[str] = (),
    data_dir: Path | str | None = None,
) -> str:
    """Create a user and return its bearer token (shown once; only its hash is stored).

    Teams are checked against the reference data in `data_dir` (default: the shipped
    data), as the server checks them. Raises `UnknownTeam` for a team it does not know,
    ValueError for an unknown role, a bad name or an existing user.
    """
    from loket.paths import default_data_dir
    from loket.reference import BACKOFFICES_FILE, load_routing

    if role not in ROLES:
        raise ValueError(f"unknown role '{role}' (one of {', '.join(ROLES)})")
    if not name or len(name) > 64 or not all(c.isalnum() or c in "._@-" for c in name):
        raise ValueError("user name must be 1-64 letters, digits or . _ @ -")
    teams = list(teams)
    known = load_routing(data_dir).team_ids()
    with _store(db_url, known) as store:
        try:
            return store.users.add(name, role, teams)
        except ApiError as exc:
            if exc.fields and exc.fields[0].field.startswith("teams"):
                source = Path(data_dir or default_data_dir()) / BACKOFFICES_FILE
                unknown = ", ".join(f"'{t}'" for t in teams if t not in known)
                raise UnknownTeam(f"unknown team {unknown} (not in {source})") from None
            raise ValueError(exc.message) from None


def list_users(db_url: str) -> list[dict[str, Any]]:
    with _store(db_url) as store:
        return store.users.list()


def disable_user(db_url: str, name: str) -> None:
    """Disable a user; its token is refused by the next request to any server."""
    with _store(db_url) as store:
        try:
            store.users.disable(name)
        except ApiError:
            raise ValueError(f"no user named '{name}'") from None
