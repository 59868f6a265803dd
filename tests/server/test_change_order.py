"""The change log on PostgreSQL with two server processes writing at once.

Push groups take the change-log order lock only for their tail (see
`loket.server.storage.postgres`), so groups of two stores overlap. These check that what
the contract promises still holds: a puller that follows its cursor never misses an entry
(no lower seq becomes visible after a higher one was read), and a change pushed to both
processes at once is applied once, the other answer a duplicate with the same seq.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from loket.server.auth import User
from loket.server.bsn import BsnKeys
from loket.server.schemas import ChangeIn
from loket.server.services import CentralStore
from loket.server.storage import open_storage
from tests.conftest import BACKENDS
from tests.server.helpers import contact, save

pytestmark = pytest.mark.parametrize("backend", [BACKENDS[1]], indirect=True)

ANNA = User("anna", "agent")


def _stores(db_url: str, count: int = 2) -> list[CentralStore]:
    """`count` stores, each with its own pool: as many server processes on one database."""
    stores = []
    keys = BsnKeys.generate()  # one key file, as every server process on a database shares
    for _ in range(count):
        store = CentralStore(open_storage(db_url), keys=keys, teams=None)
        store.open()
        stores.append(store)
    stores[0].users.add(ANNA.name, ANNA.role, [])
    return stores


def _group(store: CentralStore, requests: int, items: int) -> list:
    jobs = [
        (ANNA, store.sync.prepare(ANNA, [ChangeIn(**save(contact("anna"))) for _ in range(items)]))
        for _ in range(requests)
    ]
    return store.sync.apply(jobs)


def test_puller_never_sees_a_lower_seq_appear_after_a_higher_one(db_url):
    stores = _stores(db_url)
    stop = threading.Event()
    pulled: list[int] = []
    polls = 0

    def pull_loop() -> None:
        nonlocal polls
        since = 0
        while True:
            done = stop.is_set()  # one last full pull after the writers stopped
            page = stores[0].sync.pull(ANNA, since, 1000)
            pulled.extend(e["seq"] for e in page["changes"])
            assert page["cursor"] >= since
            since = page["cursor"]
            polls += 1
            if done and not page["more"]:
                return

    def write_loop(store: CentralStore) -> int:
        applied = 0
        for _ in range(25):
            for outcome in _group(store, 3, 2):
                applied += sum(r["status"] == "applied" for r in outcome)
        return applied

    try:
        puller = threading.Thread(target=pull_loop)
        puller.start()
        with ThreadPoolExecutor(4) as pool:  # two writers per store, as two groups in flight
            applied = sum(pool.map(write_loop, stores + stores))
        stop.set()
        puller.join(30)
        assert not puller.is_alive()
        with stores[1].storage.read() as r:
            everything = [int(h["seq"]) for h in r.change_heads(0, 10_000)]
        assert applied == len(everything) == 4 * 25 * 3 * 2
        assert polls > 5  # the puller really ran alongside the writers
        # A missed entry is one that committed with a seq below a cursor already passed.
        assert sorted(pulled) == pulled and len(set(pulled)) == len(pulled)
        assert pulled == everything
    finally:
        for store in stores:
            store.storage.close()


def test_same_change_pushed_to_two_processes_at_once_applies_once(db_url):
    stores = _stores(db_url)
    try:
        batches = [[ChangeIn(**save(contact("anna"))) for _ in range(3)] for _ in range(20)]
        barrier = threading.Barrier(2)

        def send(store: CentralStore) -> list[list[dict]]:
            answers = []
            for batch in batches:
                barrier.wait(5)
                answers.append(store.sync.push(ANNA, batch))
            return answers

        with ThreadPoolExecutor(2) as pool:
            first, second = pool.map(send, stores)
        for a_batch, b_batch in zip(first, second, strict=True):
            for a, b in zip(a_batch, b_batch, strict=True):
                assert sorted([a["status"], b["status"]]) == ["applied", "duplicate"]
                assert a["seq"] == b["seq"] is not None
        with stores[0].storage.read() as r:
            heads = r.change_heads(0, 1000)
            stored = r.applied(batches[-1][-1].id)
        assert len(heads) == 60
        assert stored is not None and int(stored["seq"]) == first[-1][-1]["seq"]
    finally:
        for store in stores:
            store.storage.close()


def test_database_error_in_one_item_is_undone_alone(db_url, monkeypatch):
    """On PostgreSQL the write statements are pipelined: a statement error must still
    roll back to its item's savepoint and leave the rest of the group to commit."""
    (store,) = _stores(db_url, 1)
    try:
        changes = [ChangeIn(**save(contact("anna"))) for _ in range(3)]
        poisoned = changes[1].payload["contact"]["id"]
        original = store.contacts.save

        def save_then_fail(tx, user, record):
            ticket = original(tx, user, record)
            if record.id == poisoned:
                tx.send("DELETE FROM contact_outcomes WHERE contact_id = 1 / 0")
            return ticket

        monkeypatch.setattr(store.contacts, "save", save_then_fail)
        jobs = [(ANNA, store.sync.prepare(ANNA, [c])) for c in changes]
        outcomes = store.sync.apply(jobs)
        assert isinstance(outcomes[1], Exception)
        assert [outcomes[0][0]["status"], outcomes[2][0]["status"]] == ["applied", "applied"]
        assert outcomes[2][0]["seq"] == outcomes[0][0]["seq"] + 1
        with store.storage.read() as r:
            assert r.contact(poisoned) is None and r.applied(changes[1].id) is None
            assert [h["entity_id"] for h in r.change_heads(0, 10)] == [
                changes[0].payload["contact"]["id"],
                changes[2].payload["contact"]["id"],
            ]
    finally:
        store.storage.close()
