"""SQL of the live queues (tables of migration 0004): call events and calls, counter
tickets, agent states. Plain statements both backends understand, `?` placeholders;
the one backend difference (PostgreSQL skips a ticket another transaction is calling)
is chosen by `backend`. Rules live in `loket.server.live`, never here."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from loket.server.storage.base import Reads, Row


class LiveReads:
    def __init__(self, r: Reads) -> None:
        self.run = r.run

    def call_event(self, event_id: str) -> Row | None:
        rows = self.run("SELECT * FROM call_events WHERE event_id = ?", (event_id,))
        return rows[0] if rows else None

    def call_events(self, call_id: str) -> list[Row]:
        return self.run("SELECT * FROM call_events WHERE call_id = ? ORDER BY at", (call_id,))

    def calls_live(self, since: str) -> list[Row]:
        """Calls offered since `since` or still waiting or talking (the live view's set)."""
        return self.run(
            "SELECT data FROM calls WHERE offered_at >= ? OR status IN ('waiting', 'talking')",
            (since,),
        )

    def tickets_live(self, since: str) -> list[Row]:
        return self.run("SELECT * FROM tickets WHERE drawn_at >= ? OR status = 'waiting'", (since,))

    def ticket(self, ticket_id: str) -> Row | None:
        rows = self.run("SELECT * FROM tickets WHERE id = ?", (ticket_id,))
        return rows[0] if rows else None

    def waiting_ahead(self, service: str, drawn_at: str) -> int:
        rows = self.run(
            "SELECT COUNT(*) AS n FROM tickets WHERE status = 'waiting' AND service = ?"
            " AND drawn_at < ?",
            (service, drawn_at),
        )
        return int(rows[0]["n"])

    def called_since(self, service: str, since: str) -> list[str]:
        rows = self.run(
            "SELECT called_at FROM tickets WHERE service = ? AND called_at >= ?",
            (service, since),
        )
        return [row["called_at"] for row in rows]

    def agent_states_since(self, since: str) -> list[Row]:
        """Every state change since `since`, plus each agent's last one before it (so a
        state that began yesterday still shows)."""
        return self.run(
            "SELECT agent, state, reason, at FROM agent_states WHERE at >= ?"
            " UNION ALL SELECT s.agent, s.state, s.reason, s.at FROM agent_states s"
            " JOIN (SELECT agent, MAX(at) AS at FROM agent_states WHERE at < ? GROUP BY agent) m"
            " ON s.agent = m.agent AND s.at = m.at",
            (since, since),
        )


class LiveWrites(LiveReads):
    def __init__(self, w: Any, backend: str) -> None:
        super().__init__(w)
        self.backend = backend

    def insert_call_event(self, row: dict[str, Any]) -> bool:
        """False when the event id is already there (a concurrent retry won)."""
        rows = self.run(
            "INSERT INTO call_events (event_id, call_id, kind, at, queue, agent, caller,"
            " received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING"
            " RETURNING event_id",
            (
                row["event_id"],
                row["call_id"],
                row["kind"],
                row["at"],
                row["queue"],
                row["agent"],
                row["caller"],
                row["received_at"],
            ),
        )
        return bool(rows)

    def lock_call(self, call_id: str, at: str) -> None:
        """Serialise events of one call (PostgreSQL row lock; SQLite writes are serial)."""
        self.run(
            "INSERT INTO calls (id, status, updated_at, data) VALUES (?, 'unknown', ?, '{}')"
            " ON CONFLICT (id) DO NOTHING",
            (call_id, at),
        )
        if self.backend == "postgresql":
            self.run("SELECT id FROM calls WHERE id = ? FOR UPDATE", (call_id,))

    def save_call(
        self,
        call_id: str,
        status: str,
        queue: str,
        agent: str,
        offered: str | None,
        at: str,
        data: str,
    ) -> None:
        self.run(
            "UPDATE calls SET status = ?, queue = ?, agent = ?, offered_at = ?, updated_at = ?,"
            " data = ? WHERE id = ?",
            (status, queue, agent, offered, at, data, call_id),
        )

    def save_waits(
        self, call_id: str, waits: Sequence[tuple[str, str, str, str | None, float | None]]
    ) -> None:
        """The call's waits as folded now: (queue, local day, began at, outcome, seconds)."""
        self.run("DELETE FROM call_waits WHERE call_id = ?", (call_id,))
        for idx, wait in enumerate(waits):
            self.run(
                "INSERT INTO call_waits (call_id, idx, queue, local_day, began_at, outcome,"
                " wait_seconds) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (call_id, idx, *wait),
            )

    def next_ticket_seq(self, service: str, day: str) -> int:
        rows = self.run(
            "INSERT INTO ticket_counters (service, day, last) VALUES (?, ?, 1)"
            " ON CONFLICT (service, day) DO UPDATE SET last = ticket_counters.last + 1"
            " RETURNING last",
            (service, day),
        )
        return int(rows[0]["last"])

    def insert_ticket(self, row: dict[str, Any]) -> None:
        self.run(
            "INSERT INTO tickets (id, service, day, seq, number, drawn_at, status)"
            " VALUES (?, ?, ?, ?, ?, ?, 'waiting')",
            (row["id"], row["service"], row["day"], row["seq"], row["number"], row["drawn_at"]),
        )

    def call_next_ticket(
        self, services: Sequence[str], agent: str, desk: str, at: str
    ) -> Row | None:
        """Hand the longest-waiting ticket of `services` to `agent`, or None. The status
        guard in the outer WHERE makes a double hand-out impossible on both backends; on
        PostgreSQL SKIP LOCKED lets a concurrent caller take the next one instead."""
        marks = ", ".join("?" for _ in services)
        lock = " FOR UPDATE SKIP LOCKED" if self.backend == "postgresql" else ""
        rows = self.run(
            "UPDATE tickets SET status = 'called', called_at = ?, agent = ?, desk = ?"
            " WHERE status = 'waiting' AND id = (SELECT id FROM tickets WHERE status = 'waiting'"
            f" AND service IN ({marks}) ORDER BY drawn_at, seq LIMIT 1{lock}) RETURNING *",
            (at, agent, desk, *services),
        )
        return rows[0] if rows else None

    def mark_no_show(self, ticket_id: str, agent: str) -> Row | None:
        rows = self.run(
            "UPDATE tickets SET status = 'no_show' WHERE id = ? AND agent = ?"
            " AND status = 'called' RETURNING *",
            (ticket_id, agent),
        )
        return rows[0] if rows else None

    def insert_agent_state(self, agent: str, state: str, reason: str, at: str) -> None:
        self.run(
            "INSERT INTO agent_states (agent, state, reason, at) VALUES (?, ?, ?, ?)",
            (agent, state, reason, at),
        )
