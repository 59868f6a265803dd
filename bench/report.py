"""Management-report benchmark at scale (not a test).

Generates 1,000,000 contacts and 200,000 tasks over one year (2025, Amsterdam days) into
the central store's schema: the storage layer migrates an empty database, and the rows
are the write path's own (`contact_values`, `question_rows`, `task_values`: the same
code that fills the figure columns on a push), written in bulk (executemany on SQLite,
COPY on PostgreSQL), and the day summaries are built once. Then it times every statement
of `loket report` (`report_parts`: the day summaries, the open days read from the rows,
the tasks not done yet) and the whole report for a month and for the year, grouped by
channel and by team, and the supervisor's "today" figures (the same queries for one busy day,
grouped by day, channel and agent; then the supervisor's own calls, GET /stats and the
figures of GET /live/office, which run a subset of them), on SQLite and on PostgreSQL.
Each line shows median and p95 over --rounds runs next to the floor: a bare
`SELECT count(*)` over the same rows. Peak memory: the Python heap of one run of each
whole report and supervisor call (tracemalloc, outside the timed rounds: tracing every
allocation slows the Python side of a report severalfold) and the process's peak RSS.

    .venv/bin/python bench/report.py                       # SQLite only
    LOKET_TEST_PG_URL=postgresql://postgres@127.0.0.1:5432/test \\
        .venv/bin/python bench/report.py [--rounds 5] [--contacts N --tasks N] [--fresh]

The generated SQLite file is cached under /tmp/loket-bench-report/ and PostgreSQL's data
in the database `bench_report` (created next to the one LOKET_TEST_PG_URL names, so test
schemas are untouched); both are keyed by the generator's version, the sizes and the
columns written, so a change there regenerates them. New migrations (indexes) are applied
to a cached database before timing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import resource
import sqlite3
import statistics
import sys
import time
import tomllib
import tracemalloc
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from loket.domain.models import DEFAULT_OUTCOMES, OUTCOME_ROUTED  # noqa: E402
from loket.domain.reminders import NEARLY_DUE_HOURS  # noqa: E402
from loket.domain.sla import AMSTERDAM, DEFAULT_CALENDAR  # noqa: E402
from loket.server.auth import User  # noqa: E402
from loket.server.services.common import Context  # noqa: E402
from loket.server.services.figures import FigureService, report_parts  # noqa: E402
from loket.server.storage import figures  # noqa: E402
from loket.server.storage.base import Storage, db_time, open_storage  # noqa: E402
from loket.server.storage.changes import ChangeRow  # noqa: E402
from loket.server.storage.contacts import (  # noqa: E402
    CONTACT_COLUMNS,
    QUESTION_INSERT,
    ContactRow,
    contact_values,
)
from loket.server.storage.tasks import (  # noqa: E402
    TASK_COLUMNS,
    TASK_CONTACT_COLUMNS,
    TaskRow,
    task_values,
)

SUPERVISOR = User("bench", "supervisor")

GENERATOR_VERSION = 1  # bump when the generated data changes
CACHE = Path("/tmp/loket-bench-report")
PG_DATABASE = "bench_report"
YEAR = 2025
NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)  # the report's "now" (overdue is before it)
MONTH = (date(2025, 6, 1), date(2025, 6, 30))
FULL_YEAR = (date(2025, 1, 1), date(2025, 12, 31))
TODAY = date(2025, 11, 10)  # a Monday
TODAY_NOW = datetime(2025, 11, 10, 15, 0, tzinfo=UTC)
TASK_PARTS = ("task_stock", "open_task_sums", "open_resolve_hist")
PUSH_PAST = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)  # the peer's pushes go to this past day
OFFICE_GROUPINGS = ("day", "channel", "agent")  # what GET /live/office asks for today
CHUNK = 20_000

CHANNELS = {"telefoon": 55, "balie": 15, "e-mail": 12, "chat": 8, "web": 6, "post": 2, "social": 2}
OUTCOMES = [o for o in DEFAULT_OUTCOMES if o != OUTCOME_ROUTED]
OUTCOME_WEIGHTS = [60, 15, 8, 6, 4, 7]
DISTRICTS = [
    "Centrum",
    "Noord",
    "Oost",
    "Zuid",
    "West",
    "Havenkwartier",
    "Kralingen",
    "Delfshaven",
    "Charlois",
    "Feijenoord",
    "IJsselmonde",
    "Overschie",
    "Hillegersberg",
    "Prins Alexander",
]
AGENTS = [f"agent{i:03d}" for i in range(1, 151)]
PRODUCTS = [f"product-{i:03d}" for i in range(1, 301)]


def _teams() -> list[tuple[str, int]]:
    data = tomllib.loads((ROOT / "data" / "backoffices.toml").read_text(encoding="utf-8"))
    return [
        (team["id"], int(team.get("sla_days") or 5))
        for office in data["backoffice"]
        for team in office["team"]
    ]


TEAMS = _teams()


# --- generation ---------------------------------------------------------------------------------


def _days() -> tuple[list[date], list[float]]:
    """Every day of the year, weighted: working days busy, weekends and holidays quiet."""
    days, weights = [], []
    day = date(YEAR, 1, 1)
    while day.year == YEAR:
        days.append(day)
        weights.append(1.0 if DEFAULT_CALENDAR.is_working_day(day) else 0.06)
        day += timedelta(days=1)
    return days, weights


def _iso(moment: datetime) -> str:
    return db_time(moment)


def generate(n_contacts: int, n_tasks: int, seed: int = 13) -> Iterator[tuple[list, list, list]]:
    """(contact rows, question rows, task rows) in chunks; every value comes from the
    storage layer's own row functions, as a push would write them."""
    rng = random.Random(seed)
    days, weights = _days()
    picked = rng.choices(days, weights, k=n_contacts)
    picked.sort()
    channels, channel_weights = list(CHANNELS), list(CHANNELS.values())
    every = max(1, n_contacts // max(1, n_tasks)) if n_tasks else 0
    made_tasks = 0
    contacts: list[tuple[Any, ...]] = []
    questions: list[tuple[Any, ...]] = []
    tasks: list[tuple[Any, ...]] = []
    for i, day in enumerate(picked):
        cid = f"c{i:07d}"
        routed = bool(every) and i % every == 0 and made_tasks < n_tasks
        if rng.random() < 0.005:  # late evening: some run past midnight
            minute = 23 * 60 + 30 + rng.randrange(29)
        else:
            minute = 8 * 60 + 30 + rng.randrange(510)
        local = datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=AMSTERDAM)
        started = local.astimezone(UTC) + timedelta(seconds=rng.randrange(60))
        channel = rng.choices(channels, channel_weights)[0]
        talk = rng.lognormvariate(math.log(240), 0.6)
        wrapup = rng.uniform(15, 180) if channel in {"telefoon", "balie", "chat"} else None
        roll = rng.random()
        status = "closed" if routed or roll < 0.975 else ("open" if roll < 0.99 else "discarded")
        n_questions = 1 if rng.random() < 0.75 else (2 if rng.random() < 0.8 else 3)
        qs = []
        for q in range(n_questions):
            outcome = rng.choices(OUTCOMES, OUTCOME_WEIGHTS)[0]
            if status == "open" and q == n_questions - 1:
                outcome = None
            qs.append(
                {
                    "id": f"{cid}q{q}",
                    "text": "vraag",
                    "notes": "",
                    "products": [rng.choice(PRODUCTS)],
                    "outcome": outcome,
                    "task_id": None,
                }
            )
        task_id = None
        if routed:
            task_id = f"t{made_tasks:07d}"
            qs[0]["outcome"] = OUTCOME_ROUTED
            qs[0]["task_id"] = task_id
        wrap_at = started + timedelta(seconds=talk)
        ended = None if status == "open" else wrap_at + timedelta(seconds=wrapup or 0)
        district = rng.choice(DISTRICTS) if rng.random() < 0.6 else None
        data = {
            "id": cid,
            "agent": rng.choice(AGENTS),
            "channel": channel,
            "started_at": _iso(started),
            "ended_at": _iso(ended) if ended else None,
            "wrapup_started_at": _iso(wrap_at) if wrapup is not None and ended else None,
            "customer": {"district": district} if district else None,
            "satisfaction": rng.choice((1, 2, 3, 3, 4, 4, 4, 5, 5, 5))
            if status == "closed" and rng.random() < 0.15
            else None,
            "questions": qs,
            "status": status,
            "rev": 3,
            "call_id": f"call{i:07d}" if channel == "telefoon" else None,
        }
        row = ContactRow(
            id=cid,
            agent=data["agent"],
            channel=channel,
            started_at=data["started_at"],
            status=status,
            rev=3,
            has_customer=district is not None,
            data=data,
            district=district,
            call_id=data["call_id"],
        )
        contacts.append(contact_values(row))
        questions.extend(figures.question_rows(cid, data))
        if routed and ended is not None:
            made_tasks += 1
            tasks.append(_task(rng, task_id or "", data, ended))
        if len(contacts) >= CHUNK:
            yield contacts, questions, tasks
            contacts, questions, tasks = [], [], []
    if contacts:
        yield contacts, questions, tasks


