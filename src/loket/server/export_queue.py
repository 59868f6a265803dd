"""The central store's export to a Klantinteracties register: durable queue and exporter.

The queue is fed from the change log (its cursor is kept in the database), so every
closed contact and every task change reaches the register without a hook in the push path,
and nothing is lost when the exporter or the register is down. One row per contact:
`wanted` is the seq of its latest change, `done` the seq last exported. The register's
uuids are kept per resource key (`export_remote`), which makes every retry idempotent;
docs/klantinteracties.md explains the whole design.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from loket.domain.models import Contact, ContactStatus, Task, utcnow
from loket.export.client import (
    KlantinteractiesClient,
    Known,
    Rejected,
    Unavailable,
    preview,
    send_plan,
)
from loket.export.mapping import ExportContext, Product, plan_contact
from loket.protocol import Entity
from loket.retry import Backoff
from loket.server.storage.base import Reads, Storage, Writes, db_time

log = logging.getLogger(__name__)

FEED_BATCH = 1000
LEASE_SECONDS = 30.0
_TIME_WIDTH = len(db_time(datetime(2026, 1, 1, tzinfo=UTC)))
STATES = ("pending", "exported", "waiting", "rejected")


@dataclass(frozen=True)
class ExportSettings:
    url: str
    token: str
    timeout: float = 10.0
    batch: int = 50
    idle_seconds: float = 2.0  # look for work this often without a wake-up
    backoff_cap: float = 300.0


@dataclass
class Entry:
    id: int
    contact_id: str
    wanted: int
    attempts: int
    uncertain: bool


@dataclass
class RunReport:
    """What one pass did (for `loket export klantinteracties` and the benchmark)."""

    exported: int = 0
    waiting: int = 0
    rejected: int = 0
    failed: int = 0  # register unavailable: left pending, retried later
    requests: int = 0
    previews: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "exported": self.exported,
            "waiting": self.waiting,
            "rejected": self.rejected,
            "failed": self.failed,
            "requests": self.requests,
        }


def _in(values: Sequence[Any]) -> str:
    return "(" + ", ".join("?" for _ in values) + ")"


class ExportQueue:
    """The queue's SQL (both backends: plain SQL with `?` placeholders)."""

    def __init__(self, storage: Storage, clock: Callable[[], datetime] = utcnow) -> None:
        self.storage = storage
        self.clock = clock

    def now(self) -> str:
        return db_time(self.clock())

    # --- feeding from the change log ---------------------------------------------------------

    def feed(self, limit: int = FEED_BATCH) -> int:
        """Queue the contacts behind change-log entries after the cursor; returns how many
        entries were read (0: caught up). Cursor and queue rows commit together."""
        with self.storage.write() as tx:
            cursor = int(_state(tx, "cursor") or 0)
            rows = tx.run(
                "SELECT c.seq, c.entity, c.entity_id, c.status, t.contact_id FROM changes c"
                " LEFT JOIN tasks t ON c.entity = 'task' AND t.id = c.entity_id"
                " WHERE c.seq > ? ORDER BY c.seq LIMIT ?",
                (cursor, limit),
            )
            wanted: dict[str, int] = {}
            for row in rows:
                if row["entity"] == Entity.CONTACT and row["status"] == str(ContactStatus.CLOSED):
                    wanted[row["entity_id"]] = int(row["seq"])
                elif row["entity"] == Entity.TASK and row["contact_id"]:
                    wanted[row["contact_id"]] = int(row["seq"])
            now = self.now()
            for contact_id, seq in wanted.items():
                tx.run(
                    "INSERT INTO export_queue (contact_id, wanted, next_at, updated_at)"
                    " VALUES (?, ?, ?, ?) ON CONFLICT (contact_id) DO UPDATE SET"
                    " wanted = excluded.wanted, state = 'pending', attempts = 0,"
                    " next_at = excluded.next_at, updated_at = excluded.updated_at"
                    " WHERE export_queue.wanted < excluded.wanted",
                    (contact_id, seq, now, now),
                )
            if rows:
                _set_state(tx, "cursor", str(int(rows[-1]["seq"])))
        return len(rows)

    def feed_all(self) -> None:
        while self.feed():
            pass

    # --- taking work and recording the outcome ------------------------------------------------

    def due(
        self, limit: int, since: str | None = None, retry_now: bool = False, after: int = 0
    ) -> list[Entry]:
        """Pending entries whose time has come, in queue order after id `after`
        (`retry_now`: ignore the backoff)."""
        conds = ["q.state = 'pending'", "q.id > ?"]
        params: list[Any] = [after]
        if not retry_now:
            conds.append("q.next_at <= ?")
            params.append(self.now())
        join = ""
        if since is not None:
            join = " JOIN contacts c ON c.id = q.contact_id"
            conds.append("c.started_at >= ?")
            params.append(since)
        with self.storage.read() as r:
            rows = r.run(
                "SELECT q.id, q.contact_id, q.wanted, q.attempts, q.uncertain FROM export_queue q"
                f"{join} WHERE {' AND '.join(conds)} ORDER BY q.id LIMIT ?",
                [*params, limit],
            )
        return [
            Entry(
                int(r["id"]),
                r["contact_id"],
                int(r["wanted"]),
                int(r["attempts"]),
                bool(r["uncertain"]),
            )
            for r in rows
        ]

    def load(self, entry: Entry) -> tuple[Contact | None, dict[str, Task]]:
        with self.storage.read() as r:
            row = r.contact(entry.contact_id)
            if row is None:
                return None, {}
            contact = Contact.from_dict(json.loads(row["data"]))
            task_ids = [q.task_id for q in contact.questions if q.task_id]
            tasks = _tasks(r, task_ids)
        return contact, tasks

    def known(self, keys: Sequence[str]) -> Known:
        known = Known()
        with self.storage.read() as r:
            for start in range(0, len(keys), 500):
                chunk = list(keys[start : start + 500])
                for row in r.run(
                    f"SELECT key, uuid, state FROM export_remote WHERE key IN {_in(chunk)}", chunk
                ):
                    known.uuids[row["key"]] = row["uuid"]
                    known.states[row["key"]] = row["state"]
        return known

    def begin(self, entry: Entry) -> None:
        """Mark the attempt before anything is sent: if it never finishes (a crash), the
        next one knows to look before it creates."""
        with self.storage.write() as tx:
            tx.run(
                "UPDATE export_queue SET uncertain = 1, attempts = attempts + 1,"
                " updated_at = ? WHERE id = ?",
                (self.now(), entry.id),
            )

    def finish(
        self,
        entry: Entry,
        known: Known,
        state: str,
        error: dict[str, Any] | None = None,
        uncertain: bool = False,
        retry_at: datetime | None = None,
    ) -> None:
        """Store what the register now holds and the entry's outcome, in one transaction."""
        now = self.now()
        with self.storage.write() as tx:
            for key in sorted(known.changed):
                tx.run(
                    "INSERT INTO export_remote (key, uuid, state, at) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT (key) DO UPDATE SET uuid = excluded.uuid,"
                    " state = excluded.state, at = excluded.at",
                    (key, known.uuids[key], known.states.get(key, ""), now),
                )
            finished = state in ("exported", "waiting")
            tx.run(
                "UPDATE export_queue SET"
                " state = CASE WHEN wanted > ? THEN 'pending' ELSE ? END,"
                " done = CASE WHEN ? = 1 THEN ? ELSE done END,"
                " attempts = CASE WHEN ? = 1 THEN 0 ELSE attempts END,"
                " uncertain = ?, error = ?, next_at = ?, updated_at = ? WHERE id = ?",
                (
                    entry.wanted if finished else 2**62,
                    state,
                    int(finished),
                    entry.wanted,
                    int(finished),
                    int(uncertain),
                    json.dumps(error) if error else None,
                    db_time(retry_at) if retry_at else now,
                    now,
                    entry.id,
                ),
            )
        known.changed.clear()

    # --- for people ---------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        """Counts per state, the change-log lag, and every rejected record with its errors."""
        with self.storage.read() as r:
            counts = {s: 0 for s in STATES}
            for row in r.run("SELECT state, COUNT(*) AS n FROM export_queue GROUP BY state"):
                counts[row["state"]] = int(row["n"])
            cursor = int(_state(r, "cursor") or 0)
            high = r.max_seq()
            rejected = r.run(
                "SELECT contact_id, attempts, error, updated_at FROM export_queue"
                " WHERE state = 'rejected' ORDER BY updated_at, id LIMIT 1000"
            )
            oldest = r.run("SELECT MIN(updated_at) AS at FROM export_queue WHERE state = 'pending'")
            failing = r.run(
                "SELECT contact_id, attempts, error, next_at FROM export_queue"
                " WHERE state = 'pending' AND error IS NOT NULL ORDER BY next_at LIMIT 20"
            )
            resources = r.run("SELECT COUNT(*) AS n FROM export_remote")
        return {
            "records": counts,
            "resources": int(resources[0]["n"]) if resources else 0,
            "changes_behind": max(0, high - cursor),
            "oldest_pending": oldest[0]["at"] if oldest else None,
            "rejected": [_describe(row) for row in rejected],
            "retrying": [_describe(row) for row in failing],
        }

    def counts(self) -> tuple[dict[str, int], int]:
        """(records per state, change-log entries not yet looked at): for /metrics."""
        with self.storage.read() as r:
            counts = {s: 0 for s in STATES}
            for row in r.run("SELECT state, COUNT(*) AS n FROM export_queue GROUP BY state"):
                counts[row["state"]] = int(row["n"])
            behind = max(0, r.max_seq() - int(_state(r, "cursor") or 0))
        return counts, behind

    def retry(self, contact_ids: Sequence[str] = ()) -> int:
        """Put rejected records back in the queue (all, or the given contacts)."""
        now = self.now()
        cond, params = "state = 'rejected'", []
        if contact_ids:
            cond += f" AND contact_id IN {_in(contact_ids)}"
            params = list(contact_ids)
        with self.storage.write() as tx:
            rows = tx.run(
                "UPDATE export_queue SET state = 'pending', attempts = 0, next_at = ?,"
                f" updated_at = ? WHERE {cond} RETURNING id",
                [now, now, *params],
            )
        return len(rows)

    # --- one exporter per database ------------------------------------------------------------

    def take_lease(self, holder: str, seconds: float = LEASE_SECONDS) -> bool:
        """Hold (or renew) the export lease; False while another holder's is valid. The
        value is "<until>|<holder>" (until: fixed-width time text), checked and set in one
        UPDATE, so two processes can never both win."""
        now = self.clock()
        until = db_time(now + timedelta(seconds=seconds))
        with self.storage.write() as tx:
            tx.run(
                "INSERT INTO export_state (name, value) VALUES ('lease', '')"
                " ON CONFLICT (name) DO NOTHING"
            )
            current = (_state(tx, "lease") or "").partition("|")[2]
            rows = tx.run(
                "UPDATE export_state SET value = ? WHERE name = 'lease'"
                f" AND (substr(value, 1, {_TIME_WIDTH}) < ?"
                f" OR substr(value, {_TIME_WIDTH + 2}) = ?) RETURNING name",
                (f"{until}|{holder}", db_time(now), current if _dead(current) else holder),
            )
        return bool(rows)

    def lease_holder(self) -> str | None:
        with self.storage.read() as r:
            raw = _state(r, "lease")
        if not raw:
            return None
        until, _, holder = raw.partition("|")
        return holder if holder and until > self.now() else None

    def release_lease(self, holder: str) -> None:
        with self.storage.write() as tx:
            raw = _state(tx, "lease")
            if raw and raw.partition("|")[2] == holder:
                _set_state(tx, "lease", "")


