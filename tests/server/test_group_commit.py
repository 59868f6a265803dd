"""Group commit: many push requests in one transaction, a savepoint per item.

Concurrent requests share a transaction, so these check what the contract promises per
item and per request still holds: every change applied once, seq strictly increasing and
unique, a failing item undone alone, a failing request not taking the others down.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from loket.server.auth import User
from loket.server.bsn import BsnKeys
from loket.server.schemas import ChangeIn
from loket.server.services import CentralStore
from loket.server.storage import open_storage
from loket.server.storage.changes import ItemFailed
from tests.conftest import BACKENDS
from tests.server.helpers import contact, pull_all, push, save

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)


def test_concurrent_pushes_apply_each_change_once_in_seq_order(live_server):
    name, token = live_server.make_user("agent")
    batches = [[save(contact(name)) for _ in range(3)] for _ in range(40)]
    # Every batch twice, at the same time: one of each pair applies, the other is duplicate.
    work = batches + batches

    def send(batch):
        with live_server.client(token) as client:
            return push(client, *batch)

    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(send, work))
    by_id: dict[str, list[dict]] = {}
    for answer in answers:
        for result in answer:
            by_id.setdefault(result["id"], []).append(result)
    assert len(by_id) == 120
    for results in by_id.values():
        statuses = sorted(r["status"] for r in results)
        assert statuses == ["applied", "duplicate"]
        assert results[0]["seq"] == results[1]["seq"] is not None
    assert len({rs[0]["seq"] for rs in by_id.values()}) == 120
    with live_server.client(token) as client:
        entries, _ = pull_all(client)
    pulled = [e["seq"] for e in entries]
    assert pulled == sorted(pulled) and len(set(pulled)) == len(pulled) == 120
    assert {e["id"] for e in entries} == {c["payload"]["contact"]["id"] for b in batches for c in b}


def _store(db_url: str) -> CentralStore:
    store = CentralStore(open_storage(db_url), keys=BsnKeys.generate(), teams=None)
    store.open()
    return store


def test_failing_item_is_undone_alone_and_fails_only_its_request(db_url, monkeypatch):
    store = _store(db_url)
    try:
        store.users.add("anna", "agent", [])
        store.users.add("bert", "agent", [])
        anna, bert = User("anna", "agent"), User("bert", "agent")
        good_a = [ChangeIn(**save(contact("anna"))) for _ in range(2)]
        bad = ChangeIn(**save(contact("bert")))
        good_b = ChangeIn(**save(contact("bert")))
        poisoned = bad.payload["contact"]["id"]
        original = store.contacts.save

        def save_or_crash(tx, user, record):
            seq = original(tx, user, record)  # written, then the crash: must be undone
            if record.id == poisoned:
                raise RuntimeError("disk on fire")
            return seq

        monkeypatch.setattr(store.contacts, "save", save_or_crash)
        jobs = [
            (anna, store.sync.prepare(anna, good_a)),
            (bert, store.sync.prepare(bert, [good_b, bad])),
            (anna, store.sync.prepare(anna, [ChangeIn(**save(contact("anna")))])),
        ]
        outcomes = store.sync.apply(jobs)
        assert [r["status"] for r in outcomes[0]] == ["applied", "applied"]
        assert isinstance(outcomes[1], ItemFailed)
        assert [r["status"] for r in outcomes[2]] == ["applied"]
        with store.storage.read() as r:
            assert r.contact(poisoned) is None
            assert r.applied(bad.id) is None
            heads = r.change_heads(0, 100)
        # bert's first item was applied before the crash (like a request that died half-way
        # before); the crashed item left nothing, not even a change-log entry.
        ids = [h["entity_id"] for h in heads]
        assert poisoned not in ids and len(ids) == 4
        assert [h["seq"] for h in heads] == sorted(h["seq"] for h in heads)
        # The client retries the failed request: the applied item is a duplicate, the
        # crashed one now applies.
        monkeypatch.setattr(store.contacts, "save", original)
        retry = store.sync.push(bert, [good_b, bad])
        assert [r["status"] for r in retry] == ["duplicate", "applied"]
        with store.storage.read() as r:
            stored = json.loads(r.applied(bad.id)["result"])
        assert stored["status"] == "applied" and stored["seq"] == retry[1]["seq"]
    finally:
        store.storage.close()