def _task(rng: random.Random, task_id: str, contact: dict[str, Any], created: datetime) -> tuple:
    team, sla_days = rng.choice(TEAMS)
    due = DEFAULT_CALENDAR.due_at(created, days=sla_days)
    log: list[dict[str, Any]] = [
        {"at": _iso(created), "by": contact["agent"], "action": "created", "note": "", "team": ""}
    ]
    at = created
    if rng.random() < 0.7:  # a first callback attempt, mostly within a day or two
        at = at + timedelta(hours=rng.expovariate(1 / 20))
        log.append({"at": _iso(at), "by": "bo", "action": "callback_attempt", "reached": True})
    roll = rng.random()
    status, assignee = "done", "bo"
    if created > NOW - timedelta(days=30) and roll < 0.5:
        status = "open"
    elif roll < 0.03:
        status = "returned"
    elif roll < 0.05:
        status = "forwarded"
        team = rng.choice(TEAMS)[0]
        log.append({"at": _iso(at), "by": "bo", "action": "forwarded", "team": team})
    elif roll < 0.08:
        status = "claimed"
    elif roll < 0.1:
        status, assignee = "open", None
    if status == "done":
        at = at + timedelta(hours=rng.lognormvariate(math.log(30), 1.0))
        log.append({"at": _iso(at), "by": "bo", "action": "resolved", "note": "ok"})
    data = {
        "id": task_id,
        "contact_id": contact["id"],
        "question_id": contact["questions"][0]["id"],
        "kind": "doorzetting",
        "product": contact["questions"][0]["products"][0],
        "team": team,
        "assignee": assignee,
        "subject": "vraag",
        "internal_note": "zie contact",
        "callback": {"name": "", "phone": "0612345678", "email": "", "preferred_time": ""},
        "intake": {},
        "status": status,
        "created_by": contact["agent"],
        "created_at": _iso(created),
        "due_at": _iso(due),
        "resolution": "",
        "version": len(log),
        "log": log,
    }
    row = TaskRow(
        task_id,
        contact["id"],
        team,
        assignee,
        status,
        contact["agent"],
        data["created_at"],
        data["due_at"],
        len(log),
        data,
    )
    customer = contact["customer"] or {}
    return (*task_values(row), contact["channel"], customer.get("district"))