def _dead(holder: str) -> bool:
    """A holder on this machine whose process is gone (killed): its lease is void at once."""
    host, _, rest = holder.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _tasks(r: Reads, task_ids: Sequence[str]) -> dict[str, Task]:
    if not task_ids:
        return {}
    rows = r.run(f"SELECT data FROM tasks WHERE id IN {_in(task_ids)}", list(task_ids))
    tasks = [Task.from_dict(json.loads(row["data"])) for row in rows]
    return {task.id: task for task in tasks}


def _describe(row: Mapping[str, Any]) -> dict[str, Any]:
    found = {k: row[k] for k in row if k != "error"}
    found["error"] = json.loads(row["error"]) if row.get("error") else None
    return found


def _state(r: Reads, name: str) -> str | None:
    rows = r.run("SELECT value FROM export_state WHERE name = ?", (name,))
    return rows[0]["value"] if rows else None


def _set_state(tx: Writes, name: str, value: str) -> None:
    tx.run(
        "INSERT INTO export_state (name, value) VALUES (?, ?)"
        " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        (name, value),
    )


def load_context(data_dir: str | Path | None, kb_dir: str | Path | None) -> ExportContext:
    """Team names from the reference data and each kb article's UPL, read once at start."""
    from loket.kb.loader import load_dir
    from loket.paths import default_kb_dir
    from loket.reference import load_routing

    teams = {team.id: team.name for team in load_routing(data_dir).teams()}
    articles = load_dir(Path(kb_dir or default_kb_dir())).articles
    products = {a.id: Product(a.id, a.upl or "", a.uri or "") for a in articles}
    return ExportContext(team_names=teams, products=products)


