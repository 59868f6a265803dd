"""Operator tasks on a central-store database, without a running server (used by the CLI)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from loket.server.auth import ROLES
from loket.server.errors import ApiError
from loket.server.services import CentralStore
from loket.server.storage import open_storage


@contextmanager
def _store(db_url: str) -> Iterator[CentralStore]:
    storage = open_storage(db_url, pool_size=1)
    try:
        storage.migrate()
        yield CentralStore(storage)  # users only: no BSN keys needed
    finally:
        storage.close()


def migrate(db_url: str) -> list[int]:
    """Apply pending schema migrations; returns the numbers applied now."""
    storage = open_storage(db_url, pool_size=1)
    try:
        return storage.migrate()
    finally:
        storage.close()


def create_user(db_url: str, name: str, role: str, teams: Iterable[str] = ()) -> str:
    """Create a user and return its bearer token (shown once; only its hash is stored).

    Raises ValueError for an unknown role, a bad name or an existing user.
    """
    if role not in ROLES:
        raise ValueError(f"unknown role '{role}' (one of {', '.join(ROLES)})")
    if not name or len(name) > 64 or not all(c.isalnum() or c in "._@-" for c in name):
        raise ValueError("user name must be 1-64 letters, digits or . _ @ -")
    with _store(db_url) as store:
        try:
            return store.users.add(name, role, list(teams))
        except ApiError as exc:
            raise ValueError(exc.message) from None


def list_users(db_url: str) -> list[dict[str, Any]]:
    with _store(db_url) as store:
        return store.users.list()


def disable_user(db_url: str, name: str) -> None:
    """Disable a user; its token stops working (within seconds on running servers)."""
    with _store(db_url) as store:
        try:
            store.users.disable(name)
        except ApiError:
            raise ValueError(f"no user named '{name}'") from None