def data_key(n_contacts: int, n_tasks: int) -> str:
    """Changes with the generator version, the sizes and the columns written (bump
    GENERATOR_VERSION when what fills a column changes)."""
    digest = hashlib.sha256()
    columns = (CONTACT_COLUMNS, figures.QUESTION_COLUMNS, TASK_COLUMNS, TASK_CONTACT_COLUMNS)
    digest.update(f"{GENERATOR_VERSION}:{n_contacts}:{n_tasks}:{columns}".encode())
    return digest.hexdigest()[:12]


def _insert(table: str, columns: tuple[str, ...]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


def load_sqlite(path: Path, n_contacts: int, n_tasks: int) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("BEGIN")
    contact_sql = _insert("contacts", CONTACT_COLUMNS)
    task_sql = _insert("tasks", (*TASK_COLUMNS, *TASK_CONTACT_COLUMNS))
    for contacts, questions, tasks in generate(n_contacts, n_tasks):
        conn.executemany(contact_sql, contacts)
        conn.executemany(QUESTION_INSERT, questions)
        conn.executemany(task_sql, tasks)
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()


def load_postgres(url: str, n_contacts: int, n_tasks: int) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        with conn.transaction():
            for contacts, questions, tasks in generate(n_contacts, n_tasks):
                for table, columns, rows in (
                    ("contacts", CONTACT_COLUMNS, contacts),
                    ("contact_questions", figures.QUESTION_COLUMNS, questions),
                    ("tasks", (*TASK_COLUMNS, *TASK_CONTACT_COLUMNS), tasks),
                ):
                    if not rows:
                        continue
                    with conn.cursor().copy(
                        f"COPY {table} ({', '.join(columns)}) FROM STDIN"
                    ) as copy:
                        for row in rows:
                            copy.write_row(row)
        conn.execute("VACUUM ANALYZE")


def prepare_sqlite(n_contacts: int, n_tasks: int, fresh: bool) -> str:
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"report-{data_key(n_contacts, n_tasks)}.sqlite3"
    url = f"sqlite:///{path}"
    if fresh or not path.exists():
        for old in CACHE.glob("report-*.sqlite3*"):
            old.unlink()
        started = time.perf_counter()
        storage = open_storage(url)
        storage.migrate()
        storage.close()
        load_sqlite(path, n_contacts, n_tasks)
        print(f"sqlite: generated in {time.perf_counter() - started:.0f} s -> {path}")
    storage = open_storage(url)
    if storage.migrate():
        with sqlite3.connect(path) as conn:
            conn.execute("ANALYZE")
    storage.close()
    return url


def prepare_postgres(base_url: str, n_contacts: int, n_tasks: int, fresh: bool) -> str:
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    parts = urlsplit(base_url)
    url = urlunsplit(parts._replace(path=f"/{PG_DATABASE}"))
    with psycopg.connect(base_url, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (PG_DATABASE,))
        if found.fetchone() is None:
            conn.execute(f"CREATE DATABASE {PG_DATABASE}")
    assert parts.path != f"/{PG_DATABASE}", "the bench must not share the test database"
    key = data_key(n_contacts, n_tasks)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_meta (key TEXT NOT NULL)")
        row = conn.execute("SELECT key FROM bench_meta").fetchone()
        stale = fresh or row is None or row[0] != key
        if stale:
            conn.execute("DROP SCHEMA public CASCADE")
            conn.execute("CREATE SCHEMA public")
    if stale:
        started = time.perf_counter()
        storage = open_storage(url, pool_size=2)
        storage.migrate()
        storage.close()
        load_postgres(url, n_contacts, n_tasks)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE TABLE bench_meta (key TEXT NOT NULL)")
            conn.execute("INSERT INTO bench_meta VALUES (%s)", (key,))
        print(f"postgresql: generated in {time.perf_counter() - started:.0f} s -> {PG_DATABASE}")
    storage = open_storage(url, pool_size=2)
    if storage.migrate():
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("ANALYZE")
    storage.close()
    return url


# --- timing -------------------------------------------------------------------------------------


HEAP = {"peak": 0.0}  # MB, the largest Python heap of one report or call


def heap_of(fn: Callable[[], Any]) -> None:
    """Run `fn` once under tracemalloc and keep its peak heap (not timed)."""
    tracemalloc.start()
    try:
        fn()
        HEAP["peak"] = max(HEAP["peak"], tracemalloc.get_traced_memory()[1] / 2**20)
    finally:
        tracemalloc.stop()


def timed(fn: Callable[[], Any], rounds: int) -> tuple[float, float, Any]:
    """(median ms, p95 ms, last result) over `rounds` runs after one warm-up."""
    result = fn()
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, math.ceil(0.95 * len(times)) - 1)]
    return statistics.median(times), p95, result


