"""The supervisor's live view without the console: figures from the central store,
refreshed on its event stream (`loket queue`), and the kiosk's `loket ticket`.

Figures always come from the server (`GET /live` and `GET /stats`), never from a local
copy. A background thread follows the event stream and marks the view stale on every
call, ticket or agent event; the view re-reads the figures at most `min_interval`
after an event (so a burst costs one read) and every `idle_interval` otherwise (waits
grow while nothing happens).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from loket.protocol import LIVE_ENTITIES, RECORD_ENTITIES
from loket.sync.client import SyncError
from loket.sync.live import LiveClient

OFFICE_ENTITIES = RECORD_ENTITIES  # a contact or task moves the office figures


@dataclass
class LiveSnapshot:
    live: dict[str, Any]
    stats: dict[str, Any] | None
    event_seq: int = 0  # the last event seen when this was read
    office: dict[str, Any] | None = None  # GET /live/office, when the feed reads it
    read_at: float = field(default_factory=time.monotonic)


class LiveFeed:
    """Figures that follow the server's events; `snapshots()` yields each new read."""

    def __init__(
        self,
        client: LiveClient,
        min_interval: float = 0.1,
        idle_interval: float = 2.0,
        with_stats: bool = True,
        with_office: bool = False,
        office_interval: float = 1.0,
    ) -> None:
        self.client = client
        self.min_interval = min_interval
        self.idle_interval = idle_interval
        self.with_stats = with_stats
        self.with_office = with_office
        self.office_interval = office_interval
        self.office_stale = threading.Event()
        self._office: dict[str, Any] | None = None
        self._office_at = 0.0
        self.stale = threading.Event()
        self.stop = threading.Event()
        self.last_seq = 0
        self._resume: str | None = None  # the stream starts after the first read's seq
        self.error: str = ""
        self._thread = threading.Thread(target=self._follow, name="loket-live-follow", daemon=True)

    def _follow(self) -> None:
        last_id = self._resume
        while not self.stop.is_set():
            try:
                for event in self.client.events(last_id):
                    last_id = event.id or last_id
                    if self.stop.is_set():
                        return
                    entity = event.json().get("entity")
                    if entity in LIVE_ENTITIES:
                        self.last_seq = int(event.id or 0)
                        self.stale.set()
                    elif entity in OFFICE_ENTITIES and self.with_office:
                        self.office_stale.set()
                        self.stale.set()
            except SyncError as exc:
                self.error = str(exc)
                self.stop.wait(1.0)

    def read(self) -> LiveSnapshot:
        seq = self.last_seq
        live = self.client.live()
        stats = None
        if self.with_stats:
            try:
                stats = self.client.stats()
            except SyncError:
                stats = None
        return LiveSnapshot(live, stats, seq, self._read_office())

    def _read_office(self) -> dict[str, Any] | None:
        """Contacts and back-office figures: on a contact or task event, at most once per
        `office_interval` (they are heavier than the queues), and after `idle_interval`."""
        if not self.with_office:
            return None
        now = time.monotonic()
        due = self.office_stale.is_set() or now - self._office_at >= self.idle_interval
        if self._office is None or (due and now - self._office_at >= self.office_interval):
            self.office_stale.clear()
            self._office_at = now
            # On failure the last figures stay; the queues above are what moves.
            with contextlib.suppress(SyncError):
                self._office = self.client.office()
        elif self.office_stale.is_set():
            self.stale.set()  # read it on a later round, once the interval has passed
        return self._office

    def snapshots(self) -> Iterator[LiveSnapshot]:
        """Each new read; may be called again after a read failed (SyncError).

        The stream is opened after the first read and resumes from that read's seq, so
        an event committed while it connects is replayed, never missed until the idle
        re-read."""
        while not self.stop.is_set():
            self.stale.clear()
            snapshot = self.read()
            if not self._thread.is_alive() and not self.stop.is_set():
                if self._resume is None and snapshot.live.get("seq") is not None:
                    self._resume = str(snapshot.live["seq"])
                self._thread = threading.Thread(
                    target=self._follow, name="loket-live-follow", daemon=True
                )
                self._thread.start()
            yield snapshot
            self.stale.wait(self.idle_interval)
            self.stop.wait(self.min_interval)

    def close(self) -> None:
        self.stop.set()
        self.stale.set()


def open_client(server_url: str, token: str) -> LiveClient:
    return LiveClient(server_url, token)


def minutes_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def queue_rows(live: dict[str, Any]) -> list[tuple[list[str], bool]]:
    """Table rows (cells, breached) per queue: the one layout `loket queue` and the
    console's supervisor screen share."""
    rows = []
    for q in live.get("queues", []):
        cells = [
            q["queue"],
            "tel" if q.get("kind") == "phone" else "balie",
            str(q["waiting"]),
            minutes_seconds(q["longest_wait"]),
            str(q["answered"]),
            str(q["abandoned"]),
            f"{percent(q['service_level'])} / {q['sl_target']:.0%}",
            minutes_seconds(q["asa"]),
        ]
        rows.append((cells, bool(q.get("breached"))))
    return rows


def agent_rows(live: dict[str, Any]) -> list[list[str]]:
    return [
        [
            a["agent"],
            a["state"] + (f" ({a['reason']})" if a.get("reason") else ""),
            minutes_seconds(a["seconds_in_state"]),
        ]
        for a in live.get("agents", [])
    ]


