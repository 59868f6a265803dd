"""Live events (SSE): delivery, role filtering, heartbeat, resume, several server processes."""

from __future__ import annotations

import time

import pytest

from loket.server.admin import disable_user
from tests.conftest import BACKENDS
from tests.server.helpers import contact, create, push, save, task, with_customer
from tests.server.sse import SseReader

FAST = {"heartbeat_seconds": 0.3}


@pytest.mark.parametrize("backend", BACKENDS, indirect=True)
@pytest.mark.parametrize("live_server", [FAST], indirect=True)
def test_event_arrives_without_personal_data(live_server):
    name, token = live_server.make_user("agent")
    with SseReader(live_server.url, token) as reader:
        data = with_customer(contact(name))
        [result] = push(live_server.client(token), save(data))
        [event] = reader.wait_for(1)
    assert event["id"] == result["seq"]
    assert event["event"] == "change"
    assert event["data"] == {
        "seq": result["seq"],
        "entity": "contact",
        "id": data["id"],
        "team": None,
        "status": "open",
    }


@pytest.mark.parametrize("live_server", [FAST], indirect=True)
def test_only_visible_events_and_heartbeat(live_server):
    agent, agent_token = live_server.make_user("agent")
    _, afval_token = live_server.make_user("backoffice", ["afval"])
    with SseReader(live_server.url, afval_token) as reader:
        client = live_server.client(agent_token)
        bz_task, afval_task = task(agent, team="burgerzaken"), task(agent, team="afval")
        push(client, save(contact(agent)), create(bz_task), create(afval_task))
        events = reader.wait_for(1)
        time.sleep(0.8)  # more than two heartbeats
    assert [e["data"]["id"] for e in reader.events] == [afval_task["id"]]
    assert events[0]["data"]["team"] == "afval"
    assert reader.comments[0] == "connected"
    assert reader.comments.count("ping") >= 2


@pytest.mark.parametrize("backend", BACKENDS, indirect=True)
@pytest.mark.parametrize("live_server", [FAST], indirect=True)
def test_resume_from_last_event_id(live_server):
    name, token = live_server.make_user("agent")
    results = push(live_server.client(token), *[save(contact(name)) for _ in range(4)])
    seqs = [r["seq"] for r in results]
    with SseReader(live_server.url, token, last_event_id=seqs[1]) as reader:
        events = reader.wait_for(2)
        later = push(live_server.client(token), save(contact(name)))
        events = reader.wait_for(3)
    assert [e["id"] for e in events] == [*seqs[2:], later[0]["seq"]]


@pytest.mark.pg
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_push_to_one_process_event_on_another(server_factory):
    # A long poll interval proves the wake-up came through LISTEN/NOTIFY.
    a, b = server_factory(n=2, poll_seconds=60.0, **FAST)
    name, token = a.make_user("agent")
    with SseReader(b.url, token) as reader:
        [result] = push(a.client(token), save(contact(name)))
        [event] = reader.wait_for(1, timeout=3.0)
    assert event["id"] == result["seq"]


def test_second_sqlite_process_on_same_file_sees_events(server_factory):
    a, b = server_factory(n=2, poll_seconds=0.2, **FAST)
    name, token = a.make_user("agent")
    with SseReader(b.url, token) as reader:
        [result] = push(a.client(token), save(contact(name)))
        [event] = reader.wait_for(1, timeout=3.0)
    assert event["id"] == result["seq"]


@pytest.mark.parametrize("live_server", [FAST], indirect=True)
def test_a_disabled_users_open_stream_ends_and_gets_nothing_more(live_server):
    supervisor, token = live_server.make_user("supervisor")
    agent, agent_token = live_server.make_user("agent")
    client = live_server.client(agent_token)
    with SseReader(live_server.url, token) as reader:
        push(client, save(contact(agent)))
        assert len(reader.wait_for(1)) == 1
        disable_user(live_server.db_url, supervisor)
        time.sleep(1.5)  # the recheck interval and a heartbeat
        push(client, save(contact(agent)))
        time.sleep(0.5)
        assert reader.error is None and not reader.running
    assert len(reader.events) == 1