def _clock(moment: datetime) -> Callable[[], datetime]:
    return lambda: moment


def build_summaries(name: str, storage: Storage, rebuild: bool) -> None:
    """The summaries of every day before NOW (once; again with --rebuild), and the cost of
    rebuilding one day after a late change."""
    with storage.read() as r:
        built, _ = r.figure_state()
    if rebuild or built is None:
        with storage.write() as w:
            for table in ("figure_state", "figure_days", "figure_hist"):
                w.run(f"DELETE FROM {table}")
        started = time.perf_counter()
        FigureService(Context(storage, _clock(NOW))).refresh(NOW.astimezone(AMSTERDAM).date())
        print(f"{name}: day summaries built in {time.perf_counter() - started:.1f} s (once)")
    day = figures.Days(days=[TODAY.isoformat()])

    def one_day() -> None:
        with storage.write() as w:
            w.build_days(day)

    median, p95, _ = timed(one_day, 3)
    print(f"{name}: rebuilding one day's summaries {median:.0f} ms (p95 {p95:.0f})")


def office(service: FigureService, moment: datetime) -> None:
    """What GET /live/office asks of the figures: today's groups and the team stock."""
    service.today(SUPERVISOR, OFFICE_GROUPINGS)
    service.team_stock(moment, NEARLY_DUE_HOURS)


