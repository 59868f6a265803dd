"""A task handed back to the front office lands in the KCC team's own queue (issue 11):
every agent of the KCC team sees it and may take it, exactly one of them gets it when two
take it at once, and the others learn it left the queue; agents outside the KCC team
and the back office's queue rules stay as they were. On SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from tests.conftest import BACKENDS
from tests.server.helpers import API, act_on_task, create, pull_all, push, task

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)


@pytest.fixture
def handed_back(live_server: Any) -> dict[str, Any]:
    """Agent ans (KCC) routed a task to afval; the back office handed it back."""
    people = {
        "ans": live_server.make_user("agent", ["kcc"]),
        "bas": live_server.make_user("agent", ["kcc"]),
        "cas": live_server.make_user("agent", []),  # an agent outside the KCC team
        "bo": live_server.make_user("backoffice", ["afval"]),
    }
    clients = {key: live_server.client(token) for key, (_, token) in people.items()}
    routed = task(people["ans"][0], team="afval")
    push(clients["ans"], create(routed))
    act_on_task(clients["bo"], routed["id"], "claim")
    act_on_task(clients["bo"], routed["id"], "return", note="Adres onbekend")
    return {"task": routed["id"], "names": {k: n for k, (n, _) in people.items()}, **clients}


def _listed(client: Any) -> set[str]:
    return {t["id"] for t in client.get(f"{API}/tasks").json()["items"]}


def _pulled_status(client: Any, task_id: str) -> str | None:
    entries, _ = pull_all(client)
    states = [e["data"]["status"] for e in entries if e["id"] == task_id]
    return states[-1] if states else None


def test_every_kcc_agent_sees_a_handed_back_task_and_others_do_not(handed_back) -> None:
    task_id = handed_back["task"]
    assert task_id in _listed(handed_back["bas"])  # a colleague in the KCC team
    assert handed_back["bas"].get(f"{API}/tasks/{task_id}").json()["status"] == "returned"
    assert _pulled_status(handed_back["bas"], task_id) == "returned"
    assert task_id not in _listed(handed_back["cas"])
    assert handed_back["cas"].get(f"{API}/tasks/{task_id}").status_code == 403
    assert _pulled_status(handed_back["cas"], task_id) is None
    claim = handed_back["cas"].post(f"{API}/tasks/{task_id}/claim", json={"version": 3})
    assert claim.status_code in (403, 404)


def test_two_agents_taking_it_at_once_exactly_one_gets_it(handed_back) -> None:
    task_id = handed_back["task"]
    version = handed_back["bas"].get(f"{API}/tasks/{task_id}").json()["version"]
    barrier = threading.Barrier(2)
    answers: dict[str, int] = {}

    def take(who: str) -> None:
        barrier.wait()
        response = handed_back[who].post(f"{API}/tasks/{task_id}/claim", json={"version": version})
        answers[who] = response.status_code

    threads = [threading.Thread(target=take, args=(who,)) for who in ("ans", "bas")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    # The loser is refused: 409 with the task as it is now when it may still read it (its
    # own routed task), 403 when the task left the only queue it could see it in.
    assert sorted(answers.values()) in ([200, 403], [200, 409]), answers
    winner = next(who for who, code in answers.items() if code == 200)
    loser = "bas" if winner == "ans" else "ans"
    taken = handed_back[winner].get(f"{API}/tasks/{task_id}").json()
    assert taken["status"] == "claimed" and taken["assignee"] == handed_back["names"][winner]
    # The other learns it left the KCC queue (pull), and can no longer act on it.
    assert _pulled_status(handed_back[loser], task_id) == "claimed"
    refused = handed_back[loser].post(
        f"{API}/tasks/{task_id}/resolve", json={"version": taken["version"], "resolution": "x"}
    )
    assert refused.status_code == 403
    done = act_on_task(handed_back[winner], task_id, "resolve", resolution="Teruggebeld")
    assert done["status"] == "done"