def render(snapshot: LiveSnapshot, title: str = "loket live", max_agents: int = 6) -> Any:
    """A Rich renderable of the view (80 columns wide is enough; breaches in bold red)."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    queues = Table(title=f"{title} · {snapshot.live.get('at', '')[11:19]}", expand=False)
    for name in ("queue", "", "wait", "longest", "ans", "aband", "SL / target", "ASA"):
        queues.add_column(name, justify="left" if name in ("queue", "") else "right")
    for cells, breached in queue_rows(snapshot.live):
        queues.add_row(*cells, style="bold red" if breached else None)
    rows = agent_rows(snapshot.live)
    by_state = Counter(a["state"] for a in snapshot.live.get("agents", []))
    summary = " · ".join(f"{state} {n}" for state, n in sorted(by_state.items()))
    agents = Table(title=f"agents: {summary or 'none'}")
    for name in ("agent", "state", "for"):
        agents.add_column(name)
    for cells in rows[:max_agents]:
        agents.add_row(*cells)
    if len(rows) > max_agents:
        agents.add_row(f"+{len(rows) - max_agents}", "", "")
    parts: list[Any] = [queues, agents]
    stats = snapshot.stats
    if stats:
        line = (
            f"today: contacts {stats['contacts']} · FCR {percent(stats.get('fcr'))} · "
            f"handling {minutes_seconds((stats.get('handling') or {}).get('mean_seconds'))}"
        )
        parts.append(Text(line))
        teams = [q for q in stats.get("queues", []) if q.get("open") or q.get("claimed")]
        if teams:
            stock = Table(title="back office")
            for name in ("team", "open", "claimed", "overdue"):
                stock.add_column(name, justify="left" if name == "team" else "right")
            for q in teams:
                style = "bold red" if q.get("overdue") else None
                stock.add_row(
                    q["team"], str(q["open"]), str(q["claimed"]), str(q["overdue"]), style=style
                )
            parts.append(stock)
    return Group(*parts)


def watch(
    client: LiveClient, draw: Callable[[LiveSnapshot], None], until: Callable[[], bool]
) -> None:
    """Call `draw` with every new snapshot until `until()` is true."""
    feed = LiveFeed(client)
    try:
        for snapshot in feed.snapshots():
            draw(snapshot)
            if until():
                return
    finally:
        feed.close()


# --- the console's supervisor screen: rows per table, keyed, so the screen can update cells
# in place (no clear-and-refill, no flicker). Labels are the screen's (tui/strings.py).


@dataclass(frozen=True)
class Row:
    key: str
    cells: tuple[str, ...]
    level: str = ""  # "" | "warn" | "breach"


def queue_table(live: dict[str, Any]) -> list[Row]:
    """Per queue: waiting now, longest wait, answered, abandoned, SL / target, ASA."""
    rows = []
    for q in live.get("queues", []):
        cells = (
            str(q.get("name") or q["queue"]),
            str(q["waiting"]),
            minutes_seconds(q["longest_wait"]),
            str(q["answered"]),
            str(q["abandoned"]),
            f"{percent(q['service_level'])}/{q['sl_target']:.0%}",
            minutes_seconds(q["asa"]),
        )
        rows.append(Row(q["queue"], cells, "breach" if q.get("breached") else ""))
    return rows


def agent_table(
    live: dict[str, Any], office: dict[str, Any] | None, labels: dict[str, str]
) -> list[Row]:
    """Per agent with a state today: state (pause reason), for how long, contacts today,
    mean handling time today. `labels` names the states."""
    per_agent = {a["agent"]: a for a in (office or {}).get("agents", [])}
    rows = []
    for a in live.get("agents", []):
        state = labels.get(a["state"], a["state"])
        if a.get("reason"):
            state = f"{state}: {a['reason']}"
        done = per_agent.get(a["agent"], {})
        cells = (
            a["agent"],
            state,
            minutes_seconds(a["seconds_in_state"]),
            str(done.get("contacts", 0)),
            minutes_seconds(done.get("handling_seconds")),
        )
        rows.append(Row(a["agent"], cells, "warn" if a["state"] == "pause" else ""))
    return rows


def team_table(office: dict[str, Any] | None, names: dict[str, str] | None = None) -> list[Row]:
    """Back-office stock per team: open (incl. being worked on), nearly due, overdue."""
    rows = []
    for t in (office or {}).get("teams", []):
        level = "breach" if t["overdue"] else "warn" if t["due_soon"] else ""
        name = (names or {}).get(t["team"], t["team"])
        cells = (name, str(t["open"] + t["claimed"]), str(t["due_soon"]), str(t["overdue"]))
        rows.append(Row(t["team"], cells, level))
    return rows


def channel_figures(office: dict[str, Any] | None) -> list[tuple[str, int, str, str]]:
    """(channel, contacts, FCR, mean handling) today; the day's total first as ''."""
    if not office:
        return []
    groups = [{**office["today"], "channel": ""}, *office.get("channels", [])]
    return [
        (g["channel"], g["contacts"], percent(g["fcr"]), minutes_seconds(g["handling_seconds"]))
        for g in groups
    ]
