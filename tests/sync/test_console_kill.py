"""A console killed with SIGKILL mid-work loses nothing it had committed; its draft returns."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from loket.config import Settings
from loket.server.admin import create_user
from loket.server.embedded import EmbeddedServer
from loket.services import ConsoleServices
from tests.sync.console_worker import AGENT
from tests.sync.harness import ROOT, api_items

WORKER = Path(__file__).with_name("console_worker.py")


def _run_and_kill(state_dir: Path, args: list[str], committed_before_kill: int) -> list[str]:
    """Start the worker, SIGKILL it once it has committed enough; every line it printed."""
    proc = subprocess.Popen(
        [sys.executable, str(WORKER), str(state_dir), *args],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert proc.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 30
    try:
        while sum(x.startswith("committed") for x in lines) < committed_before_kill:
            assert time.monotonic() < deadline, "worker too slow"
            line = proc.stdout.readline()
            assert line, "worker ended early"
            lines.append(line.strip())
        os.kill(proc.pid, signal.SIGKILL)  # mid-loop: a write is probably in flight
        proc.wait(10)
        lines.extend(x.strip() for x in proc.stdout.read().splitlines())
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    return [x for x in lines if x]


def test_killed_console_keeps_every_committed_contact_and_its_draft(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'central.sqlite3'}"
    token = create_user(db_url, AGENT.name, AGENT.role, AGENT.teams)
    with EmbeddedServer(db_url) as server:
        lines = _run_and_kill(tmp_path / "console", [server.url, token], 150)
        committed = {x.split()[1] for x in lines if x.startswith("committed")}
        last_draft = max(int(x.split()[1]) for x in lines if x.startswith("draft"))
        settings = Settings(state_dir=tmp_path / "console", server_url=server.url, token=token)
        console = ConsoleServices.open(settings, user=AGENT)
        try:
            local = {c.id for c in console.contacts.recent(limit=100_000)}
            assert committed <= local  # nothing it said was committed is missing
            assert console.contacts.drafts()["scherm"]["i"] >= last_draft  # the screen comes back
            report = console.sync.now(timeout=20)
            assert report.error is None and console.sync.state().outbox == 0
            on_server = {c["id"] for c in api_items(server.url, token, "/contacts")}
            assert committed <= on_server and on_server <= local
        finally:
            console.close()
