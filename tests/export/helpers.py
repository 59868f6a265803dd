"""Records pushed to a real central store, and the exactly-once check on the register."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from loket.domain.models import OUTCOME_RESOLVED, OUTCOME_ROUTED, Callback, Customer, Task
from tests.export.fake_openklant import Register
from tests.server.helpers import contact, create, push, save

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def closed_contact(agent: str, n: int, routed: bool = False, subject: str = "") -> dict[str, Any]:
    """A closed contact (pushed as the agent); with `routed`, its second question has a
    task. Returns {"contact": data, "task": data or None}."""
    started = START + timedelta(minutes=n)
    data = contact(agent, started_at=started.isoformat(), rev=1)
    data["ended_at"] = (started + timedelta(minutes=3)).isoformat()
    data["status"] = "closed"
    data["customer"] = Customer(name=f"Jan Jansen{n}", phone="0612345678").__dict__
    data["questions"][0].update(
        text=subject or f"Vraag {n}", outcome=OUTCOME_RESOLVED, products=["paspoort"]
    )
    task = None
    if routed:
        question_id = f"q-{data['id']}"
        record = Task(
            contact_id=data["id"],
            question_id=question_id,
            team="burgerzaken",
            subject=f"Terugbellen {n}",
            internal_note="Graag terugbellen",
            callback=Callback(name="Jan", phone="14010"),
            created_by=agent,
        )
        task = record.to_dict()
        data["questions"].append(
            {
                "id": question_id,
                "text": f"Doorzetting {n}",
                "notes": "",
                "products": [],
                "outcome": OUTCOME_ROUTED,
                "task_id": record.id,
            }
        )
    return {"contact": data, "task": task}


def push_records(client: httpx.Client, records: list[dict[str, Any]]) -> None:
    changes = [save(r["contact"]) for r in records]  # a task needs its stored contact
    changes += [create(r["task"]) for r in records if r["task"]]
    for start in range(0, len(changes), 200):
        results = push(client, *changes[start : start + 200])
        assert all(r["status"] == "applied" for r in results), results


def assert_exactly_once(register: Register, records: list[dict[str, Any]]) -> None:
    """Every question a klantcontact once, each with one actor link and one betrokkene;
    every task one internetaak; actors once each; and no request the standard refuses."""
    assert register.violations == []
    per_question = Counter(kc["metadata"]["loketVraag"] for kc in register.items("klantcontacten"))
    wanted = {q["id"] for r in records for q in r["contact"]["questions"]}
    assert set(per_question) == wanted
    assert max(per_question.values()) == 1, per_question.most_common(3)
    links = Counter(a["klantcontact"]["uuid"] for a in register.items("actorklantcontacten"))
    assert len(links) == len(wanted) and max(links.values()) == 1
    people = Counter(b["hadKlantcontact"]["uuid"] for b in register.items("betrokkenen"))
    assert len(people) == len(wanted) and max(people.values()) == 1
    actors = Counter(a["actoridentificator"]["objectId"] for a in register.items("actoren"))
    assert max(actors.values()) == 1, actors
    tasks = [r["task"] for r in records if r["task"]]
    taken = Counter(
        t["aanleidinggevendKlantcontact"]["uuid"] for t in register.items("internetaken")
    )
    assert sum(taken.values()) == len(tasks) and (not taken or max(taken.values()) == 1)
    addresses = Counter(
        (a["verstrektDoorBetrokkene"]["uuid"], a["adres"])
        for a in register.items("digitaleadressen")
    )
    assert not addresses or max(addresses.values()) == 1
