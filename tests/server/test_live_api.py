"""Live queues over real HTTP on both databases: call events (idempotent, out of order,
bad events named), the integration role, counter tickets (no double hand-out under
concurrency), agent states, live figures and their events on the SSE stream."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import BACKENDS
from tests.server.helpers import API, contact, push, save
from tests.server.sse import SseReader

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)


def event(kind: str, call_id: str, at: datetime, **fields: str) -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()),
        "call_id": call_id,
        "kind": kind,
        "at": at.isoformat(),
        **fields,
    }


@pytest.fixture
def people(live_server):
    anna, anna_token = live_server.make_user("agent")
    _, sup_token = live_server.make_user("supervisor")
    _, pbx_token = live_server.make_user("integration")
    return {
        "anna": anna,
        "agent": live_server.client(anna_token),
        "agent_token": anna_token,
        "supervisor": live_server.client(sup_token),
        "supervisor_token": sup_token,
        "pbx": live_server.client(pbx_token),
    }


def queue(figures: dict[str, Any], name: str) -> dict[str, Any]:
    return next(q for q in figures["queues"] if q["queue"] == name)


def test_call_events_make_the_live_figures(people):
    pbx, sup = people["pbx"], people["supervisor"]
    now = datetime.now(UTC)
    t0 = now - timedelta(minutes=5)
    answered = [
        event("offered", "c1", t0, queue="algemeen", caller="0612345678"),
        event("answered", "c1", t0 + timedelta(seconds=10), agent=people["anna"]),
        event("ended", "c1", t0 + timedelta(seconds=130)),
    ]
    for ev in reversed(answered):  # out of order: the end first
        assert pbx.post(f"{API}/call-events", json=ev).status_code == 200
    late = [
        event("offered", "c2", t0, queue="algemeen"),
        event("abandoned", "c2", t0 + timedelta(seconds=40)),
    ]
    waiting = event("offered", "c3", now - timedelta(seconds=30), queue="algemeen", caller="")
    for ev in [*late, waiting]:
        assert pbx.post(f"{API}/call-events", json=ev).status_code == 200
    figures = sup.get(f"{API}/live").json()
    algemeen = queue(figures, "algemeen")
    assert (algemeen["answered"], algemeen["abandoned"], algemeen["waiting"]) == (1, 1, 1)
    # 1 in target (10 s) of 1 answered + 1 long abandon (40 s > 20 s)
    assert algemeen["service_level"] == pytest.approx(0.5)
    assert algemeen["asa"] == pytest.approx(10)
    assert algemeen["longest_wait"] >= 30 and algemeen["breached"]
    assert "0612345678" not in str(figures)  # caller numbers never in the figures
    assert queue(figures, "belastingen")["service_level"] is None  # no calls at all


def test_duplicates_reuse_and_bad_events_are_named(people):
    pbx, sup = people["pbx"], people["supervisor"]
    t0 = datetime.now(UTC) - timedelta(minutes=1)
    offered = event("offered", "c9", t0, queue="algemeen")
    assert pbx.post(f"{API}/call-events", json=offered).json()["status"] == "applied"
    again = pbx.post(f"{API}/call-events", json=offered)
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    reused = pbx.post(f"{API}/call-events", json={**offered, "queue": "zorg"})
    assert reused.status_code == 409 and reused.json()["error"]["fields"][0]["field"] == "event_id"
    cases = [
        (event("offered", "c10", t0, queue="nergens"), "queue"),
        (event("answered", "c9", t0 + timedelta(seconds=5), agent="niemand"), "agent"),
        (event("offered", "c9", t0 + timedelta(seconds=5), queue="algemeen"), "kind"),
        (event("abandoned", "c9", t0 - timedelta(seconds=5)), "at"),
        ({**event("ended", "c9", t0), "kind": "exploded"}, "kind"),
        ({**event("ended", "c9", t0), "at": "gisteren"}, "at"),
        ({k: v for k, v in event("ended", "c9", t0).items() if k != "call_id"}, "call_id"),
    ]
    for body, field in cases:
        response = pbx.post(f"{API}/call-events", json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["error"]["fields"][0]["field"] == field, response.text
    algemeen = queue(sup.get(f"{API}/live").json(), "algemeen")
    assert (algemeen["waiting"], algemeen["answered"], algemeen["abandoned"]) == (1, 0, 0)


def test_integration_token_posts_call_events_and_nothing_else(people, live_server):
    pbx = people["pbx"]
    for method, path in [
        ("GET", "/contacts"),
        ("GET", "/stats"),
        ("GET", "/live"),
        ("GET", "/users"),
    ]:
        assert pbx.request(method, f"{API}{path}").status_code == 403, path
    results = push(pbx, save(contact("integration-user")))
    assert results[0]["status"] != "applied"
    assert pbx.post(f"{API}/agent-state", json={"state": "available"}).status_code == 403
    # and only the integration role posts call events
    ev = event("offered", "c20", datetime.now(UTC), queue="algemeen")
    assert people["agent"].post(f"{API}/call-events", json=ev).status_code == 403
    assert people["supervisor"].post(f"{API}/call-events", json=ev).status_code == 403


def test_answered_call_reaches_the_agents_stream_and_only_it_sees_the_caller(people, live_server):
    pbx, anna = people["pbx"], people["anna"]
    t0 = datetime.now(UTC)
    pbx.post(
        f"{API}/call-events",
        json=event("offered", "c30", t0, queue="algemeen", caller="0201234567"),
    )
    with (
        SseReader(live_server.url, people["agent_token"]) as agent_stream,
        SseReader(live_server.url, people["supervisor_token"]) as sup_stream,
    ):
        answer = event("answered", "c30", t0 + timedelta(seconds=3), agent=anna)
        assert pbx.post(f"{API}/call-events", json=answer).status_code == 200
        got = agent_stream.wait_for(1)
        assert got[0]["data"]["entity"] == "call" and got[0]["data"]["id"] == "c30"
        assert got[0]["data"]["status"] == "answered"
        assert any(e["data"]["entity"] == "call" for e in sup_stream.wait_for(1))
    call = people["agent"].get(f"{API}/calls/c30").json()
    assert call["caller"] == "0201234567" and call["agent"] == anna and call["status"] == "talking"
    _, other = live_server.make_user("agent")
    assert live_server.client(other).get(f"{API}/calls/c30").status_code == 404


def test_tickets_draw_next_and_no_show(people, live_server):
    kiosk, agent = people["pbx"], people["agent"]
    first = kiosk.post(f"{API}/tickets", json={"service": "burgerzaken"})
    assert first.status_code == 201
    assert first.json()["ticket"]["number"] == "B001" and first.json()["ahead"] == 0
    second = kiosk.post(f"{API}/tickets", json={"service": "burgerzaken"}).json()
    assert second["ticket"]["number"] == "B002" and second["ahead"] == 1
    bad = kiosk.post(f"{API}/tickets", json={"service": "algemeen"})  # a phone queue
    assert bad.status_code == 422 and bad.json()["error"]["fields"][0]["field"] == "service"
    called = agent.post(f"{API}/tickets/next", json={"desk": "3"}).json()
    assert called["ticket"]["number"] == "B001" and called["ticket"]["desk"] == "3"
    no_show = agent.post(f"{API}/tickets/{called['ticket']['id']}/no-show")
    assert no_show.status_code == 200 and no_show.json()["ticket"]["status"] == "no_show"
    assert agent.post(f"{API}/tickets/{called['ticket']['id']}/no-show").status_code == 409
    assert agent.post(f"{API}/tickets/next", json={}).json()["ticket"]["number"] == "B002"
    assert agent.post(f"{API}/tickets/next", json={}).json()["ticket"] is None
    figures = queue(people["supervisor"].get(f"{API}/live").json(), "burgerzaken")
    assert (figures["answered"], figures["abandoned"], figures["waiting"]) == (1, 1, 0)


def test_concurrent_next_never_hands_a_ticket_out_twice(people, live_server):
    kiosk = people["pbx"]
    for _ in range(30):
        kiosk.post(f"{API}/tickets", json={"service": "burgerzaken"})
    agents = [live_server.client(live_server.make_user("agent")[1]) for _ in range(6)]
    got: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(agents))

    def work(client) -> None:
        barrier.wait()
        while True:
            ticket = client.post(f"{API}/tickets/next", json={}).json()["ticket"]
            if ticket is None:
                return
            with lock:
                got.append(ticket["number"])

    threads = [threading.Thread(target=work, args=(c,)) for c in agents]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(got) == [f"B{i:03d}" for i in range(1, 31)]


def test_agent_states_show_in_the_live_view(people):
    agent, sup, anna = people["agent"], people["supervisor"], people["anna"]
    assert agent.post(f"{API}/agent-state", json={"state": "available"}).status_code == 200
    bad = agent.post(f"{API}/agent-state", json={"state": "pause"})
    assert bad.status_code == 422 and bad.json()["error"]["fields"][0]["field"] == "reason"
    assert (
        agent.post(f"{API}/agent-state", json={"state": "pause", "reason": "lunch"}).status_code
        == 200
    )
    row = next(a for a in sup.get(f"{API}/live").json()["agents"] if a["agent"] == anna)
    assert row["state"] == "pause" and row["reason"] == "lunch"
    assert set(row["per_state"]) == {"available", "pause"}


def test_office_figures_for_the_live_view(people, live_server):
    """Today's contacts per channel and per agent (the report's definitions) and the
    back-office stock per team: open, nearly due (under 4 working hours), overdue."""
    anna, agent, sup = people["anna"], people["agent"], people["supervisor"]
    now = datetime.now(UTC)
    start, end = now - timedelta(seconds=90), now - timedelta(seconds=30)  # 60 s handled

    def closed(channel: str, outcome: str) -> dict[str, Any]:
        data = contact(anna, channel=channel, started_at=start.isoformat())
        data["ended_at"] = end.isoformat()
        data["status"] = "closed"
        data["questions"][0]["outcome"] = outcome
        return save(data)

    results = push(
        agent, closed("telefoon", "zelfstandig afgehandeld"), closed("balie", "doorverbonden")
    )
    assert [r["status"] for r in results] == ["applied", "applied"], results
    from tests.server.helpers import create, task

    push(
        agent,
        create(task(anna, "afval", due_at=(now + timedelta(minutes=30)).isoformat())),
        create(task(anna, "afval", due_at=(now - timedelta(hours=1)).isoformat())),
        create(task(anna, "afval", due_at=(now + timedelta(days=20)).isoformat())),
    )
    body = sup.get(f"{API}/live/office")
    assert body.status_code == 200, body.text
    office = body.json()
    assert office["today"]["contacts"] == 2 and office["today"]["fcr"] == 0.5
    assert office["today"]["handling_seconds"] == pytest.approx(60, abs=1)
    channels = {c["channel"]: c for c in office["channels"]}
    assert channels["telefoon"]["fcr"] == 1.0 and channels["balie"]["fcr"] == 0.0
    assert channels["telefoon"]["handling_seconds"] == pytest.approx(60, abs=1)
    agents = {a["agent"]: a for a in office["agents"]}
    assert agents[anna]["contacts"] == 2
    afval = next(t for t in office["teams"] if t["team"] == "afval")
    assert (afval["open"], afval["due_soon"], afval["overdue"]) == (3, 1, 1)
    assert agent.get(f"{API}/live/office").status_code == 403


def test_live_entries_never_reach_a_pull(people, live_server):
    """A pull answers records only (docs/sync-protocol.md): an agent's own state change
    and the call it answered are events for the stream, skipped by the pull's cursor."""
    from loket.server.responses import PullOut

    agent, pbx = people["agent"], people["pbx"]
    sup = people["supervisor"]
    now = datetime.now(UTC)
    assert agent.post(f"{API}/agent-state", json={"state": "available"}).status_code == 200
    for ev in (
        event("offered", "p1", now - timedelta(seconds=20), queue="algemeen"),
        event("answered", "p1", now - timedelta(seconds=5), agent=people["anna"]),
    ):
        assert pbx.post(f"{API}/call-events", json=ev).status_code == 200
    push(agent, save(contact(people["anna"])))
    for client in (agent, sup):
        page = client.get(f"{API}/sync/pull", params={"since": 0, "limit": 2}).json()
        PullOut.model_validate(page)  # what the OpenAPI document says a pull answers
        entities = [e["entity"] for e in page["changes"]]
        assert set(entities) <= {"contact", "task"}
        cursor = page["cursor"]
        while page["more"]:
            page = client.get(f"{API}/sync/pull", params={"since": cursor, "limit": 2}).json()
            PullOut.model_validate(page)
            entities += [e["entity"] for e in page["changes"]]
            cursor = page["cursor"]
        assert entities == ["contact"]
        assert cursor == 4  # past the three live entries and the contact
