"""The export queue against the validating register: background export from a running
central store, and the faults (down, slow, 500, 400 for one record, killed mid-batch),
each ending with every record in the register exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from loket.server.export_queue import Exporter, ExportQueue, ExportSettings, load_context
from loket.server.storage import open_storage
from tests.conftest import BACKENDS, LiveServer
from tests.export.fake_openklant import TOKEN, FakeOpenKlant
from tests.export.helpers import assert_exactly_once, closed_contact, push_records


def wait_for(check: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.fixture
def records(live_server: LiveServer) -> list[dict[str, Any]]:
    """Twelve closed contacts of one agent, every third with a routed question, pushed."""
    name, token = live_server.make_user("agent", name="anna")
    found = [closed_contact(name, n, routed=n % 3 == 0) for n in range(12)]
    push_records(live_server.client(token), found)
    return found


@pytest.fixture
def exporter(live_server: LiveServer, register: FakeOpenKlant) -> Iterator[Exporter]:
    """An exporter on the live server's database (the server itself does not export)."""
    storage = open_storage(live_server.db_url, pool_size=2)
    settings = ExportSettings(register.url, TOKEN, timeout=1.0)
    found = Exporter(storage, settings, load_context(None, None))
    yield found
    found.client.close()
    storage.close()


@pytest.mark.parametrize("backend", BACKENDS, indirect=True)
def test_a_running_server_exports_in_the_background(
    server_factory: Callable[..., list[LiveServer]], register: FakeOpenKlant
) -> None:
    (live,) = server_factory(export_url=register.url, export_token=TOKEN)
    agent, token = live.make_user("agent", name="anna")
    records = [closed_contact(agent, n, routed=n == 1) for n in range(3)]
    push_records(live.client(token), records)
    metrics = live.client()

    def exported(n: int) -> Callable[[], bool]:
        return lambda: (
            f'loket_export_records{{state="exported"}} {n}.0' in metrics.get("/metrics").text
        )

    wait_for(exported(3))
    assert_exactly_once(register.register, records)
    # the back office resolves the task: the internetaak becomes verwerkt
    _, bo_token = live.make_user("backoffice", teams=["burgerzaken"])
    bo = live.client(bo_token)
    task = records[1]["task"]
    claimed = bo.post(f"/api/v1/tasks/{task['id']}/claim", json={"version": 1})
    assert claimed.status_code == 200, claimed.text
    done = bo.post(
        f"/api/v1/tasks/{task['id']}/resolve",
        json={"version": claimed.json()["version"], "resolution": "Teruggebeld"},
    )
    assert done.status_code == 200, done.text
    wait_for(lambda: register.register.items("internetaken")[0]["status"] == "verwerkt")
    wait_for(exported(3))
    assert_exactly_once(register.register, records)
    assert "loket_export_requests_total" in metrics.get("/metrics").text


def test_register_down_then_back(
    records: list[dict[str, Any]], exporter: Exporter, register: FakeOpenKlant
) -> None:
    register.stop()
    report = exporter.run_once()
    assert report.failed == 1 and report.exported == 0
    status = exporter.queue.status()
    assert status["records"]["pending"] == 12
    assert "cannot connect" in status["retrying"][0]["error"]["message"]
    register.start()  # the same port
    report = exporter.run_once(retry_now=True)
    assert report.exported == 12
    assert_exactly_once(register.register, records)


def test_slow_register_that_creates_but_answers_too_late(
    records: list[dict[str, Any]], exporter: Exporter, register: FakeOpenKlant
) -> None:
    register.register.faults.slow_after_create = 1.5  # the client gives up after 1 s
    assert exporter.run_once().failed == 1
    assert exporter.run_once(retry_now=True).failed == 1  # careful: looks up, adopts, times out
    register.register.faults.slow_after_create = 0
    while exporter.queue.status()["records"]["pending"]:
        assert exporter.run_once(retry_now=True).failed == 0
    assert_exactly_once(register.register, records)


