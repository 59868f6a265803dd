"""Small records the store hands out: outbox items, conflicts, rejected changes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from loket.domain.models import Task


@dataclass
class OutboxItem:
    """One local change waiting for the server to accept it."""

    seq: int
    change_id: str
    kind: str
    entity_id: str
    payload: dict[str, Any]
    made_at: str
    attempts: int = 0

    def to_change(self) -> dict[str, Any]:
        """The wire form of the change (a Change in the protocol)."""
        return {
            "id": self.change_id,
            "kind": self.kind,
            "made_at": self.made_at,
            "payload": self.payload,
        }


@dataclass
class Conflict:
    """A task action the server refused because someone else changed the task first."""

    task_id: str
    mine: dict[str, Any]  # the action as this console sent it
    current: Task  # the task as the server holds it now
    message: str  # Dutch, for the user
    change_id: str = ""
    at: datetime | None = None


@dataclass
class Rejected:
    """A change the server refused (validation or permission); kept, visible, not retried."""

    change_id: str
    kind: str
    entity_id: str
    message: str  # the server's text (the console shows it as failed)
    fields: list[dict[str, str]] = field(default_factory=list)
    at: datetime | None = None
