"""Klantinteracties export benchmark: records/s from the central store to a register.

    .venv/bin/python bench/export.py [--n 600]

1. Pushes N closed contacts (every third with a routed question and a callback) to a
   central store on SQLite (in-process, real HTTP), then exports them with one
   `Exporter.run_once` to the test register (tests/export/fake_openklant.py) running in its
   own process, which validates every request against the standard's OpenAPI with
   openapi-core: per-record median / p95, records/s, requests/s.
2. The same export to the same register with validation off (what the exporter itself
   costs when the register answers at once).
3. Floor from the same run: the same number of bare POSTs of the klantcontact bodies with
   one keep-alive httpx client to the non-validating register (no queue, no database).
Peak memory of this process is printed at the end.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the test register lives in tests/export

import httpx  # noqa: E402
from tests.export.fake_openklant import TOKEN  # noqa: E402
from tests.export.helpers import closed_contact, push_records  # noqa: E402

from loket.export.client import KlantinteractiesClient  # noqa: E402
from loket.server.embedded import EmbeddedServer  # noqa: E402
from loket.server.export_queue import (  # noqa: E402
    Exporter,
    ExportSettings,
    RunReport,
    load_context,
)

REGISTER = """
import sys, threading
from tests.export.fake_openklant import FakeOpenKlant, Register
fake = FakeOpenKlant(Register(validate=sys.argv[1] == "1")).start()
print(fake.port, flush=True)
threading.Event().wait()
"""


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


def _register(validate: bool) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", REGISTER, "1" if validate else "0"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    port = int(proc.stdout.readline())  # type: ignore[union-attr]
    return proc, f"http://127.0.0.1:{port}"


class TimedExporter(Exporter):
    """Records how long each record's export took."""

    times: list[float]

    def export(self, entry, report: RunReport, dry_run: bool = False) -> None:  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        try:
            super().export(entry, report, dry_run)
        finally:
            self.times.append(time.perf_counter() - start)


def export_all(db_url: str, url: str) -> tuple[RunReport, float, list[float]]:
    from loket.server.storage import open_storage

    storage = open_storage(db_url)
    exporter = TimedExporter(
        storage, ExportSettings(url, TOKEN, batch=200), load_context(None, None)
    )
    exporter.times = []
    try:
        start = time.perf_counter()
        report = exporter.run_once()
        elapsed = time.perf_counter() - start
    finally:
        exporter.client.close()
        storage.close()
    return report, elapsed, exporter.times


def floor(url: str, requests: int) -> float:
    body = {"kanaal": "telefoon", "onderwerp": "Vraag", "taal": "nld", "vertrouwelijk": False}
    client = KlantinteractiesClient(url, TOKEN)
    start = time.perf_counter()
    for _ in range(requests):
        client.create("klantcontacten", body)
    elapsed = time.perf_counter() - start
    client.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=600)
    args = parser.parse_args()
    n = args.n
    with tempfile.TemporaryDirectory() as tmp:
        results = {}
        for validate in (True, False):
            db_url = f"sqlite:///{Path(tmp) / f'central-{validate}.sqlite3'}"
            with EmbeddedServer(db_url) as server:
                token = server.store.users.add("anna", "agent", ["kcc"])
                records = [closed_contact("anna", i, routed=i % 3 == 0) for i in range(n)]
                with httpx.Client(
                    base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=60
                ) as client:
                    push_records(client, records)
            proc, url = _register(validate)
            try:
                report, elapsed, times = export_all(db_url, url)
                floor_s = floor(url, report.requests) if not validate else None
            finally:
                proc.kill()
                proc.wait()
            results[validate] = (report, elapsed, times, floor_s)
            label = "validating register" if validate else "register without validation"
            print(
                f"export {report.exported} contacts ({report.requests} requests) to the {label}:"
                f" {elapsed:.2f} s, {report.exported / elapsed:,.1f} records/s,"
                f" {report.requests / elapsed:,.0f} requests/s; per record median"
                f" {statistics.median(times) * 1000:.1f} ms, p95 {_pct(times, 0.95) * 1000:.1f} ms"
            )
            if floor_s is not None:
                per_record = report.requests / report.exported
                print(
                    f"floor: {report.requests} bare POSTs, one keep-alive client, same register:"
                    f" {floor_s:.2f} s, {report.requests / floor_s:,.0f} requests/s, i.e."
                    f" {report.exported / floor_s:,.1f} records/s at {per_record:.1f} requests"
                    " per record"
                )
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"exporter process peak RSS {peak:.0f} MiB")


if __name__ == "__main__":
    main()
