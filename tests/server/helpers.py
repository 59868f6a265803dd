"""Builders for protocol payloads, made from the shared domain records."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from loket.domain.models import OUTCOME_ROUTED, Callback, Contact, Customer, Question, Task

API = "/api/v1"
VALID_BSN = "111222333"  # passes the elfproef


def contact(agent: str, **overrides: Any) -> dict[str, Any]:
    record = Contact(
        agent=agent,
        channel="telefoon",
        started_at=datetime(2026, 11, 23, 9, 0, tzinfo=UTC),
        questions=[Question(text="Paspoort verlopen", outcome="zelfstandig afgehandeld")],
        rev=1,
    )
    data = record.to_dict()
    data.update(overrides)
    return data


def with_customer(data: dict[str, Any], **fields: str) -> dict[str, Any]:
    customer = Customer(
        name="Jan Jansen", phone="06 12345678", email="jan@example.nl", bsn=VALID_BSN
    )
    data["customer"] = {**customer.__dict__, **fields}
    return data


def task(created_by: str, team: str = "burgerzaken", **overrides: Any) -> dict[str, Any]:
    record = Task(
        contact_id=str(uuid.uuid4()),
        team=team,
        subject="Rijbewijs kwijt",
        internal_note="Inwoner wil teruggebeld worden",
        callback=Callback(name="Jan", phone="0612345678"),
        created_by=created_by,
        due_at=datetime.now(UTC) + timedelta(days=3),
    )
    data = record.to_dict()
    data.update(overrides)
    return data


def routed_contact(agent: str, **customer: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A closed contact of `agent` (with a customer) whose one question was routed to
    burgerzaken, and that task; the question has notes that must stay with the contact."""
    task_id = str(uuid.uuid4())
    data = with_customer(contact(agent), **customer)
    data.update(status="closed", ended_at="2026-11-23T09:05:00+00:00")
    data["questions"][0].update(
        text="Rijbewijs kwijt", outcome=OUTCOME_ROUTED, task_id=task_id, notes="belt vaak boos"
    )
    question_id = data["questions"][0]["id"]
    routed = task(agent, id=task_id, contact_id=data["id"], question_id=question_id)
    return data, routed


def act_on_task(client: httpx.Client, task_id: str, path: str, **fields: Any) -> dict[str, Any]:
    """One task action over HTTP at the task's current version; the new task."""
    url = f"{API}/tasks/{task_id}"
    version = client.get(url).json()["version"]
    answer = client.post(f"{url}/{path}", json={"version": version, **fields})
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def change(kind: str, payload: dict[str, Any], change_id: str | None = None) -> dict[str, Any]:
    return {
        "id": change_id or str(uuid.uuid4()),
        "kind": kind,
        "made_at": datetime.now(UTC).isoformat(),
        "payload": payload,
    }


def save(data: dict[str, Any], change_id: str | None = None) -> dict[str, Any]:
    return change("contact.save", {"contact": data}, change_id)


def create(data: dict[str, Any], change_id: str | None = None) -> dict[str, Any]:
    return change("task.create", {"task": data}, change_id)


def action(task_id: str, name: str, version: int, **fields: Any) -> dict[str, Any]:
    return change("task.action", {"task_id": task_id, "action": name, "version": version, **fields})


def push(
    client: httpx.Client, *changes: dict[str, Any], with_contacts: bool = True
) -> list[dict[str, Any]]:
    """Push `changes`; their results in order.

    A task is routed from a stored contact of its author's. Unless `with_contacts` is
    False, a task.create whose contact this call does not save gets that contact saved
    just before it (rev 0, so a real save of it always wins; its result is left out)."""
    sent: list[dict[str, Any]] = []
    helpers: set[str] = set()
    saved = {c["payload"]["contact"]["id"] for c in changes if c["kind"] == "contact.save"}
    for item in changes:
        contact_id = item["payload"].get("task", {}).get("contact_id")
        if with_contacts and item["kind"] == "task.create" and contact_id not in saved:
            author = item["payload"]["task"]["created_by"]
            extra = save(contact(author, id=contact_id, rev=0))
            helpers.add(extra["id"])
            sent.append(extra)
            saved.add(contact_id)
        sent.append(item)
    response = client.post(f"{API}/sync/push", json={"changes": sent})
    assert response.status_code == 200, response.text
    return [r for r in response.json()["results"] if r["id"] not in helpers]


def pull_all(client: httpx.Client, since: int = 0, limit: int = 1000) -> tuple[list[dict], int]:
    """Every entry after `since`, following `more`; returns (entries, final cursor)."""
    entries: list[dict[str, Any]] = []
    while True:
        response = client.get(f"{API}/sync/pull", params={"since": since, "limit": limit})
        assert response.status_code == 200, response.text
        body = response.json()
        entries.extend(body["changes"])
        assert body["cursor"] >= since
        since = body["cursor"]
        if not body["more"]:
            return entries, since
