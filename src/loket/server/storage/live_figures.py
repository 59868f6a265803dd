"""Today's summary kept current on write (docs/metrics.md, "The live day").

Why: the supervisor's figures for today must come from the report's statements and stay
fast at a million contacts, and reading the day from its rows costs one pass over a day's
contacts per statement. So one day, the *live day* (today; `figure_state` row
`live_day`), is summarised like a past day, and every write that changes a contact or
task of it corrects the summary in the same transaction: minus the record's share as it
was, plus its share as it is now. Both shares come from the very statements that build a
day (`contact_parts` and `task_sum_parts` narrowed to the record's id), so a summary kept
on write and one built from the rows are the same sums.

Order of work in a write transaction: before a record of the live day is written, its row
is locked (PostgreSQL) and its old share read; its new share is read once, at the end, for
every record the transaction touched; the net change is applied after the change-log order
lock, so the hot rows (the day's totals) are only ever updated under that lock and no
transaction holding it waits for one of them. A backend keeps the live day's build apart
from pushes with `LiveLocks`: every writer shares a lock the build takes exclusively, so a
build sees every earlier push committed and every later push sees the new live day.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from loket.server.storage import figures
from loket.server.storage.sql import Executor, Row, Sql


def _nothing() -> None:
    return None


def _nothing_for(_: bool) -> None:
    return None


@dataclass(frozen=True)
class LiveLocks:
    """What a backend needs to keep the live day right under concurrent writers
    (PostgreSQL; SQLite writes one transaction at a time and needs none)."""

    share: Callable[[], None] = _nothing  # every writer of contacts or tasks, before it reads
    exclusive: Callable[[], None] = _nothing  # the build of a new live day
    row: str = ""  # appended to a SELECT of one row to lock it until the commit
    # Around the share statements (True before, False after): PostgreSQL plans them once
    # (a generic plan: 1 ms for a record's share instead of 7, mostly planning).
    generic_plans: Callable[[bool], None] = _nothing_for


FLOAT_SUMS = frozenset({"handling_sum", "talk_sum", "wrapup_sum"})
_DAY_KEY = ("dim", "local_day", "grp")
_HIST_KEY = ("dim", "local_day", "grp", "measure", "bucket")


SHARE_CHUNK = 64  # records per share statement (6 groupings x 3 measures x ids params)


def _chunks(ids: Sequence[str]) -> Iterator[list[str]]:
    """Chunks padded to a power of two with repeats (an id twice in IN is once), so a
    handful of statement shapes serve every batch size."""
    for start in range(0, len(ids), SHARE_CHUNK):
        chunk = list(ids[start : start + SHARE_CHUNK])
        size = 1 << (len(chunk) - 1).bit_length()
        yield chunk + [chunk[-1]] * (size - len(chunk))


def _union(
    dims: Sequence[str], part: Callable[[str], tuple[str, list[Any]]]
) -> tuple[str, list[Any]]:
    """One statement for several dimensions: each dimension's rows, tagged with it."""
    texts, params = [], []
    for dim in dims:
        sql, p = part(dim)
        texts.append(f"SELECT '{dim}' AS dim, x.* FROM ({sql}) x")
        params.extend(p)
    return " UNION ALL ".join(texts), params


_DAY, _ID = "\x00day", "\x00id"  # stand-ins in a cached statement's parameters


@cache
def _share_sql(kind: str, at: int, dims: tuple[str, ...], n: int) -> tuple[str, tuple[str, ...]]:
    """(SQL, parameter stand-ins) of part `at` of `n` records' share over `dims`: the
    build's statements, written once per shape (building them costs more than running
    them for one record)."""
    days, ids = figures.Days(days=[_DAY]), [f"{_ID}{i}" for i in range(n)]

    def part(dim: str) -> tuple[str, list[Any]]:
        found = figures.contact_parts if kind == "contact" else figures.task_sum_parts
        _, sql, params = found(dim, days, ids)[at]
        return sql, params

    sql, params = _union(dims, part)
    return sql, tuple(params)


def _fill(shape: tuple[str, ...], day: str | None, ids: Sequence[str]) -> list[Any]:
    return [day if p == _DAY else ids[int(p[len(_ID) :])] for p in shape]


