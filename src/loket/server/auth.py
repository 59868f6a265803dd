"""Bearer tokens and roles: who the caller is and what it may see.

Tokens are 32 random bytes shown once; the database keeps only their SHA-256, so a copy
of the database does not let anyone sign in. (A slow hash adds nothing for random
tokens of this length.)
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any

from loket.domain.models import Role
from loket.server.errors import ApiError
from loket.server.storage.base import Scope

ROLES: tuple[str, ...] = tuple(r.value for r in Role)
# Roles that read everything.
READ_ALL = frozenset({Role.SUPERVISOR.value, Role.ADMIN.value})


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class User:
    name: str
    role: str
    teams: tuple[str, ...] = ()

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> User:
        return cls(name=row["name"], role=row["role"], teams=tuple(json.loads(row["teams"])))

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "role": self.role, "teams": list(self.teams)}

    @property
    def reads_all(self) -> bool:
        return self.role in READ_ALL

    def change_scope(self) -> Scope:
        """What this user may see in the change log (pull, live events)."""
        if self.reads_all:
            return Scope("all")
        if self.role == Role.AGENT:
            return Scope("owner", name=self.name)
        if self.role == Role.BACKOFFICE:
            return Scope("teams", teams=self.teams)
        return Scope("none")

    def sees_change(self, head: dict[str, Any]) -> bool:
        """The same rule as `change_scope`, for one change-log head (live events)."""
        scope = self.change_scope()
        if scope.kind == "all":
            return True
        if scope.kind == "owner":
            return head["owner"] == self.name
        if scope.kind == "teams":
            return head["entity"] == "task" and (
                head["team"] in scope.teams or head["team_before"] in scope.teams
            )
        return False


def parse_bearer(header: str | None) -> str:
    if not header:
        raise ApiError("unauthorized", "Missing bearer token.")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError("unauthorized", "Authorization must be 'Bearer <token>'.")
    return token.strip()
