"""Console sync benchmark: offline registration latency and draining the outbox.

    /work/venv/bin/python bench/sync.py [--n 10000]

1. Registers N contacts on a console with no server reachable (each one: validation, the
   contact row + outbox row in one transaction, fsynced): median / p95 per contact.
2. Starts the central store (SQLite, its own process, this machine) and times one
   `sync_now` that pushes the whole outbox (batches of 500) and pulls the log back.
3. Floors from the same run: the same rows bulk-inserted with raw sqlite3 in one
   transaction, and one raw INSERT + fsynced COMMIT per row.
Targets: drain <= 10 s for 10,000; registration p95 <= 5 ms.
"""

from __future__ import annotations

import argparse
import json
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from loket.config import Settings
from loket.domain.models import Contact, Customer, Question
from loket.server.admin import create_user
from loket.services import ConsoleServices, UserInfo

SERVE = """
import sys, threading
from loket.server.embedded import EmbeddedServer
server = EmbeddedServer(sys.argv[1]).start()
print(server.port, flush=True)
threading.Event().wait()
"""
AGENT = UserInfo("bench", "agent", ["kcc"])


def _contact(i: int) -> Contact:
    return Contact(
        agent=AGENT.name,
        channel=("telefoon", "balie", "e-mail")[i % 3],
        customer=Customer(phone="0612345678") if i % 5 == 0 else None,
        questions=[
            Question(
                text=f"Vraag {i}: wanneer wordt het grofvuil opgehaald?",
                notes="Uitgelegd hoe je een afspraak maakt via de website.",
                products=["afvalinzameling-grofvuil"],
                outcome="zelfstandig afgehandeld",
            )
        ],
    )


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


def _ms(values: list[float]) -> str:
    return (
        f"median {statistics.median(values) * 1000:.2f} ms, p95 {_pct(values, 0.95) * 1000:.2f} ms"
    )


def register(services: ConsoleServices, n: int) -> tuple[list[float], list[dict]]:
    times, docs = [], []
    for i in range(n):
        contact = _contact(i)
        start = time.perf_counter()
        saved = services.contacts.close(contact)
        times.append(time.perf_counter() - start)
        docs.append(saved.to_dict())
    return times, docs


def floor_bulk(path: Path, docs: list[dict]) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE contacts (id TEXT PRIMARY KEY, doc TEXT NOT NULL)")
    start = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO contacts VALUES (?, ?)", [(d["id"], json.dumps(d)) for d in docs])
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def floor_per_row(path: Path, docs: list[dict]) -> list[float]:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE contacts (id TEXT PRIMARY KEY, doc TEXT NOT NULL)")
    times = []
    for d in docs:
        start = time.perf_counter()
        conn.execute("BEGIN")
        conn.execute("INSERT INTO contacts VALUES (?, ?)", (d["id"], json.dumps(d)))
        conn.execute("COMMIT")
        times.append(time.perf_counter() - start)
    conn.close()
    return times


def _server_peak_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    args = parser.parse_args()
    n = args.n
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        db_url = f"sqlite:///{base / 'central.sqlite3'}"
        token = create_user(db_url, AGENT.name, AGENT.role, AGENT.teams)
        settings = Settings(
            state_dir=base / "console", server_url="http://127.0.0.1:9", token=token
        )
        services = ConsoleServices.open(settings, user=AGENT)

        reg_times, docs = register(services, n)
        print(
            f"register {n} contacts offline (fsync each): {_ms(reg_times)}, "
            f"{n / sum(reg_times):,.0f} items/s; outbox {services.sync.state().outbox}"
        )

        server = subprocess.Popen(
            [sys.executable, "-c", SERVE, db_url], stdout=subprocess.PIPE, text=True
        )
        try:
            port = int(server.stdout.readline())  # type: ignore[union-attr]
            url = f"http://127.0.0.1:{port}"
            httpx.get(url + "/healthz", timeout=5).raise_for_status()
            services.close()
            settings.server_url = url
            services = ConsoleServices.open(settings, user=AGENT)
            start = time.perf_counter()
            report = services.sync.now(timeout=120)
            drain = time.perf_counter() - start
            state = services.sync.state()
            print(
                f"drain {n} to the server (push {report.pushed}, pulled back "
                f"{report.pulled}): {drain:.2f} s, {n / drain:,.0f} items/s; "
                f"outbox left {state.outbox}, error {report.error}"
            )
            print(f"server peak RSS {_server_peak_kb(server.pid) / 1024:.0f} MiB")
        finally:
            server.kill()
            server.wait()
            services.close()

        bulk = floor_bulk(base / "floor-bulk.sqlite3", docs)
        print(
            f"floor: raw sqlite3 bulk insert of the same {n} rows, one transaction: "
            f"{bulk:.3f} s, {n / bulk:,.0f} items/s"
        )
        per_row = floor_per_row(base / "floor-row.sqlite3", docs[: min(n, 2000)])
        print(f"floor: raw INSERT + fsynced COMMIT per row ({len(per_row)}): {_ms(per_row)}")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"console process peak RSS {peak:.0f} MiB")
        ok_drain = drain <= 10 * n / 10_000
        ok_reg = _pct(reg_times, 0.95) <= 0.005
        print(
            f"targets: drain {'OK' if ok_drain else 'MISSED'}, "
            f"registration p95 {'OK' if ok_reg else 'MISSED'}"
        )


if __name__ == "__main__":
    main()