@dataclass
class _Notes:
    """What this transaction changes in the live day's summary, until it is applied."""

    deltas: list[tuple[str, tuple[Any, ...], str | None, dict[str, float]]] = field(
        default_factory=list
    )
    marks: list[tuple[str, str]] = field(default_factory=list)  # (kind, id) in order
    contacts: set[str] = field(default_factory=set)  # every dimension noted
    teams: set[str] = field(default_factory=set)  # only the team dimension noted
    tasks: set[str] = field(default_factory=set)

    def mark(self, kind: str, ident: str) -> None:
        self.marks.append((kind, ident))
        {"contact": self.contacts, "team": self.teams, "task": self.tasks}[kind].add(ident)

    def undo(self, deltas: int, marks: int) -> None:
        del self.deltas[deltas:]
        del self.marks[marks:]
        self.contacts, self.teams, self.tasks = set(), set(), set()
        for kind, ident in self.marks:
            {"contact": self.contacts, "team": self.teams, "task": self.tasks}[kind].add(ident)


class LiveFigures(Sql):
    """The live day's summary, corrected by each write of a contact or task."""

    send: Executor
    live_locks: LiveLocks
    _live_notes: _Notes
    _live: tuple[str | None] | None  # read once per transaction: (day or None,)

    def live_init(self, locks: LiveLocks) -> None:
        self.live_locks = locks
        self._live_notes = _Notes()
        self._live = None

    def live_day(self) -> str | None:
        """The day kept current on write (None before any figure was read)."""
        if self._live is None:
            self.live_locks.share()
            row = self._one("SELECT value FROM figure_state WHERE name = 'live_day'")
            self._live = (figures.day_text(int(row["value"])) if row else None,)
        return self._live[0]

    def live_mark(self) -> tuple[int, int]:
        return len(self._live_notes.deltas), len(self._live_notes.marks)

    def live_undo(self, mark: tuple[int, int]) -> None:
        """A savepoint rolled back: forget what its item noted."""
        self._live_notes.undo(*mark)

    def live_before_contact(self, contact_id: str, new_day: str | None) -> None:
        """Before a contact is written: its share of the live day as it is stored."""
        live = self.live_day()
        notes = self._live_notes
        if live is None or contact_id in notes.contacts:
            return
        row = self._one(
            f"SELECT local_day FROM contacts WHERE id = ?{self.live_locks.row}", (contact_id,)
        )
        old_day = row["local_day"] if row else None
        if live not in (old_day, new_day):
            return
        if old_day == live:
            dims = [d for d in figures.DIMS if d != "team" or contact_id not in notes.teams]
            self._note_contacts(-1, [contact_id], dims)
        notes.mark("contact", contact_id)

    def live_before_task(
        self, task_id: str, contact_id: str, task_day: str | None, team: str, insert: bool
    ) -> None:
        """Before a task is written: its share of the live day, and its contact's share
        grouped by team when the task may move the contact to another team."""
        live = self.live_day()
        notes = self._live_notes
        if live is None or task_day != live:  # a contact's day is never after its task's
            return
        old_team = None
        if not insert:
            row = self._one(f"SELECT team FROM tasks WHERE id = ?{self.live_locks.row}", (task_id,))
            old_team = row["team"] if row else None
        if task_id not in notes.tasks:
            if not insert:
                self._note_tasks(-1, [task_id])
            notes.mark("task", task_id)
        if contact_id in notes.contacts or contact_id in notes.teams:
            return
        if not insert and old_team == team:
            return
        row = self._one(
            f"SELECT local_day FROM contacts WHERE id = ?{self.live_locks.row}", (contact_id,)
        )
        if row is None or row["local_day"] != live:
            return
        self._note_contacts(-1, [contact_id], ["team"])
        notes.mark("team", contact_id)

    def flush_live(self) -> None:
        """Read the touched records' shares as they are now, and apply the net change."""
        notes = self._live_notes
        if not notes.marks:
            return
        full = sorted(notes.contacts)
        teams = sorted(notes.teams - notes.contacts)
        for chunk in _chunks(full):
            self._note_contacts(1, chunk, figures.DIMS)
        for chunk in _chunks(teams):
            self._note_contacts(1, chunk, ["team"])
        for chunk in _chunks(sorted(notes.tasks)):
            self._note_tasks(1, chunk)
        self._apply()
        self._live_notes = _Notes()

    def _note_contacts(self, sign: int, ids: Sequence[str], dims: Sequence[str]) -> None:
        live = self.live_day()
        self.live_locks.generic_plans(True)
        for at, table in enumerate(("days", "days", "hist")):
            sql, shape = _share_sql("contact", at, tuple(dims), len(ids))
            self._note(sign, table, self.run(sql, _fill(shape, live, ids)))
        self.live_locks.generic_plans(False)

    def _note_tasks(self, sign: int, ids: Sequence[str]) -> None:
        live = self.live_day()
        self.live_locks.generic_plans(True)
        for at, table in enumerate(("days", "hist")):
            sql, shape = _share_sql("task", at, figures.DIMS, len(ids))
            self._note(sign, table, self.run(sql, _fill(shape, live, ids)))
        self.live_locks.generic_plans(False)

    def _note(self, sign: int, table: str, rows: list[Row]) -> None:
        for row in rows:
            key: tuple[Any, ...]
            values: dict[str, float]
            if table == "hist":
                key = (row["dim"], row["day"], row["grp"], row["measure"], int(row["bucket"]))
                values = {"n": sign * int(row["n"])}
            else:
                key = (row["dim"], row["day"], row["grp"])
                values = {
                    c: sign * (float(v) if c in FLOAT_SUMS else int(v))
                    for c, v in row.items()
                    if c in figures.DAY_SUMS and v is not None
                }
            self._live_notes.deltas.append((table, key, row.get("week"), values))

    def _apply(self) -> None:
        """The summed changes in multi-row upserts, keys in order (so two writers never
        lock the same rows in a different order); rows left empty go, as a build would
        not make them."""
        sums: dict[tuple[str, tuple[Any, ...]], dict[str, float]] = {}
        weeks: dict[tuple[str, tuple[Any, ...]], str | None] = {}
        shrank: set[tuple[str, tuple[Any, ...]]] = set()
        for table, key, week, values in self._live_notes.deltas:
            found = sums.setdefault((table, key), {})
            weeks[(table, key)] = weeks.get((table, key)) or week
            for column, value in values.items():
                found[column] = found.get(column, 0) + value
                if value < 0:
                    shrank.add((table, key))
        rows: dict[str, list[tuple[Any, ...]]] = {"days": [], "hist": []}
        for (table, key), values in sorted(sums.items(), key=lambda kv: kv[0]):
            if not any(values.values()):
                continue
            columns = ("n",) if table == "hist" else figures.DAY_SUMS
            rows[table].append((*key, weeks[(table, key)], *(values.get(c, 0) for c in columns)))
        for table, batch in rows.items():
            start = 0
            for size in _sizes(len(batch), _UPSERT_ROWS[table]):
                chunk = batch[start : start + size]
                start += size
                self.send(_upsert_sql(table, size), [v for row in chunk for v in row])
        for table, key in sorted(shrank):
            self._drop_empty(table, key)

    def _drop_empty(self, table: str, key: tuple[Any, ...]) -> None:
        if table == "hist":
            where = " AND ".join(f"{c} = ?" for c in _HIST_KEY)
            self.send(f"DELETE FROM figure_hist WHERE {where} AND n = 0", key)
            return
        where = " AND ".join(f"{c} = ?" for c in _DAY_KEY)
        self.send(
            f"DELETE FROM figure_days WHERE {where} AND contacts = 0 AND questions = 0"
            " AND tasks = 0",
            key,
        )


