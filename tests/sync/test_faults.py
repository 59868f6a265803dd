"""Nothing typed is ever lost: consoles against the REAL central store under faults.

Several consoles register contacts (some routed) through a fault-injecting proxy that cuts
requests and responses and resets connections; the server is SIGKILLed and restarted on
the same database mid-run; a batch is replayed. Afterwards the server holds exactly the
contacts and tasks that were registered (none twice, none lost), and after back-office
actions, including a conflict that must surface as a visible conflict, every console
holds the same task states as the server.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from loket.domain.models import Callback, Contact, ContactStatus, Question, TaskStatus, utcnow
from loket.server.admin import create_user
from loket.services import ConsoleServices
from loket.sync import SyncClient
from tests.sync.fault_proxy import FaultProxy, Faults
from tests.sync.harness import api_items, open_console, sync_until_idle

FAULTS = Faults(drop_request=0.12, drop_response=0.12, reset=0.06, delay=0.15, delay_max=0.15)
TEAMS = ("burgerzaken", "afval")
N = int(os.environ.get("LOKET_SYNC_FAULT_N", "200"))
SEED = int(os.environ.get("LOKET_SYNC_FAULT_SEED", "20261123"))  # reproduce a run


def register(console: ConsoleServices, i: int, routed: dict[str, str]) -> str:
    """One phone contact; every 4th is routed to a back office (a task is made)."""
    contact = Contact(
        agent=console.user.name,
        channel="telefoon",
        questions=[Question(text=f"Vraag {i} over afval of paspoort")],
    )
    contact.ended_at = utcnow()
    contact.status = ContactStatus.CLOSED
    if i % 4 == 0:
        contact, task = console.contacts.route_question(
            contact,
            contact.questions[0].id,
            team=TEAMS[i % 8 // 4],
            internal_note=f"Terugbellen over vraag {i}",
            callback=Callback(phone="0612345678"),
            intake={},
        )
        routed[task.id] = console.user.name
    else:
        contact.questions[0].outcome = "zelfstandig afgehandeld"
        console.contacts.close(contact)
    return contact.id


def _users(db_url: str) -> dict[str, str]:
    tokens = {f"a{i}": create_user(db_url, f"a{i}", "agent", ["kcc"]) for i in (1, 2, 3)}
    tokens["bo1"] = create_user(db_url, "bo1", "backoffice", list(TEAMS))
    tokens["bo2"] = create_user(db_url, "bo2", "backoffice", ["burgerzaken"])
    tokens["sup"] = create_user(db_url, "sup", "supervisor", [])
    return tokens


def run_convergence(
    tmp_path: Path, db_url: str, server_process: Callable[..., Any], n: int
) -> None:
    deadline = time.monotonic() + 70
    tokens = _users(db_url)
    server = server_process(db_url)  # `loket serve` in its own process
    proxy = FaultProxy(server.port, seed=SEED, faults=FAULTS).start()
    consoles: list[ConsoleServices] = []
    try:
        agents = [
            open_console(tmp_path, f"a{i}", proxy.url, tokens[f"a{i}"], direct_url=server.url)
            for i in (1, 2, 3)
        ]
        consoles.extend(agents)
        agents[0].sync.start(lambda state: None)  # SSE + poll, in its thread
        agents[1].sync.start(lambda state: None)
        registered: dict[str, str] = {}
        routed: dict[str, str] = {}
        replay: list[dict] = []

        def wave(start: int, stop: int) -> None:
            for i in range(start, stop):
                console = agents[i % 3]
                registered[register(console, i, routed)] = console.user.name

        wave(0, n // 4)
        replay = [item.to_change() for item in agents[2].store.outbox_batch(40)]
        agents[2].sync.now(timeout=2)
        wave(n // 4, n // 2)
        server.kill()  # SIGKILL mid-run: consoles keep working offline
        wave(n // 2, 3 * n // 4)
        assert agents[2].sync.now(timeout=1).error  # offline is a state, not an exception
        server.start()  # the same database, the same port
        wave(3 * n // 4, n)
        workers = [threading.Thread(target=a.sync.now, kwargs={"timeout": 5}) for a in agents]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        for agent in agents:
            agent.sync.stop()
        proxy.set(Faults())  # the network heals
        sync_until_idle(agents, deadline)
        assert sum(proxy.stats[k] for k in ("drop_request", "drop_response", "reset")) >= 5

        # A replayed batch changes nothing: every change id is known to the server.
        results = SyncClient(server.url, tokens["a3"]).push(replay)
        assert [r["status"] for r in results] == ["duplicate"] * len(replay)

        contacts = api_items(server.url, tokens["sup"], "/contacts")
        assert len(contacts) == n == len(registered)
        assert {c["id"] for c in contacts} == set(registered)  # none lost, none twice
        tasks = {t["id"]: t for t in api_items(server.url, tokens["sup"], "/tasks")}
        assert set(tasks) == set(routed)

        back_office(tmp_path, proxy, server, tokens, consoles, deadline)
        sync_until_idle(consoles, deadline)
        tasks = {t["id"]: t for t in api_items(server.url, tokens["sup"], "/tasks")}
        for console in consoles:
            assert console.sync.state().outbox == 0
            local = {t.id: t for t in console.store.tasks(limit=10_000)}
            if console.user.role == "agent":
                mine = {tid for tid, agent in routed.items() if agent == console.user.name}
                assert set(local) == mine
            for task_id, task in local.items():
                server_task = tasks[task_id]
                assert (str(task.status), task.version, task.assignee) == (
                    server_task["status"],
                    server_task["version"],
                    server_task["assignee"],
                ), f"{console.user.name} diverged on a task"
        assert any(t["status"] == "done" for t in tasks.values())
    finally:
        for console in consoles:
            console.close()
        proxy.stop()
        server.kill()


def back_office(
    tmp_path: Path,
    proxy: FaultProxy,
    server: Any,  # tests.conftest.ServerProcess
    tokens: dict[str, str],
    consoles: list[ConsoleServices],
    deadline: float,
) -> None:
    """Claims and resolves, plus two people claiming one task: the later one must see a
    conflict (visible, with the server's state), never overwrite the first."""
    bo1 = open_console(tmp_path, "bo1", proxy.url, tokens["bo1"], direct_url=server.url)
    bo2 = open_console(tmp_path, "bo2", server.url, tokens["bo2"])
    consoles.extend([bo1, bo2])
    proxy.set(Faults(drop_response=0.1, reset=0.05))
    sync_until_idle([bo1, bo2], deadline)
    open_tasks = bo1.tasks.worklist(team="burgerzaken", status="open")
    assert len(open_tasks) >= 3
    contested, *rest = open_tasks
    bo1.tasks.claim(contested.id)
    bo2.tasks.claim(contested.id)  # same version, not yet synced: a conflict
    for task in rest[:6]:
        bo1.tasks.claim(task.id)
    for task in rest[:3]:
        bo1.tasks.resolve(task.id, "Inwoner teruggebeld en geholpen.")
    sync_until_idle([bo1], deadline)
    sync_until_idle([bo2], deadline)
    [conflict] = bo2.tasks.conflicts()
    assert conflict.task_id == contested.id
    assert conflict.current.assignee == "bo1" and conflict.mine["action"] == "claim"
    assert bo2.sync.state().conflicts == 1
    assert bo2.tasks.get(contested.id).assignee == "bo1"  # the server's state, not ours
    bo2.tasks.resolve_conflict(contested.id, "theirs")
    assert bo2.tasks.conflicts() == []
    assert all(t.status == TaskStatus.DONE for t in (bo1.tasks.get(x.id) for x in rest[:3]))
    proxy.set(Faults())


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)], indirect=True
)
def test_contacts_and_tasks_converge_under_faults_and_a_killed_server(
    tmp_path: Path, backend: str, db_url: str, server_process: Callable[..., Any]
) -> None:
    # PostgreSQL runs a smaller round: it proves the backend, SQLite carries the volume.
    run_convergence(tmp_path, db_url, server_process, n=N if backend == "sqlite" else N // 2)
