"""SQL of users and the access log: who may call the server, and who looked at what."""

from __future__ import annotations

import json
from collections.abc import Sequence

from loket.server.storage.sql import Row, Sql


class AccountReads(Sql):
    def user_by_token_hash(self, token_hash: str) -> Row | None:
        return self._one("SELECT * FROM users WHERE token_hash = ?", (token_hash,))

    def user(self, name: str) -> Row | None:
        return self._one("SELECT * FROM users WHERE name = ?", (name,))

    def user_enabled(self, name: str) -> bool:
        return bool(self._one("SELECT 1 FROM users WHERE name = ? AND disabled = 0", (name,)))

    def users(self) -> list[Row]:
        return self.run("SELECT name, role, teams, disabled, created_at FROM users ORDER BY name")

    def access_log(self, before_id: int | None, limit: int) -> list[Row]:
        if before_id is None:
            return self.run("SELECT * FROM access_log ORDER BY id DESC LIMIT ?", (limit,))
        return self.run(
            "SELECT * FROM access_log WHERE id < ? ORDER BY id DESC LIMIT ?", (before_id, limit)
        )


class AccountWrites(AccountReads):
    def add_user(
        self, name: str, role: str, teams: Sequence[str], token_hash: str, at: str
    ) -> None:
        self.run(
            "INSERT INTO users (name, role, teams, token_hash, disabled, created_at)"
            " VALUES (?, ?, ?, ?, 0, ?)",
            (name, role, json.dumps(list(teams)), token_hash, at),
        )

    def set_user_disabled(self, name: str, disabled: bool) -> bool:
        rows = self.run(
            "UPDATE users SET disabled = ? WHERE name = ? RETURNING name", (int(disabled), name)
        )
        return bool(rows)

    def add_access(
        self, at: str, user: str, contact_ids: Sequence[str], reason: str, note: str = ""
    ) -> None:
        for contact_id in contact_ids:
            self.run(
                "INSERT INTO access_log (at, user_name, contact_id, reason, note)"
                " VALUES (?, ?, ?, ?, ?)",
                (at, user, contact_id, reason, note),
            )