_UPSERT_ROWS = {"days": 16, "hist": 64}  # rows per upsert at most (27 and 7 parameters each)


def _sizes(n: int, most: int) -> list[int]:
    """`n` rows as statements of power-of-two sizes up to `most` (37 -> 16, 16, 4, 1): a
    few statement shapes, each prepared once and kept in the connection's cache."""
    sizes = [most] * (n // most)
    rest = n % most
    while rest:
        size = 1 << (rest.bit_length() - 1)
        sizes.append(size)
        rest -= size
    return sizes


@cache
def _upsert_sql(table: str, n: int) -> str:
    """Add `n` rows of changes to the summary (a row not there yet is inserted)."""
    names, target = (_HIST_KEY, "figure_hist") if table == "hist" else (_DAY_KEY, "figure_days")
    columns = ("n",) if table == "hist" else figures.DAY_SUMS
    every = (*names, "local_week", *columns)
    one = "(" + ", ".join("?" for _ in every) + ")"
    sets = ", ".join(f"{c} = COALESCE({target}.{c}, 0) + excluded.{c}" for c in columns)
    return (
        f"INSERT INTO {target} ({', '.join(every)}) VALUES {', '.join([one] * n)}"
        f" ON CONFLICT ({', '.join(names)}) DO UPDATE SET {sets},"
        f" local_week = COALESCE({target}.local_week, excluded.local_week)"
    )
