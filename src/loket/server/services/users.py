"""Users and the access log: who is calling (bearer token → user), the users an admin
manages, and the record of every read of personal data."""

from __future__ import annotations

import threading
import time
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from loket.domain.errors import FieldError
from loket.server.auth import User, hash_token, new_token
from loket.server.errors import ApiError, not_found
from loket.server.services.common import Context

PUSH_CACHE_SECONDS = 2.0


class UserService:
    """Token look-ups and users.

    Every request looks its caller up in the database, so a user disabled anywhere (the
    API of any server process, or `loket user disable` on the command line) is refused
    by the very next request. Only the push route may take the caller from a short cache
    (it costs no thread hop on the hottest route): the push transaction itself checks
    that the user is still enabled before it writes anything (`CentralSync.apply`).
    """

    def __init__(self, ctx: Context, teams: Collection[str] | None = None) -> None:
        self.ctx = ctx
        self.teams = teams  # the reference data's team ids; None: any (tests, benches)
        self._pushers: dict[str, tuple[User, float]] = {}
        self._pushers_lock = threading.Lock()

    def cached_pusher(self, token: str) -> User | None:
        """The caller of a push from the short-lived cache, without touching the
        database (so the event loop may ask); None means `authenticate_pusher`."""
        cached = self._pushers.get(hash_token(token))
        if cached and cached[1] > time.monotonic():
            return cached[0]
        return None

    def authenticate_pusher(self, token: str) -> User:
        user = self.authenticate(token)
        with self._pushers_lock:
            self._pushers[hash_token(token)] = (user, time.monotonic() + PUSH_CACHE_SECONDS)
        return user

    def authenticate(self, token: str) -> User:
        with self.ctx.storage.read() as r:
            row = r.user_by_token_hash(hash_token(token))
        if row is None or row["disabled"]:
            raise ApiError("unauthorized", "Unknown or disabled token.")
        return User.from_row(row)

    def enabled(self, name: str) -> bool:
        with self.ctx.storage.read() as r:
            return r.user_enabled(name)

    def list(self) -> list[dict[str, Any]]:
        with self.ctx.storage.read() as r:
            rows = r.users()
        return [
            {
                **User.from_row(row).as_dict(),
                "disabled": bool(row["disabled"]),
                "created_at": row["created_at"],
            }
            for row in rows
        ]

    def add(self, name: str, role: str, teams: Iterable[str]) -> str:
        """Create a user; returns its bearer token (shown once, stored only as a hash).
        Every team must be one of the reference data's (a typo would give a back-office
        user an empty work list, silently)."""
        teams = list(teams)
        unknown = [
            FieldError(f"teams[{i}]", f"Unknown team '{team}'.")
            for i, team in enumerate(teams)
            if self.teams is not None and team not in self.teams
        ]
        if unknown:
            raise ApiError("validation", unknown[0].message, unknown)
        token = new_token()
        with self.ctx.storage.write() as tx:
            if tx.user(name) is not None:
                msg = f"User '{name}' exists."
                raise ApiError("conflict", msg, [FieldError("name", msg)])
            tx.add_user(name, role, teams, hash_token(token), self.ctx.now())
        return token

    def disable(self, name: str) -> None:
        with self.ctx.storage.write() as tx:
            if not tx.set_user_disabled(name, True):
                raise not_found("User")
        with self._pushers_lock:
            self._pushers.clear()


def task_has_resident_data(task: Mapping[str, Any]) -> bool:
    """Whether a task (as answered) carries the resident's name, phone or e-mail."""
    callback = task.get("callback") or {}
    return any(callback.get(key) for key in ("name", "phone", "email"))


class AccessLog:
    """Every read of a resident's data: who, when, which contact, and why.

    Contacts are recorded by id; a task with the resident's callback details under the
    contact it was routed from, the task's id as note, and a `task_...` reason."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def record(self, user: User, contact_ids: Sequence[str], reason: str, note: str = "") -> None:
        if contact_ids:
            with self.ctx.storage.write() as tx:
                tx.add_access(self.ctx.now(), user.name, contact_ids, reason, note)

    def record_tasks(self, user: User, tasks: Iterable[Mapping[str, Any]], reason: str) -> None:
        """Reads of tasks (`reason`: task_view, task_list, task_export, task_action); only
        those that carry the resident's data are recorded, one entry each."""
        seen = [(t.get("contact_id") or "", t["id"]) for t in tasks if task_has_resident_data(t)]
        if seen:
            at = self.ctx.now()
            with self.ctx.storage.write() as tx:
                for contact_id, task_id in seen:
                    tx.add_access(at, user.name, [contact_id], reason, task_id)

    def page(self, limit: int, before: int | None) -> dict[str, Any]:
        with self.ctx.storage.read() as r:
            rows = r.access_log(before, limit + 1)
        items = [
            {
                "id": int(x["id"]),
                "at": x["at"],
                "user": x["user_name"],
                "contact_id": x["contact_id"],
                "reason": x["reason"],
                "note": x["note"],
            }
            for x in rows[:limit]
        ]
        more = len(rows) > limit
        return {"items": items, "next_before": items[-1]["id"] if more else None}
