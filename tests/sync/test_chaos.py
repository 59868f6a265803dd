"""Issue 8 proof: several console processes register contacts while the central store and
one console are killed (SIGKILL) at random moments, one console starting for the very
first time while the store is down. At the end the store holds exactly what the consoles
registered, per agent, once each; on SQLite and PostgreSQL.

Figures (registered, on server, lost, duplicated, kills) are printed (`pytest -s`) and,
with LOKET_CHAOS_REPORT=FILE, appended to FILE as one JSON line per run.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pytest

from loket.server.admin import create_user, migrate
from loket.store import ConsoleStore
from tests.conftest import BACKENDS, ServerProcess, free_port
from tests.sync.harness import ROOT, api_items

WORKER = Path(__file__).with_name("chaos_worker.py")
PER_CONSOLE = 120
PACE_SECONDS = 0.15  # between two registrations: ~18 s of work per console
KILLS = 4  # of the server, and of one console, each at a random moment

pytestmark = [pytest.mark.slow, pytest.mark.parametrize("backend", BACKENDS, indirect=True)]


@dataclass
class Console:
    """One console process (restartable on the same state dir)."""

    name: str
    state_dir: Path
    url: str
    token: str
    env: dict[str, str]
    proc: subprocess.Popen[str] | None = None
    printed: list[str] = field(default_factory=list)
    kills: int = 0

    def start(self) -> None:
        args = [self.url, self.token, self.name, str(PER_CONSOLE), str(PACE_SECONDS)]
        args = [str(self.state_dir), *args]
        self.proc = subprocess.Popen(
            [sys.executable, str(WORKER), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=self.env,
        )
        os.set_blocking(_stdout(self.proc).fileno(), False)

    def read(self) -> None:
        if self.proc is not None:
            self.printed += [x.strip() for x in _stdout(self.proc).readlines()]

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self.read()
        self.kills += 1
        self.start()

    def done(self) -> bool:
        self.read()
        if self.proc is not None and self.proc.poll() not in (None, 0):
            err = self.proc.stderr.read() if self.proc.stderr else ""
            raise AssertionError(f"console {self.name} failed: {err[-2000:]}")
        return "drained" in self.printed

    def registered(self) -> dict[str, str]:
        """Contact id -> question text, as the console's own store holds them."""
        [path] = list(self.state_dir.glob("*.sqlite3")) or [None]
        assert path is not None, f"console {self.name} has no store"
        store = ConsoleStore.open(path)
        try:
            return {c.id: c.questions[0].text for c in store.contacts(limit=10 * PER_CONSOLE)}
        finally:
            store.close()


def _stdout(proc: subprocess.Popen[str]) -> IO[str]:
    assert proc.stdout is not None
    return proc.stdout


def test_consoles_and_server_killed_at_random_lose_and_duplicate_nothing(
    db_url: str, tmp_path: Path, backend: str
) -> None:
    rng = random.Random(os.environ.get("LOKET_CHAOS_SEED", "8"))
    migrate(db_url)
    env = {
        **os.environ,
        "LOKET_CONFIG": str(tmp_path / "none.toml"),
        "LOKET_STATE_DIR": str(tmp_path / "server-state"),
    }
    server = ServerProcess(db_url, free_port(), env)
    names = ["ans", "bram", "cor"]
    tokens = {n: create_user(db_url, n, "agent", ["kcc"]) for n in names}
    admin = create_user(db_url, "beheer", "admin", [])
    consoles = {n: Console(n, tmp_path / n, server.url, tokens[n], env) for n in names}
    consoles["cor"].start()  # its very first start, with the store down
    time.sleep(1.0)
    server.start()
    consoles["ans"].start()
    consoles["bram"].start()
    server_kills = 0
    victims = ["server"] * KILLS + ["console"] * KILLS
    rng.shuffle(victims)
    try:
        for victim in victims:  # while the consoles register and sync
            time.sleep(rng.uniform(0.3, 2.0))
            if victim == "server":
                server.kill()
                server_kills += 1
                time.sleep(rng.uniform(0.1, 1.5))
                server.start()
            else:
                consoles["bram"].kill()  # mid-sync or mid-registration
        deadline = time.monotonic() + 90
        while not all(c.done() for c in consoles.values()):
            assert time.monotonic() < deadline, {n: c.printed[-2:] for n, c in consoles.items()}
            time.sleep(0.2)
        stored = api_items(server.url, admin, "/contacts")
    finally:
        for console in consoles.values():
            if console.proc is not None and console.proc.poll() is None:
                console.proc.kill()
        server.stop()
    figures = _figures(consoles, stored, server_kills, backend)
    print(json.dumps(figures))
    if report := os.environ.get("LOKET_CHAOS_REPORT"):
        with open(report, "a") as out:
            out.write(json.dumps(figures) + "\n")
    assert consoles["cor"].printed[0] == "identity provisional=True"  # it did start offline
    assert figures["registered"] == len(consoles) * PER_CONSOLE, figures
    assert figures["lost"] == 0 and figures["duplicated"] == 0 and figures["extra"] == 0, figures
    for name, console in consoles.items():
        mine = {c["id"] for c in stored if c["agent"] == name}
        assert mine == set(console.registered()), name
        printed = {x.split()[1] for x in console.printed if x.startswith("committed")}
        assert printed <= mine, f"{name}: acknowledged but not on the server"


def _figures(
    consoles: dict[str, Console], stored: list[dict[str, Any]], server_kills: int, backend: str
) -> dict[str, Any]:
    registered = {i: t for c in consoles.values() for i, t in c.registered().items()}
    on_server = {c["id"] for c in stored}
    texts = Counter(c["questions"][0]["text"] for c in stored)
    return {
        "backend": backend,
        "consoles": len(consoles),
        "registered": len(registered),
        "on_server": len(stored),
        "lost": len(set(registered) - on_server),
        "extra": len(on_server - set(registered)),
        "duplicated": sum(n - 1 for n in texts.values() if n > 1),
        "expected_per_console": PER_CONSOLE,
        "server_kills": server_kills,
        "console_kills": sum(c.kills for c in consoles.values()),
        "first_start_offline": 1,
    }
