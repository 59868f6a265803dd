"""The console facade (loket.services) offline and against a live server, and its CLI."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from loket.cli import app
from loket.config import Settings
from loket.domain.errors import DomainError
from loket.domain.models import OUTCOME_ROUTED, Callback, Customer, TaskStatus
from loket.domain.sla import WorkCalendar
from loket.protocol import ChangeKind
from loket.services import ConsoleServices, UserInfo

AGENT = UserInfo("anna", "agent", ["kcc"])


@pytest.fixture
def offline(tmp_path: Path) -> ConsoleServices:
    services = ConsoleServices.open(Settings(state_dir=tmp_path), user=AGENT)
    yield services
    services.close()


def _fields(exc: pytest.ExceptionInfo[DomainError]) -> set[str]:
    return {e.field for e in exc.value.errors}


def test_contacts_validate_with_field_paths_and_bump_rev(offline: ConsoleServices) -> None:
    contact = offline.contacts.new("balie")
    assert offline.contacts.new().channel == "balie"  # the agent's last channel
    contact.customer = Customer(bsn="123456789", phone="06 1234 5678")
    with pytest.raises(DomainError) as exc:
        offline.contacts.save(contact)
    assert _fields(exc) == {"customer.bsn"}
    contact.customer = Customer(phone="06 1234 5678")
    contact.questions[0].text = "Grofvuil"
    saved = offline.contacts.save(contact)
    assert saved.rev == contact.rev + 1 and saved.customer.phone == "+31612345678"
    with pytest.raises(DomainError) as exc:
        offline.contacts.close(saved)
    assert _fields(exc) == {"questions[0].outcome"}
    assert saved.id in {c.id for c in offline.contacts.open()}
    history = offline.contacts.customer_history({"phone": "0612345678"}, online=False)
    assert [(h.id, h.source) for h in history] == [(saved.id, "lokaal")]


def test_route_question_computes_due_and_stores_both_atomically(
    offline: ConsoleServices,
) -> None:
    contact = offline.contacts.new("telefoon")
    assert offline.sync.state().outbox == 0  # an untouched contact is not queued
    qid = contact.questions[0].id
    with pytest.raises(DomainError) as exc:
        offline.contacts.route_question(
            contact, qid, team="nope", internal_note="", callback=Callback(), intake={}
        )
    assert {"team", "internal_note", "callback"} <= _fields(exc)
    before = offline.sync.state().outbox
    routed, task = offline.contacts.route_question(
        contact,
        qid,
        team="afval",
        internal_note="Kliko kapot",
        intake={"Wat is het adres?": "x"},
        callback=Callback(phone="0612345678"),
    )
    team_days = offline.reference.routing.team("afval").sla_days
    assert task.due_at == WorkCalendar().due_at(task.created_at, days=team_days)
    assert routed.questions[0].outcome == OUTCOME_ROUTED and routed.questions[0].task_id == task.id
    assert task.version == 1 and [s.action for s in task.log] == ["created"]
    kinds = [i.kind for i in offline.store.outbox_batch()]
    assert kinds.count(ChangeKind.TASK_CREATE) == 1 and kinds.count(ChangeKind.CONTACT_SAVE) == 1
    assert offline.sync.state().outbox == before + 2
    assert offline.tasks.routed_by_me()[0].id == task.id


def test_task_action_is_optimistic_and_queued_with_the_seen_version(
    offline: ConsoleServices,
) -> None:
    contact = offline.contacts.new("telefoon")
    _, task = offline.contacts.route_question(
        contact,
        contact.questions[0].id,
        team="kcc",
        internal_note="n",
        callback=Callback(email="a@b.nl"),
        intake={},
    )
    claimed = offline.tasks.claim(task.id)
    assert claimed.status == TaskStatus.CLAIMED and claimed.version == 2
    last = offline.store.outbox_batch()[-1]
    assert last.kind == ChangeKind.TASK_ACTION and last.payload == {
        "task_id": task.id,
        "action": "claim",
        "version": 1,
    }
    with pytest.raises(DomainError):
        offline.tasks.resolve(task.id, "")  # resolution is required


def test_drafts_round_trip(offline: ConsoleServices) -> None:
    offline.contacts.save_draft("c1", {"vraag": "paspo"})
    offline.contacts.save_draft("c1", {"vraag": "paspoort"})
    assert offline.contacts.drafts() == {"c1": {"vraag": "paspoort"}}
    offline.contacts.discard_draft("c1")
    assert offline.contacts.drafts() == {}


def test_identity_is_cached_so_an_offline_start_is_quick(
    tmp_path: Path, server_factory: Callable[..., Any]
) -> None:
    [live] = server_factory()
    _, token = live.make_user("backoffice", ["wmo"], name="bert")
    settings = Settings(state_dir=tmp_path, server_url=live.url, token=token)
    first = ConsoleServices.open(settings)
    assert (first.user.name, first.user.role, first.user.teams) == ("bert", "backoffice", ["wmo"])
    first.close()
    live.server.stop()
    start = time.monotonic()
    again = ConsoleServices.open(settings)
    try:
        assert time.monotonic() - start < 1.0
        assert again.user.name == "bert"
        report = again.sync.now(timeout=0.5)
        assert report.error and again.sync.state().online is False
    finally:
        again.close()


def test_cli_registers_routes_syncs_and_names_bad_fields(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, live_server: Any
) -> None:
    _, token = live_server.make_user("agent", ["kcc"], name="carla")
    monkeypatch.setenv("LOKET_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("LOKET_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("LOKET_SERVER_URL", live_server.url)
    monkeypatch.setenv("LOKET_TOKEN", token)
    runner = CliRunner()
    bad = runner.invoke(
        app,
        [
            "contact",
            "new",
            "--channel",
            "telefoon",
            "--question",
            "x",
            "--bsn",
            "123456789",
            "--resolve",
        ],
    )
    assert bad.exit_code == 2 and "customer.bsn" in bad.output and "Traceback" not in bad.output
    routed = runner.invoke(
        app,
        [
            "contact",
            "new",
            "--channel",
            "telefoon",
            "--question",
            "Kliko kapot",
            "--route",
            "afval",
            "--note",
            "Nieuwe kliko",
            "--callback-phone",
            "0612345678",
            "--json",
        ],
    )
    assert routed.exit_code == 0, routed.output
    data = json.loads(routed.output)
    assert data["task"]["team"] == "afval" and data["synced"] is True
    listed = json.loads(runner.invoke(app, ["contact", "list", "--json"]).output)
    assert [row["id"] for row in listed] == [data["id"]]
    once = runner.invoke(app, ["sync", "--once"])
    assert once.exit_code == 0 and "pushed 0" in once.output and "outbox 0" in once.output
    client = live_server.client(token)
    assert client.get(f"/api/v1/contacts/{data['id']}").status_code == 200


def test_postcode_gives_the_contact_its_district(offline: ConsoleServices) -> None:
    contact = offline.contacts.new("balie")
    contact.customer = Customer(postcode="7401ab")
    saved = offline.contacts.save(contact)
    assert saved.customer is not None
    assert saved.customer.postcode == "7401 AB"
    assert saved.customer.district == "Havenkwartier"
    elsewhere = offline.contacts.new("balie")
    elsewhere.customer = Customer(postcode="1012 AB")
    assert offline.contacts.save(elsewhere).customer.district == ""


def test_a_question_without_subject_is_named_after_its_first_product(
    offline: ConsoleServices,
) -> None:
    contact = offline.contacts.new("telefoon")
    contact = offline.contacts.record_product(contact, contact.questions[0].id, "paspoort")
    contact.questions[0].outcome = "zelfstandig afgehandeld"
    closed = offline.contacts.close(contact)
    assert closed.questions[0].text == offline.reference.kb.get("paspoort").title
    typed = offline.contacts.new("telefoon")
    typed.questions[0].text = "Verlopen paspoort, reis over een week"
    typed = offline.contacts.record_product(typed, typed.questions[0].id, "paspoort")
    typed.questions[0].outcome = "zelfstandig afgehandeld"
    assert offline.contacts.close(typed).questions[0].text.startswith("Verlopen paspoort")
