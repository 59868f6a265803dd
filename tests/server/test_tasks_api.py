"""Task actions over HTTP and push: optimistic versions, conflicts, the shared state machine."""

from __future__ import annotations

import threading

import pytest

from tests.conftest import BACKENDS
from tests.server.helpers import API, action, create, push, task

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)


@pytest.fixture
def routed(live_server):
    """A task routed by an agent to burgerzaken, plus two back-office clients of that team."""
    agent, agent_token = live_server.make_user("agent")
    data = task(agent, team="burgerzaken")
    push(live_server.client(agent_token), create(data))
    bo = [live_server.make_user("backoffice", ["burgerzaken"]) for _ in range(2)]
    return data["id"], [(name, live_server.client(token)) for name, token in bo], agent_token


def test_stale_version_gets_409_with_current_task(routed):
    task_id, [(ann, ann_c), (_, ben_c)], _ = routed
    first = ann_c.post(f"{API}/tasks/{task_id}/claim", json={"version": 1})
    assert first.status_code == 200
    assert first.json()["version"] == 2 and first.json()["assignee"] == ann
    second = ben_c.post(f"{API}/tasks/{task_id}/claim", json={"version": 1})
    assert second.status_code == 409
    body = second.json()
    assert body["error"]["code"] == "conflict"
    assert body["current"]["version"] == 2
    assert body["current"]["assignee"] == ann
    assert ben_c.get(f"{API}/tasks/{task_id}").json()["assignee"] == ann


def test_push_action_with_stale_version_is_conflict_not_overwrite(routed):
    task_id, [(_, ann_c), (_, ben_c)], _ = routed
    assert push(ann_c, action(task_id, "claim", 1))[0]["status"] == "applied"
    [result] = push(ben_c, action(task_id, "note", 1, note="Ik bel zelf"))
    assert result["status"] == "conflict"
    assert result["current"]["version"] == 2
    stored = ann_c.get(f"{API}/tasks/{task_id}").json()
    assert [s["action"] for s in stored["log"]] == ["created", "claimed"]


def test_concurrent_claims_exactly_one_wins(live_server, routed):
    task_id, _, _ = routed
    tokens = [live_server.make_user("backoffice", ["burgerzaken"])[1] for _ in range(6)]
    clients = [live_server.client(t) for t in tokens]
    statuses: list[int] = []
    barrier = threading.Barrier(len(clients))

    def claim(client):
        barrier.wait()
        statuses.append(
            client.post(f"{API}/tasks/{task_id}/claim", json={"version": 1}).status_code
        )

    threads = [threading.Thread(target=claim, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200] + [409] * 5


def test_full_lifecycle_and_log(routed):
    task_id, [(_, ann_c), _], _ = routed
    steps = [
        ("claim", {}),
        ("callback-attempts", {"reached": False, "note": "Geen gehoor"}),
        ("notes", {"note": "Morgen opnieuw"}),
        ("resolve", {"resolution": "Nieuw rijbewijs aangevraagd"}),
    ]
    version = 1
    for path, body in steps:
        response = ann_c.post(f"{API}/tasks/{task_id}/{path}", json={"version": version, **body})
        assert response.status_code == 200, response.text
        version = response.json()["version"]
    final = ann_c.get(f"{API}/tasks/{task_id}").json()
    assert final["status"] == "done" and final["version"] == 5
    assert [s["action"] for s in final["log"]] == [
        "created",
        "claimed",
        "callback_attempt",
        "note",
        "resolved",
    ]
    assert final["log"][2]["reached"] is False
    again = ann_c.post(f"{API}/tasks/{task_id}/notes", json={"version": 5, "note": "x"})
    assert again.status_code == 422
    assert again.json()["error"]["fields"][0]["field"] == "action"


def test_domain_input_errors_name_the_field(routed):
    task_id, [(_, ann_c), _], _ = routed
    response = ann_c.post(
        f"{API}/tasks/{task_id}/forward", json={"version": 1, "team": "nergens", "note": "weg"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "team"
    assert ann_c.get(f"{API}/tasks/{task_id}").json()["version"] == 1


def test_front_office_may_act_once_returned(live_server, routed):
    task_id, [(_, ann_c), _], agent_token = routed
    agent_c = live_server.client(agent_token)
    early = agent_c.post(f"{API}/tasks/{task_id}/claim", json={"version": 1})
    assert early.status_code == 403
    returned = ann_c.post(
        f"{API}/tasks/{task_id}/return", json={"version": 1, "note": "Adres ontbreekt"}
    )
    assert returned.status_code == 200
    claimed = agent_c.post(f"{API}/tasks/{task_id}/claim", json={"version": 2})
    assert claimed.status_code == 200
    resolved = agent_c.post(
        f"{API}/tasks/{task_id}/resolve", json={"version": 3, "resolution": "Zelf opgelost"}
    )
    assert resolved.status_code == 200 and resolved.json()["status"] == "done"


def test_unknown_task_is_404(routed):
    _, [(_, ann_c), _], _ = routed
    response = ann_c.post(f"{API}/tasks/nope/claim", json={"version": 1})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
