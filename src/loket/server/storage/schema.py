"""Numbered migrations of the central store, applied in a locked transaction."""

from __future__ import annotations

import re
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from loket.server.storage.base import Writes


_STATEMENT_END = re.compile(r";\s*$", re.MULTILINE)


def migration_files(backend: str) -> list[tuple[int, str, str]]:
    """(number, name, sql) of each numbered migration for `backend`, in order."""
    folder = resources.files("loket.server.storage") / "migrations" / backend
    found = []
    for item in folder.iterdir():
        name = item.name
        if name.endswith(".sql") and name[:4].isdigit():
            found.append((int(name[:4]), name, item.read_text(encoding="utf-8")))
    return sorted(found)


def split_statements(sql: str) -> list[str]:
    """Statements of a migration file (no semicolons inside statements, by convention)."""
    lines = [ln for ln in sql.splitlines() if not ln.strip().startswith("--")]
    return [s.strip() for s in _STATEMENT_END.split("\n".join(lines)) if s.strip()]


def apply_migrations(tx: Writes, backend: str, now: str) -> list[int]:
    """Apply missing migrations inside the caller's (locked) transaction; returns new ones."""
    tx.run(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
        " name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    done = {int(r["version"]) for r in tx.run("SELECT version FROM schema_migrations")}
    applied = []
    for number, name, sql in migration_files(backend):
        if number in done:
            continue
        for statement in split_statements(sql):
            tx.run(statement)
        tx.run(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
            (number, name, now),
        )
        applied.append(number)
    return applied
