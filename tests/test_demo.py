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


def test_demo_keeps_its_port_across_restarts(tmp_path: Path) -> None:
    """A console left open on the demo's address reconnects after the demo restarts."""
    settings = Settings(state_dir=tmp_path, sync_interval=3600.0)
    first = demo.start(settings, port=0, seed=False)  # any free port the first time
    url = first.url
    first.stop()
    again = demo.start(settings, seed=False)  # no --port: the one it had
    try:
        assert again.url == url
    finally:
        again.stop()
    asked = demo.start(settings, port=0, seed=False)
    try:
        assert (tmp_path / "demo" / demo.PORT_FILE).read_text().strip() == str(asked.server.port)
    finally:
        asked.stop()


def test_seeded_contacts_lie_in_the_past() -> None:
    """Today's seeded contacts start at least half an hour ago; before the office opens
    there are none today (a demo at 7 had contacts at half past 8)."""
    import random
    from datetime import datetime, timedelta

    for hour in (7, 8, 9, 13, 23):
        now = datetime.now().astimezone().replace(hour=hour, minute=5)
        moments = demo._moments(random.Random(1), 0, 6, now=now)
        assert all(m <= now - timedelta(minutes=30) for m in moments), hour
    early = datetime.now().astimezone().replace(hour=7, minute=0)
    assert demo._moments(random.Random(1), 0, 6, now=early) == []
    assert len(demo._moments(random.Random(1), 1, 6, now=early)) == 6  # yesterday's