class Exporter:
    """Runs the queue against one register: `run_once` by hand, or `start` a thread."""

    def __init__(
        self,
        storage: Storage,
        settings: ExportSettings,
        context: ExportContext,
        client: KlantinteractiesClient | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.queue = ExportQueue(storage, clock)
        self.settings = settings
        self.context = context
        self.client = client or KlantinteractiesClient(
            settings.url, settings.token, settings.timeout
        )
        self.clock = clock
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.requests = 0
        self.last_error = ""
        self._backoff = Backoff(base=1.0, cap=settings.backoff_cap)
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        storage.add_listener(self._wake.set)

    # --- one record ---------------------------------------------------------------------------

    def export(self, entry: Entry, report: RunReport, dry_run: bool = False) -> None:
        """Reconcile one contact with the register; raises Unavailable to stop the batch."""
        contact, tasks = self.queue.load(entry)
        if contact is None or contact.status != ContactStatus.CLOSED:
            if not dry_run:
                self.queue.finish(entry, Known(), "waiting")
            report.waiting += 1
            return
        ctx = ExportContext(self.context.team_names, self.context.products, entry.id)
        plan = plan_contact(contact, tasks, ctx)
        known = self.queue.known([r.key for r in plan])
        if dry_run:
            report.previews.extend(
                {"contact_id": contact.id, **request} for request in preview(plan, known)
            )
            return
        self.queue.begin(entry)
        sent = 0
        try:
            sent = send_plan(plan, known, self.client, careful=entry.uncertain)
        except Rejected as exc:
            log.warning("export of a contact refused: %s", exc)
            self.queue.finish(entry, known, "rejected", error=exc.as_dict())
            report.rejected += 1
            return
        except Unavailable as exc:
            delay = Backoff(base=5.0, cap=self.settings.backoff_cap).step(entry.attempts)
            retry_at = self.clock() + timedelta(seconds=delay)
            error = {"resource": "", "status": 0, "fields": [], "message": str(exc)}
            self.queue.finish(
                entry, known, "pending", error=error, uncertain=exc.uncertain, retry_at=retry_at
            )
            report.failed += 1
            self.last_error = str(exc)
            raise
        finally:
            self.requests += sent
            report.requests += sent
        self.queue.finish(entry, known, "exported")
        report.exported += 1

    # --- batches ------------------------------------------------------------------------------

    def run_once(
        self, since: str | None = None, dry_run: bool = False, retry_now: bool = False
    ) -> RunReport:
        """Feed the queue and export everything due (by hand: `retry_now` ignores backoff).
        Stops at the first unavailability: the register is down, the rest waits too."""
        report = RunReport()
        self.queue.feed_all()
        after = 0
        while True:
            entries = self.queue.due(self.settings.batch, since, retry_now or dry_run, after)
            if not entries:
                return report
            for entry in entries:
                after = entry.id
                try:
                    self.export(entry, report, dry_run)
                except Unavailable:
                    return report

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="loket-export", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 15.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        try:
            self.queue.release_lease(self.holder)
        except Exception as exc:  # the database may already be gone at shutdown
            log.debug("export lease not released: %s", type(exc).__name__)
        self.client.close()

    def _loop(self) -> None:
        while not self._stop.is_set():
            pause = self.settings.idle_seconds
            try:
                if self.queue.take_lease(self.holder):
                    report = self._pass()
                    if report.failed:
                        pause = self._backoff.next_delay()
                    else:
                        self._backoff.reset()
                else:
                    pause = LEASE_SECONDS / 3
            except Exception as exc:  # database trouble: log, wait, go on
                log.error("export pass failed: %s", type(exc).__name__)
                pause = self._backoff.next_delay()
            self._wake.clear()
            self._wake.wait(pause)

    def _pass(self) -> RunReport:
        """Export due entries in batches while holding the lease; stop on unavailability."""
        report = RunReport()
        self.queue.feed_all()
        after = 0
        while not self._stop.is_set():
            entries = self.queue.due(self.settings.batch, after=after)
            if not entries:
                break
            for entry in entries:
                after = entry.id
                if self._stop.is_set():
                    break
                try:
                    self.export(entry, report)
                except Unavailable:
                    return report
            if not self.queue.take_lease(self.holder):
                break
        return report


class ExportCollector:
    """Prometheus metrics of the export, read from the queue at each scrape."""

    def __init__(self, exporter: Exporter) -> None:
        self.exporter = exporter

    def collect(self) -> Any:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        counts, behind = self.exporter.queue.counts()
        records = GaugeMetricFamily(
            "loket_export_records", "Contacts in the export queue, by state.", labels=["state"]
        )
        for state, count in counts.items():
            records.add_metric([state], count)
        yield records
        yield GaugeMetricFamily(
            "loket_export_changes_behind",
            "Change-log entries the exporter has not looked at yet.",
            value=behind,
        )
        yield CounterMetricFamily(
            "loket_export_requests",
            "Requests sent to the Klantinteracties register by this process.",
            value=self.exporter.requests,
        )


def start_exporter(
    storage: Storage,
    settings: ExportSettings,
    data_dir: str | None,
    kb_dir: str | None,
    registry: Any,
) -> Exporter:
    """The background exporter of a central-store process, with its /metrics."""
    exporter = Exporter(storage, settings, load_context(data_dir, kb_dir))
    registry.register(ExportCollector(exporter))
    exporter.start()
    return exporter
