"""Operations: migrations, metrics, health, stats, the CLI and a separate server process."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from typer.testing import CliRunner

from loket.server.admin import create_user, disable_user, list_users, migrate
from loket.server.storage import open_storage
from loket.server.storage.schema import migration_files
from tests.conftest import BACKENDS
from tests.server.helpers import API, action, contact, create, pull_all, push, save, task
from tests.server.sse import SseReader


@pytest.mark.parametrize("backend", BACKENDS, indirect=True)
def test_migrations_apply_once_even_concurrently(db_url):
    applied: list[list[int]] = []
    errors: list[BaseException] = []

    def run():
        try:
            applied.append(migrate(db_url))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    every = [number for number, _, _ in migration_files("sqlite")]
    assert every[:2] == [1, 2]
    assert sorted(applied) == [[], [], every]
    assert migrate(db_url) == []
    storage = open_storage(db_url)
    try:
        with storage.read() as r:
            rows = r.run("SELECT version, name FROM schema_migrations")
    finally:
        storage.close()
    assert sorted((row["version"], row["name"]) for row in rows) == [
        (number, name) for number, name, _ in migration_files("sqlite")
    ]
    assert rows and {row["name"] for row in rows} >= {"0001_init.sql", "0002_bsn_encrypted.sql"}


def test_opening_waits_out_another_connection_switching_a_new_file_to_wal(tmp_path):
    """Two servers (or a server and `migrate`) opening a new file at once: the one that
    finds the file mid-switch waits instead of failing with "database is locked"."""
    path = tmp_path / "central.db"
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("CREATE TABLE early (x)")  # still a rollback journal, not WAL
    holder.execute("BEGIN IMMEDIATE")  # what a concurrent switch holds
    release = threading.Timer(0.3, lambda: holder.execute("COMMIT"))
    release.start()
    try:
        storage = open_storage(f"sqlite:///{path}")
        storage.migrate()
        storage.close()
    finally:
        release.join()
        holder.close()
    mode = sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


@pytest.mark.parametrize("live_server", [{"heartbeat_seconds": 0.3}], indirect=True)
def test_metrics_count_requests_pushes_and_streams(live_server):
    name, token = live_server.make_user("agent")
    client = live_server.client(token)
    batch = [save(contact(name)), save(contact(name, channel="x" * 51))]
    push(client, *batch)
    push(client, batch[0])
    with SseReader(live_server.url, token):
        text = httpx.get(f"{live_server.url}/metrics").text
    assert 'loket_push_changes_total{status="applied"} 1.0' in text
    assert 'loket_push_changes_total{status="rejected"} 1.0' in text
    assert 'loket_push_changes_total{status="duplicate"} 1.0' in text
    assert (
        'loket_http_requests_total{method="POST",route="/api/v1/sync/push",status="200"} 2.0'
        in text
    )
    assert 'loket_http_request_duration_seconds_count{route="/api/v1/sync/push"} 2.0' in text
    assert "loket_sse_clients 1.0" in text
    assert httpx.get(f"{live_server.url}/healthz").json() == {"status": "ok", "db": "sqlite"}


def test_openapi_and_docs_are_served(live_server):
    spec = httpx.get(f"{live_server.url}/api/v1/openapi.json").json()
    assert "/api/v1/sync/push" in spec["paths"]
    assert "/api/v1/tasks/{task_id}/forward" in spec["paths"]
    assert httpx.get(f"{live_server.url}/api/v1/docs").status_code == 200


def test_stats_for_supervisor(live_server):
    agent, agent_token = live_server.make_user("agent")
    client = live_server.client(agent_token)
    now = datetime.now(UTC)
    resolved = contact(
        agent,
        started_at=now.isoformat(),
        channel="balie",
        ended_at=(now + timedelta(minutes=4)).isoformat(),
        status="closed",
    )
    transferred = contact(agent, started_at=now.isoformat(), channel="telefoon")
    transferred["questions"][0]["outcome"] = "doorverbonden"
    late = task(agent, team="afval", due_at=(now - timedelta(hours=1)).isoformat())
    push(client, save(resolved), save(transferred), create(late), create(task(agent)))
    bo = live_server.client(live_server.make_user("backoffice", ["burgerzaken"])[1])
    bz_task = pull_all(bo)[0][0]["data"]
    push(bo, action(bz_task["id"], "claim", 1))
    sup = live_server.client(live_server.make_user("supervisor")[1])
    stats = sup.get(f"{API}/stats").json()
    queues = {q["team"]: q for q in stats["queues"]}
    assert (queues["afval"]["open"], queues["afval"]["overdue"]) == (1, 1)
    assert (queues["burgerzaken"]["open"], queues["burgerzaken"]["claimed"]) == (0, 1)
    assert stats["contacts"] == 2
    assert stats["per_channel"] == {"balie": 1, "telefoon": 1}
    assert stats["fcr"] == 1.0  # only closed contacts count; the open one is left out
    assert stats["handling"]["mean_seconds"] == 240.0
    other_day = sup.get(f"{API}/stats", params={"date": "2020-01-01"}).json()
    assert other_day["contacts"] == 0


def test_cli_user_commands(tmp_path, monkeypatch):
    from loket.cli import app

    monkeypatch.setenv("LOKET_CONFIG", str(tmp_path / "none.toml"))
    url = f"sqlite:///{tmp_path / 'c.sqlite3'}"
    runner = CliRunner()
    added = runner.invoke(
        app,
        [
            "user",
            "add",
            "anna",
            "--role",
            "backoffice",
            "--team",
            "afval",
            "--team",
            "wmo",
            "--db",
            url,
        ],
    )
    assert added.exit_code == 0, added.output
    token = added.output.strip()
    assert len(token) >= 40
    listed = runner.invoke(app, ["user", "list", "--db", url, "--json"])
    assert '"teams": [\n      "afval",\n      "wmo"\n    ]' in listed.output
    assert token not in listed.output
    bad = runner.invoke(app, ["user", "add", "bob", "--role", "boss", "--db", url])
    assert bad.exit_code == 1 and "unknown role" in bad.output and "Traceback" not in bad.output
    assert runner.invoke(app, ["user", "disable", "anna", "--db", url]).exit_code == 0
    assert list_users(url)[0]["disabled"] is True
    missing = runner.invoke(app, ["user", "disable", "nobody", "--db", url])
    assert missing.exit_code == 1 and "no user named" in missing.output


def test_cli_user_add_refuses_an_unknown_team_in_one_line(tmp_path, monkeypatch):
    from loket.cli import app

    monkeypatch.setenv("LOKET_CONFIG", str(tmp_path / "none.toml"))
    url = f"sqlite:///{tmp_path / 'c.sqlite3'}"
    args = ["user", "add", "bob", "--role", "backoffice", "--team", "afval", "--team", "wnmo"]
    refused = CliRunner().invoke(app, [*args, "--db", url])
    assert refused.exit_code == 2, refused.output
    lines = refused.output.strip().splitlines()
    assert len(lines) == 1 and "unknown team 'wnmo'" in lines[0] and "afval'" not in lines[0]
    assert "backoffices.toml" in lines[0]
    assert list_users(url) == []


def test_admin_functions(tmp_path):
    url = f"sqlite:///{tmp_path / 'c.sqlite3'}"
    token = create_user(url, "sam", "supervisor")
    assert token != create_user(url, "sue", "supervisor")
    with pytest.raises(ValueError, match="exists"):
        create_user(url, "sam", "agent")
    with pytest.raises(ValueError, match="user name"):
        create_user(url, "bad name!", "agent")
    disable_user(url, "sam")
    assert [(u["name"], u["disabled"]) for u in list_users(url)] == [("sam", True), ("sue", False)]


@pytest.mark.slow
def test_server_process_survives_kill_9(tmp_path, server_process):
    url = f"sqlite:///{tmp_path / 'c.sqlite3'}"
    token = create_user(url, "anna", "agent")
    proc = server_process(url)
    headers = {"Authorization": f"Bearer {token}"}
    batch = {"changes": [save(contact("anna")) for _ in range(3)]}
    first = httpx.post(f"{proc.url}{API}/sync/push", json=batch, headers=headers).json()
    assert [r["status"] for r in first["results"]] == ["applied"] * 3
    proc.restart()  # SIGKILL, then start again on the same port and file
    again = httpx.post(f"{proc.url}{API}/sync/push", json=batch, headers=headers).json()
    assert [r["status"] for r in again["results"]] == ["duplicate"] * 3
    pulled = httpx.get(f"{proc.url}{API}/sync/pull", headers=headers).json()
    assert len(pulled["changes"]) == 3


def test_request_log_shows_paths_without_their_query(server_factory) -> None:
    import logging

    records: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: records.append(record.getMessage())  # type: ignore[method-assign]
    access = logging.getLogger("uvicorn.access")
    [live] = server_factory(access_log=True, log_level="info")
    access.addHandler(handler)
    try:
        client = live.client()
        client.get("/healthz", params={"token": "geheim-token", "phone": "0612345678"})
    finally:
        access.removeHandler(handler)
    logged = "\n".join(records)
    assert "/healthz" in logged
    assert "geheim-token" not in logged and "0612345678" not in logged and "?" not in logged
