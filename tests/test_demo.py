"""`loket demo`: users for every role, seeded once, re-runnable against the same data dir."""

from __future__ import annotations

import json
from pathlib import Path

from loket import demo
from loket.config import Settings


def test_demo_seeds_once_and_reuses_users_on_rerun(tmp_path: Path) -> None:
    settings = Settings(state_dir=tmp_path, sync_interval=3600.0)
    first = demo.start(settings)
    try:
        assert {u.role for u in first.users.values()} == {
            "agent",
            "backoffice",
            "supervisor",
            "admin",
        }
        supervisor = first.services_for("eva")
        supervisor.sync.now()
        contacts, tasks = len(supervisor.contacts.recent(1000)), len(supervisor.tasks.worklist())
        supervisor.close()
        assert contacts > 10 and tasks > 0
        assert "loket console --server " + first.url in first.describe()
    finally:
        first.stop()
    tokens = json.loads((tmp_path / "demo" / demo.USERS_FILE).read_text())
    again = demo.start(settings)  # a second run: same users, no second seed
    try:
        assert {n: u.token for n, u in again.users.items()} == {
            n: t["token"] for n, t in tokens.items()
        }
        supervisor = again.services_for("eva")
        supervisor.sync.now()
        assert len(supervisor.contacts.recent(1000)) == contacts
        assert len(supervisor.tasks.worklist()) == tasks
        supervisor.close()
    finally:
        again.stop()
