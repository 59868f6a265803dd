"""The sync client and engine against scripted HTTP answers (httpx.MockTransport).

The real-server behaviour is covered by test_faults.py; here each protocol answer the
engine must handle is produced on purpose, including the awkward ones.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import httpx
import pytest

from loket.domain.models import Contact
from loket.retry import Backoff
from loket.store import ConsoleStore
from loket.sync import SyncClient, SyncEngine
from loket.sync.client import sse_events


@pytest.fixture
def store(tmp_path: Path) -> ConsoleStore:
    opened = ConsoleStore.open(tmp_path / "c.sqlite3")
    yield opened
    opened.close()


def _engine(store: ConsoleStore, handler) -> SyncEngine:
    client = SyncClient("http://loket.test", "tok", transport=httpx.MockTransport(handler))
    return SyncEngine(store, client, backoff=Backoff(base=0.01, cap=0.02, rng=random.Random(1)))


def _fill(store: ConsoleStore, n: int) -> list[str]:
    ids = []
    for _ in range(n):
        contact = Contact(agent="anna", rev=1)
        store.save_contact(contact, durable=False)
        ids.append(contact.id)
    return ids


def _empty_pull(request: httpx.Request) -> httpx.Response:
    since = int(request.url.params["since"])
    return httpx.Response(200, json={"changes": [], "cursor": since, "more": False})


def test_push_sends_batches_of_at_most_500_and_empties_the_outbox(store: ConsoleStore) -> None:
    ids = _fill(store, 1203)
    sizes: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["authorization"] == "Bearer tok"
        if request.url.path.endswith("/sync/pull"):
            return _empty_pull(request)
        changes = json.loads(request.content)["changes"]
        sizes.append(len(changes))
        return httpx.Response(
            200, json={"results": [{"id": c["id"], "status": "applied"} for c in changes]}
        )

    report = _engine(store, handler).sync(timeout=10)
    assert sizes == [500, 500, 203]
    assert report.pushed == len(ids) and report.error is None and report.idle
    assert store.outbox_count() == 0


def test_offline_never_raises_and_keeps_everything(store: ConsoleStore) -> None:
    _fill(store, 3)

    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    engine = _engine(store, handler)
    report = engine.sync(timeout=0.2)
    state = engine.state()
    assert report.rounds >= 2  # retried with backoff within the timeout
    assert state.online is False and state.outbox == 3
    assert state.last_error == "Server niet bereikbaar."


def test_server_errors_are_retried_until_they_pass(store: ConsoleStore) -> None:
    _fill(store, 2)
    calls = {"push": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/sync/pull"):
            return _empty_pull(request)
        calls["push"] += 1
        if calls["push"] < 3:
            return httpx.Response(503, text="busy")
        changes = json.loads(request.content)["changes"]
        return httpx.Response(
            200, json={"results": [{"id": c["id"], "status": "duplicate"} for c in changes]}
        )

    engine = _engine(store, handler)
    report = engine.sync(timeout=5)
    assert calls["push"] == 3
    assert report.duplicates == 2 and report.error is None
    assert engine.state().online is True and engine.state().last_error is None


def test_a_batch_the_server_cannot_parse_is_split_to_isolate_the_bad_change(
    store: ConsoleStore,
) -> None:
    ids = _fill(store, 9)
    bad = ids[5]

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/sync/pull"):
            return _empty_pull(request)
        changes = json.loads(request.content)["changes"]
        if any(c["payload"]["contact"]["id"] == bad for c in changes):
            return httpx.Response(422, json={"error": {"code": "validation", "message": "x"}})
        return httpx.Response(
            200, json={"results": [{"id": c["id"], "status": "applied"} for c in changes]}
        )

    report = _engine(store, handler).sync(timeout=5)
    assert report.pushed == 8 and report.rejected == 1
    assert [r.entity_id for r in store.rejected()] == [bad]
    assert store.outbox_count() == 0


def test_auth_failure_is_not_retried_and_is_reported(store: ConsoleStore) -> None:
    _fill(store, 1)
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        return httpx.Response(401, json={"error": {"code": "unauthorized", "message": "no"}})

    engine = _engine(store, handler)
    report = engine.sync(timeout=5)
    assert len(calls) == 1
    assert "token" in (report.error or "")
    assert engine.state().outbox == 1


def test_pull_follows_pages_and_stores_the_cursor(store: ConsoleStore) -> None:
    contacts = [Contact(agent="anna", rev=1) for _ in range(5)]

    def handler(request: httpx.Request) -> httpx.Response:
        since = int(request.url.params["since"])
        page = [
            {"seq": i + 1, "entity": "contact", "id": c.id, "at": "", "data": c.to_dict()}
            for i, c in enumerate(contacts)
            if i + 1 > since
        ][:2]
        cursor = page[-1]["seq"] if page else since
        return httpx.Response(
            200, json={"changes": page, "cursor": cursor, "more": cursor < len(contacts)}
        )

    report = _engine(store, handler).sync(timeout=5)
    assert report.pulled == 5
    assert store.cursor() == 5
    assert store.contact_origin(contacts[0].id) == "centraal"


def test_a_timeout_is_short_and_reported_in_dutch(store: ConsoleStore) -> None:
    _fill(store, 1)

    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    report = _engine(store, handler).sync(timeout=0.05)
    assert report.error == "Server reageert niet op tijd."


def test_sse_framing_ids_comments_and_multiline_data() -> None:
    lines = [
        ": connected",
        "",
        "id: 7",
        "event: change",
        'data: {"seq": 7,',
        'data: "id": "t"}',
        "",
        ": ping",
        "",
        "id: 8",
        "event: change",
        'data: {"seq": 8}',
        "",
    ]
    body = "".join(f"{line}\n" for line in lines).encode()
    response = httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)
    events = list(sse_events(response))
    assert [(e.id, e.event) for e in events] == [("7", "change"), ("8", "change")]
    assert events[0].json() == {"seq": 7, "id": "t"}


def test_running_out_of_time_is_not_reported_as_a_successful_sync(store: ConsoleStore) -> None:
    _fill(store, 1)

    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request fits in a zero timeout")

    engine = _engine(store, handler)
    report = engine.sync(timeout=0)
    state = engine.state()
    assert not report.idle and state.online is None and state.last_sync is None
    assert state.outbox == 1
