"""The KCC-wide customer history in the console, against a live central store: an agent
who never spoke to the caller sees a colleague's earlier contact and where its routed
question stands, and the agent who routed it sees the back office's steps as they land."""

from __future__ import annotations

import uuid
from pathlib import Path

from loket.domain.models import OUTCOME_ROUTED
from loket.tui.app import LoketApp
from tests.server.helpers import API, contact, create, push, save, task, with_customer
from tests.tui.helpers import SIZE, open_services, take_call, wait_for


def _routed_contact(agent: str) -> tuple[dict, dict]:
    task_id = str(uuid.uuid4())
    data = with_customer(contact(agent), name="J. de Vries", phone="0612345678")
    data.update(status="closed", ended_at="2026-11-23T09:05:00+00:00")
    data["questions"][0].update(
        text="Rijbewijs kwijt", outcome=OUTCOME_ROUTED, task_id=task_id, notes="intern"
    )
    routed = task(agent, id=task_id, contact_id=data["id"], question_id=data["questions"][0]["id"])
    return data, routed


def _history(app) -> str:
    return str(app.screen.query_one("#history").content)


async def _look_up_caller(pilot) -> None:
    await take_call(pilot)
    await pilot.press("f4", "tab", *"06 1234 5678")


async def test_a_colleague_sees_the_history_and_the_router_follows_the_task(
    tmp_path: Path, live_server
) -> None:
    anna, anna_token = live_server.make_user("agent", ["kcc"])
    bob, bob_token = live_server.make_user("agent", ["kcc"])
    _, bo_token = live_server.make_user("backoffice", ["burgerzaken"])
    earlier, routed = _routed_contact(anna)
    results = push(live_server.client(anna_token), save(earlier), create(routed))
    assert [r["status"] for r in results] == ["applied", "applied"]

    services = open_services(tmp_path / bob, name=bob, server_url=live_server.url, token=bob_token)
    app = LoketApp(services)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await _look_up_caller(pilot)
            await wait_for(pilot, lambda: "Rijbewijs kwijt" in _history(app))
            assert "burgerzaken: open" in _history(app)
            assert "intern" not in _history(app)
    finally:
        services.close()

    services = open_services(
        tmp_path / anna, name=anna, server_url=live_server.url, token=anna_token
    )
    app = LoketApp(services)
    backoffice = live_server.client(bo_token)
    task_url = f"{API}/tasks/{routed['id']}"

    def act(path: str, **fields) -> None:
        version = backoffice.get(task_url).json()["version"]
        answer = backoffice.post(f"{task_url}/{path}", json={"version": version, **fields})
        assert answer.status_code == 200, answer.text

    try:
        async with app.run_test(size=SIZE) as pilot:
            await _look_up_caller(pilot)
            await wait_for(pilot, lambda: "burgerzaken: open" in _history(app))
            act("claim")
            act("callback-attempts", reached=False)
            # No key pressed: the task's events on anna's stream re-read the history.
            await wait_for(pilot, lambda: "1× teruggebeld (niet bereikt)" in _history(app))
            assert "in behandeling" in _history(app)
            act("resolve", resolution="Nieuw rijbewijs aangevraagd")
            await wait_for(pilot, lambda: "afgehandeld" in _history(app))
            assert "Nieuw rijbewijs aangevraagd" in _history(app)
    finally:
        services.close()