def bench_backend(name: str, storage: Storage, rounds: int, rebuild: bool) -> list[dict]:
    _drop_pushed(storage, PUSH_PAST.date().isoformat())  # left over from an interrupted run
    build_summaries(name, storage, rebuild)
    scenarios = [
        ("month", MONTH, ("channel", "team"), NOW),
        ("year", FULL_YEAR, ("channel", "team"), NOW),
        # The supervisor's today: the clock on that day, so it is an open day.
        ("today", (TODAY, TODAY), ("day", "channel", "agent"), TODAY_NOW),
    ]
    results = []
    for label, (first, last), groupings, moment in scenarios:
        a, b = first.isoformat(), last.isoformat()
        service = FigureService(Context(storage, _clock(moment)))
        open_days = service.refresh(moment.astimezone(AMSTERDAM).date())
        with storage.read() as r:
            floor_ms, floor_p95, rows = timed(partial(r.count_floor, "contacts", a, b), rounds)
            task_floor_ms, _, task_rows = timed(partial(r.count_floor, "tasks", a, b), rounds)
        shown = ", ".join(d for d in open_days if a <= d <= b) or "none"
        print(
            f"\n{name} {label} {a}..{b}: {rows:,} contacts, {task_rows:,} tasks"
            f" (open days, read from the rows: {shown});"
            f" floor count(*) contacts {floor_ms:.1f} ms (p95 {floor_p95:.1f}),"
            f" tasks {task_floor_ms:.1f} ms"
        )
        for by in groupings:
            parts = report_parts(by, a, b, db_time(moment), open_days)
            for part, sql, params in parts:

                def run(sql: str = sql, params: list[Any] = params) -> list[Any]:
                    with storage.read() as r:
                        return r.figure_part(sql, params)

                median, p95, out = timed(run, rounds)
                floor = task_floor_ms if part in TASK_PARTS else floor_ms
                print(
                    f"  by {by:<8} {part:<18} {median:8.1f} ms  p95 {p95:8.1f}"
                    f"  floor {floor:6.1f}  ({len(out)} rows)"
                )
                results.append(
                    {
                        "backend": name,
                        "period": label,
                        "by": by,
                        "part": part,
                        "median_ms": round(median, 1),
                        "p95_ms": round(p95, 1),
                        "floor_ms": round(floor, 1),
                    }
                )

            whole = partial(service.report, SUPERVISOR, first, last, by)
            median, p95, _ = timed(whole, rounds)
            heap_of(whole)
            print(f"  by {by:<8} {'whole report':<18} {median:8.1f} ms  p95 {p95:8.1f}")
            results.append(
                {
                    "backend": name,
                    "period": label,
                    "by": by,
                    "part": "report",
                    "median_ms": round(median, 1),
                    "p95_ms": round(p95, 1),
                    "floor_ms": round(floor_ms + task_floor_ms, 1),
                }
            )
        if label == "today":
            for part, fn in (
                ("GET /stats", partial(service.stats, SUPERVISOR, first)),
                ("GET /live/office figures", partial(office, service, moment)),
            ):
                median, p95, _ = timed(fn, rounds)
                heap_of(fn)
                print(
                    f"  supervisor {part:<26} {median:8.1f} ms  p95 {p95:8.1f}"
                    f"  floor {floor_ms:6.1f} (count(*) of the day's contacts)"
                )
                results.append(
                    {
                        "backend": name,
                        "period": label,
                        "by": "-",
                        "part": part,
                        "median_ms": round(median, 1),
                        "p95_ms": round(p95, 1),
                        "floor_ms": round(floor_ms + task_floor_ms, 1),
                    }
                )
    results += push_cost(name, storage, max(rounds, 50) * 4)
    return results