def test_register_answering_500(
    records: list[dict[str, Any]], exporter: Exporter, register: FakeOpenKlant
) -> None:
    for _ in range(5):
        register.register.faults.fail_next = 2
        exporter.run_once(retry_now=True)
    while exporter.queue.status()["records"]["pending"]:
        exporter.run_once(retry_now=True)
    assert exporter.queue.status()["records"]["exported"] == 12
    assert_exactly_once(register.register, records)


def test_one_record_refused_is_kept_shown_and_retried_after_a_fix(
    live_server: LiveServer,
    records: list[dict[str, Any]],
    exporter: Exporter,
    register: FakeOpenKlant,
) -> None:
    def refuse(collection: str, body: dict[str, Any]) -> list[dict[str, str]] | None:
        if collection == "betrokkenen" and body["contactnaam"]["achternaam"] == "Jansen4":
            return [{"name": "contactnaam.achternaam", "code": "invalid", "reason": "Geblokkeerd."}]
        return None

    register.register.faults.reject = refuse
    report = exporter.run_once()
    assert (report.exported, report.rejected) == (11, 1)
    status = exporter.queue.status()
    (rejected,) = status["rejected"]
    assert rejected["contact_id"] == records[4]["contact"]["id"]
    assert rejected["error"]["resource"] == "betrokkenen"
    assert rejected["error"]["fields"][0]["name"] == "contactnaam.achternaam"
    # shown to admins: the CLI and /metrics
    out = run_cli(live_server.db_url, "export", "status")
    assert "REJECTED " + records[4]["contact"]["id"] in out and "Geblokkeerd" in out
    # a retry without a fix is refused again; never dropped
    assert exporter.queue.retry() == 1
    assert exporter.run_once().rejected == 1
    register.register.faults.reject = None
    assert "1 record(s) queued again" in run_cli(live_server.db_url, "export", "retry", "--all")
    assert exporter.run_once().exported == 1
    assert_exactly_once(register.register, records)


def run_cli(db_url: str, *args: str, check: bool = True) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "loket", *args, "--db", db_url],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "LOKET_CONFIG": "/nonexistent/config.toml"},
        check=False,
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result.stdout


def test_dry_run_prints_the_requests_and_sends_nothing(
    live_server: LiveServer, records: list[dict[str, Any]], register: FakeOpenKlant
) -> None:
    out = run_cli(
        live_server.db_url,
        "export",
        "klantinteracties",
        "--dry-run",
        "--json",
        "--since",
        "2026-11-23T09:05:00+00:00",
    )
    requests = json.loads(out)
    contacts = {r["contact_id"] for r in requests}
    assert contacts == {r["contact"]["id"] for r in records[5:]}
    assert {r["path"] for r in requests} >= {"/klantcontacten", "/internetaken", "/actoren"}
    assert register.register.requests == []


def test_exporter_killed_mid_batch_then_run_again(
    live_server: LiveServer, register: FakeOpenKlant
) -> None:
    name, token = live_server.make_user("agent", name="anna")
    records = [closed_contact(name, n, routed=n % 4 == 0) for n in range(40)]
    push_records(live_server.client(token), records)
    register.register.faults.delay = 0.01
    cmd = [
        sys.executable,
        "-m",
        "loket",
        "export",
        "klantinteracties",
        "--db",
        live_server.db_url,
        "--url",
        register.url,
        "--token",
        TOKEN,
    ]
    env = {**os.environ, "LOKET_CONFIG": "/nonexistent/config.toml"}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_for(lambda: len(register.register.items("klantcontacten")) >= 15, timeout=60)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    register.register.faults.delay = 0
    made = len(register.register.items("klantcontacten"))
    assert made < 50  # killed mid-batch, not after
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    assert_exactly_once(register.register, records)
    status = ExportQueue(open_storage(live_server.db_url, pool_size=1)).status()
    assert status["records"]["exported"] == 40


def test_the_cli_fails_clearly_without_a_register(live_server: LiveServer) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "loket", "export", "klantinteracties", "--db", live_server.db_url],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "LOKET_CONFIG": "/nonexistent/config.toml"},
    )
    assert result.returncode == 1
    assert "no register configured" in result.stderr and "Traceback" not in result.stderr
