"""What every module of shared SQL stands on: the executor a backend hands in, rows as
dicts, `?` lists, and the visibility scope (`loket.server.policy`) turned into SQL."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from loket.server.policy import Scope

Row = dict[str, Any]


class Executor(Protocol):
    """The one thing the shared SQL needs from a backend: run a statement, get dict rows."""

    def __call__(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...


CHUNK = 500  # rows per multi-row statement (8 params each: far below both backends' limits)


def sql_in(values: Sequence[str]) -> str:
    return "(" + ", ".join("?" for _ in values) + ")"


_COLUMN = re.compile(r"^[a-z_]+$")


def scope_sql(scope: Scope) -> tuple[str, list[Any]]:
    """SQL condition (and params) for the rows `scope` admits (`loket.server.policy`)."""
    if scope.everything:
        return "1 = 1", []
    conds: list[str] = []
    params: list[Any] = []
    for rule in scope.rules:
        if rule.values:
            if not _COLUMN.match(rule.column):
                raise ValueError(rule.column)
            conds.append(f"{rule.column} IN {sql_in(rule.values)}")
            params.extend(rule.values)
    if not conds:
        return "1 = 0", []
    cond = "(" + " OR ".join(conds) + ")"
    if scope.entity is not None:
        cond = f"entity = ? AND {cond}"
        params.insert(0, str(scope.entity))
    return cond, params


class Sql:
    """Statements over one transaction's executor; the concept modules extend it."""

    def __init__(self, run: Executor) -> None:
        self.run = run

    def _one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        rows = self.run(sql, params)
        return rows[0] if rows else None