def _push_row(i: int, started: datetime) -> ContactRow:
    """A closed contact with one resolved question, as a push writes it."""
    cid = f"bench-push-{i:05d}"
    data = {
        "id": cid,
        "agent": AGENTS[i % len(AGENTS)],
        "channel": "telefoon",
        "started_at": _iso(started),
        "ended_at": _iso(started + timedelta(seconds=300)),
        "wrapup_started_at": _iso(started + timedelta(seconds=240)),
        "customer": None,
        "satisfaction": None,
        "questions": [{"id": f"{cid}q0", "text": "vraag", "notes": "", "products": [PRODUCTS[0]],
                       "outcome": OUTCOMES[0], "task_id": None}],
        "status": "closed",
        "rev": 1,
        "call_id": None,
    }  # fmt: skip
    return ContactRow(cid, data["agent"], "telefoon", data["started_at"], "closed", 1, False, data)


def push_cost(name: str, storage: Storage, n: int) -> list[dict]:
    """One contact written in its own transaction (upsert and change-log entry) on the
    live day, whose summary the write keeps current, against the same write on a past
    day (the peer: nothing to keep); the rows are taken out again afterwards."""
    service = FigureService(Context(storage, _clock(TODAY_NOW)))
    service.refresh(TODAY)
    past = PUSH_PAST
    results = []
    print(f"\n{name} one contact pushed, {n} pushes each, one transaction per push:")
    for label, base, offset in (
        ("on a past day (peer)", past, 0),
        ("on the live day", TODAY_NOW - timedelta(hours=2), n),
    ):
        times = []
        for i in range(n):
            row = _push_row(offset + i, base + timedelta(seconds=i))
            started = time.perf_counter()
            with storage.write() as w:
                w.upsert_contact(row)
                w.queue_change(ChangeRow("contact", row.id, row.started_at, row.agent, row.data))
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        median = statistics.median(times)
        p95 = times[min(len(times) - 1, math.ceil(0.95 * len(times)) - 1)]
        print(f"  {label:<22} {median:8.2f} ms  p95 {p95:8.2f}  ({1000 / median:,.0f}/s serial)")
        results.append(
            {"backend": name, "period": "push", "by": "-", "part": label,
             "median_ms": round(median, 2), "p95_ms": round(p95, 2), "floor_ms": None}
        )  # fmt: skip
    _drop_pushed(storage, past.date().isoformat())
    return results


def _drop_pushed(storage: Storage, past: str) -> None:
    """Take the pushed contacts out again, and their days' summaries back to the rows."""
    with storage.write() as w:
        for table, column in (
            ("contact_questions", "contact_id"),
            ("contact_outcomes", "contact_id"),
            ("contacts", "id"),
            ("changes", "entity_id"),
        ):
            w.run(f"DELETE FROM {table} WHERE {column} LIKE ?", ("bench-push-%",))
        w.build_days(figures.Days(days=[past]))
        w.make_live(TODAY.isoformat())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--tasks", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--fresh", action="store_true", help="regenerate the cached data")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the day summaries")
    parser.add_argument("--only", choices=("sqlite", "postgresql"), help="one backend only")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    backends: list[tuple[str, str]] = []
    if args.only in (None, "sqlite"):
        backends.append(("sqlite", prepare_sqlite(args.contacts, args.tasks, args.fresh)))
    pg = os.environ.get("LOKET_TEST_PG_URL")
    if args.only in (None, "postgresql"):
        if pg:
            backends.append(
                ("postgresql", prepare_postgres(pg, args.contacts, args.tasks, args.fresh))
            )
        else:
            print("postgresql: skipped (set LOKET_TEST_PG_URL)")
    results = []
    for name, url in backends:
        storage = open_storage(url, pool_size=2) if name == "postgresql" else open_storage(url)
        try:
            results += bench_backend(name, storage, args.rounds, args.rebuild)
        finally:
            storage.close()
    heap = HEAP["peak"]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak Python heap of one report or call {heap:.1f} MB; peak RSS {rss:.0f} MB")
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
