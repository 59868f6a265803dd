"""Every domain record survives console -> real central store -> console unchanged.

A contact with a customer and several questions, and a task with its callback, intake and
a log of actions, are registered on one console, pushed to a real server over HTTP and
pulled by other consoles; what they hold equals what was sent (the BSN arrives masked, by
design, and a task's log is the server's).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from loket.config import Settings
from loket.domain.models import Callback, Customer, Question
from loket.domain.references import is_reference
from loket.domain.validation import mask_bsn
from loket.services import ConsoleServices
from tests.conftest import BACKENDS


def _console(tmp_path: Path, name: str, url: str, token: str) -> ConsoleServices:
    return ConsoleServices.open(Settings(state_dir=tmp_path / name), server_url=url, token=token)


@pytest.mark.parametrize("backend", BACKENDS, indirect=True)
def test_contact_and_task_round_trip_through_the_server(tmp_path: Path, live_server: Any) -> None:
    _, agent_token = live_server.make_user("agent", ["kcc"], name="eva")
    _, bo_token = live_server.make_user("backoffice", ["afval"], name="frits")
    first = _console(tmp_path, "eva-1", live_server.url, agent_token)
    second = _console(tmp_path, "eva-2", live_server.url, agent_token)
    office = _console(tmp_path, "frits", live_server.url, bo_token)
    try:
        contact = first.contacts.new("telefoon")
        contact.call_id = "pbx-4711"  # popped for this call (the screen pop)
        contact.ticket_id = "ticket-9"  # (a counter contact's ticket travels the same way)
        contact.customer = Customer(
            name="Jan de Vries",
            phone="06 1234 5678",
            email="Jan@Example.nl",
            bsn="111222333",
            postcode="7401ab",
            kvk="12345678",
        )
        contact.questions[0].text = "Kliko kapot"
        contact.questions[0].notes = "Deksel gebroken.\nSinds gisteren."
        contact.questions.append(Question(text="Paspoort verlopen", products=["paspoort"]))
        contact.questions[1].outcome = "zelfstandig afgehandeld"
        contact = first.contacts.save(contact)
        contact, task = first.contacts.route_question(
            contact,
            contact.questions[0].id,
            team="afval",
            internal_note="Nieuwe kliko, adres bekend.",
            callback=Callback(
                phone="0612345678",
                email="jan@example.nl",
                name="J. de Vries",
                preferred_time="na 14:00",
            ),
            intake={"Wat is er kapot?": "Deksel"},
        )
        assert first.sync.now(10).pushed == 2  # saves of one contact coalesce

        assert second.sync.now(10).error is None
        pulled = second.contacts.get(contact.id)
        assert pulled is not None
        expected = contact.to_dict()
        expected["customer"]["bsn"] = mask_bsn(contact.customer.bsn)
        # The store gave the contact its reference number; the routing console has it too.
        assert pulled.reference is not None and is_reference(pulled.reference)
        expected["reference"] = pulled.reference
        assert pulled.to_dict() == expected
        mine = first.contacts.get(contact.id)
        assert mine is not None and mine.reference == pulled.reference
        assert pulled.call_id == "pbx-4711" and pulled.ticket_id == "ticket-9"
        with live_server.server.store.storage.read() as r:  # a column, for the figures
            row = r.run("SELECT call_id FROM contacts WHERE id = ?", (contact.id,))
        assert [dict(x) for x in row] == [{"call_id": "pbx-4711"}]

        assert office.sync.now(10).error is None
        claimed = office.tasks.claim(task.id)
        office.tasks.note(task.id, "Kliko besteld.")
        assert office.sync.now(10).pushed == 2
        at_office = office.tasks.get(task.id)
        assert at_office is not None and at_office.version == claimed.version + 1
        sent = task.to_dict()
        for key in ("log", "version", "status", "assignee"):
            sent.pop(key)
        got = at_office.to_dict()
        assert {k: v for k, v in got.items() if k in sent} == sent
        assert [s.action for s in at_office.log] == ["created", "claimed", "note"]

        assert first.sync.now(10).error is None
        back = first.tasks.get(task.id)
        assert back is not None and back.to_dict() == at_office.to_dict()
    finally:
        for console in (first, second, office):
            console.close()
