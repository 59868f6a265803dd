"""Bearer tokens and the caller's identity (what it may see: `loket.server.policy`).

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

ROLES: tuple[str, ...] = tuple(r.value for r in Role)


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
