"""SQL of tasks: the row as written, list queries, and the optimistic update."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from loket.server.storage import figures
from loket.server.storage.live_figures import LiveFigures
from loket.server.storage.sql import Row, Sql, scope_sql, sql_in

if TYPE_CHECKING:
    from loket.server.policy import Scope


@dataclass(frozen=True)
class TaskQuery:
    team: str | None = None
    status: str | None = None
    assignee: str | None = None
    after: tuple[str, str] | None = None  # (created_at, id)
    limit: int = 100


@dataclass
class TaskRow:
    id: str
    contact_id: str
    team: str
    assignee: str | None
    status: str
    created_by: str
    created_at: str
    due_at: str | None
    version: int
    data: dict[str, Any]


class TaskReads(Sql):
    def task(self, task_id: str) -> Row | None:
        return self._one("SELECT * FROM tasks WHERE id = ?", (task_id,))

    def tasks(self, query: TaskQuery, scope: Scope) -> list[Row]:
        cond, params = scope_sql(scope)
        conds = [cond]
        for column, value in (
            ("team", query.team),
            ("status", query.status),
            ("assignee", query.assignee),
        ):
            if value is not None:
                conds.append(f"{column} = ?")
                params.append(value)
        if query.after is not None:
            conds.append("(created_at > ? OR (created_at = ? AND id > ?))")
            params.extend([query.after[0], query.after[0], query.after[1]])
        sql = (
            "SELECT data FROM tasks WHERE "
            + " AND ".join(conds)
            + " ORDER BY created_at, id LIMIT ?"
        )
        return self.run(sql, [*params, query.limit])

    def tasks_of_contacts(self, contact_ids: list[str]) -> list[Row]:
        """Every task routed from these contacts (a customer history shows their state)."""
        if not contact_ids:
            return []
        return self.run(
            f"SELECT data FROM tasks WHERE contact_id IN {sql_in(contact_ids)}", contact_ids
        )


class TaskWrites(TaskReads, LiveFigures):
    def insert_task(self, row: TaskRow) -> bool:
        values = task_values(row)
        self.live_before_task(row.id, row.contact_id, values[_DAY], row.team, insert=True)
        rows = self.run(_INSERT, (*values, row.contact_id, row.contact_id))
        return bool(rows)

    def update_task(self, row: TaskRow, expected_version: int) -> bool:
        """Write the new state only if nobody changed the task since `expected_version`."""
        columns = figures.task_columns(row.data)
        day = columns[figures.TASK_FIGURE_COLUMNS.index("local_day")]
        self.live_before_task(row.id, row.contact_id, day, row.team, insert=False)
        rows = self.run(
            _UPDATE,
            (
                row.team,
                row.assignee,
                row.status,
                row.due_at,
                row.version,
                json.dumps(row.data),
                *columns,
                row.id,
                expected_version,
            ),
        )
        return bool(rows)


# The tasks row as the write path fills it, in the order of `task_values`.
TASK_COLUMNS = (
    "id",
    "contact_id",
    "team",
    "assignee",
    "status",
    "created_by",
    "created_at",
    "due_at",
    "version",
    "data",
    *figures.TASK_FIGURE_COLUMNS,
)
# The contact's channel and district, copied when the task is made (the contact is stored
# by then), so task figures group by them without a join.
TASK_CONTACT_COLUMNS = ("channel", "district")
_INSERT = (
    f"INSERT INTO tasks ({', '.join((*TASK_COLUMNS, *TASK_CONTACT_COLUMNS))})"
    f" VALUES ({', '.join('?' for _ in TASK_COLUMNS)}, "
    + ", ".join(f"(SELECT {c} FROM contacts WHERE id = ?)" for c in TASK_CONTACT_COLUMNS)
    + ") ON CONFLICT (id) DO NOTHING RETURNING id"
)
_UPDATE = (
    "UPDATE tasks SET team = ?, assignee = ?, status = ?, due_at = ?, version = ?, data = ?, "
    + ", ".join(f"{c} = ?" for c in figures.TASK_FIGURE_COLUMNS)
    + " WHERE id = ? AND version = ? RETURNING id"
)


_DAY = TASK_COLUMNS.index("local_day")


def task_values(row: TaskRow) -> tuple[Any, ...]:
    """The values of TASK_COLUMNS for `row`, figure columns derived from its record."""
    return (
        row.id,
        row.contact_id,
        row.team,
        row.assignee,
        row.status,
        row.created_by,
        row.created_at,
        row.due_at,
        row.version,
        json.dumps(row.data),
        *figures.task_columns(row.data),
    )
