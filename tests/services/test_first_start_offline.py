"""Issue 8: a console's first start while the central store is away loses nothing.

The store is keyed by server and token, so the offline start and every later start use
the same file; work made under the provisional (OS user) name is re-stamped with the real
name before anything is pushed; stores of earlier versions, named after the user, are
adopted. Against a real server on a fixed port that is down, then up.
"""

from __future__ import annotations

import getpass
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from loket.cli import app
from loket.config import Settings
from loket.domain.models import Callback, Contact, Question
from loket.protocol import ChangeKind
from loket.services import ConsoleServices, store_path_for
from loket.store import ConsoleStore
from tests.conftest import free_port


@pytest.fixture
def down_then_up(
    server_factory: Callable[..., list[Any]],
) -> tuple[str, str, Callable[[], Any]]:
    """(url, token of agent 'dirk', start()): the server made the user, then went down."""
    port = free_port()
    [first] = server_factory(port=port)
    _, token = first.make_user("agent", ["kcc"], name="dirk")
    first.server.stop()

    def start() -> Any:
        return server_factory(port=port)[0]

    return first.url, token, start


def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, url: str, token: str) -> Path:
    state = tmp_path / "fresh-state"
    monkeypatch.setenv("LOKET_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("LOKET_STATE_DIR", str(state))
    monkeypatch.setenv("LOKET_SERVER_URL", url)
    monkeypatch.setenv("LOKET_TOKEN", token)
    return state


def _server_contact(url: str, token: str, contact_id: str) -> dict[str, Any]:
    answer = httpx.get(
        f"{url}/api/v1/contacts/{contact_id}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_cli_first_start_offline_reaches_the_server_under_the_tokens_agent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, down_then_up: Any
) -> None:
    url, token, start = down_then_up
    _env(monkeypatch, tmp_path, url, token)
    runner = CliRunner()
    new = runner.invoke(
        app,
        ["contact", "new", "--channel", "telefoon", "--question", "Grofvuil", "--resolve"],
    )
    assert new.exit_code == 0, new.output
    assert "stored locally; 1 change(s) to sync" in new.output
    contact_id = new.output.split()[2]
    offline = json.loads(runner.invoke(app, ["contact", "list", "--json"]).output)
    assert offline[0]["reference"] is None  # the store gives it: none before the first sync
    start()
    once = runner.invoke(app, ["sync", "--once"])
    assert once.exit_code == 0, once.output
    assert "pushed 1" in once.output and "rejected 0" in once.output and "outbox 0" in once.output
    assert _server_contact(url, token, contact_id)["agent"] == "dirk"
    listed = json.loads(runner.invoke(app, ["contact", "list", "--json"]).output)
    assert [(row["id"], row["agent"]) for row in listed] == [(contact_id, "dirk")]
    reference = listed[0]["reference"]
    assert reference == _server_contact(url, token, contact_id)["reference"] and reference
    found = runner.invoke(app, ["contact", "find", reference, "--json"])
    assert found.exit_code == 0, found.output
    assert [row["id"] for row in json.loads(found.output)] == [contact_id]
    misheard = reference[:-1] + str((int(reference[-1]) + 1) % 10)
    refused = runner.invoke(app, ["contact", "find", misheard])
    assert refused.exit_code == 2 and "referentienummer" in refused.output


def test_a_running_console_learns_its_name_before_it_pushes(
    tmp_path: Path, down_then_up: Any
) -> None:
    url, token, start = down_then_up
    settings = Settings(state_dir=tmp_path, server_url=url, token=token)
    services = ConsoleServices.open(settings)
    try:
        assert services.user.provisional and services.user.name == getpass.getuser()
        contact = services.contacts.new("telefoon")
        contact, task = services.contacts.route_question(
            contact,
            contact.questions[0].id,
            team="afval",
            internal_note="Kliko kapot",
            callback=Callback(phone="0612345678"),
            intake={},
        )
        assert services.sync.now(0.5, retry=False).error  # still down: everything waits
        assert services.sync.state().outbox == 2 and services.sync.state().rejected == 0
        start()
        report = services.sync.now(5)
        assert report.error is None and report.pushed == 2 and report.rejected == 0
        assert not services.user.provisional and services.user.name == "dirk"
        assert services.contacts.get(contact.id).agent == "dirk"
        local_task = services.tasks.get(task.id)
        assert local_task.created_by == "dirk" and {s.by for s in local_task.log} == {"dirk"}
        assert [c.id for c in services.contacts.open()] == [contact.id]  # found under "dirk"
        assert contact.id in {c.id for c in services.contacts.recent()}
    finally:
        services.close()
    assert _server_contact(url, token, contact.id)["agent"] == "dirk"
    # The next start opens the same file, now with the real, cached identity.
    again = ConsoleServices.open(settings)
    try:
        assert again.store.path == store_path_for(tmp_path, url, token)
        assert (again.user.name, again.user.provisional) == ("dirk", False)
        assert again.contacts.get(contact.id) is not None
    finally:
        again.close()


def _legacy_store(path: Path, agent: str, text: str) -> Contact:
    store = ConsoleStore.open(path)
    contact = Contact(agent=agent, channel="balie", questions=[Question(text=text)])
    store.save_contact(contact)
    store.set_meta("identity", {"name": agent, "role": "agent", "teams": []})
    store.close()
    return contact


def test_stores_named_after_the_user_are_adopted_and_pushed(
    tmp_path: Path, down_then_up: Any
) -> None:
    url, token, start = down_then_up
    os_user = getpass.getuser()
    offline = _legacy_store(tmp_path / f"console-{os_user}.sqlite3", os_user, "Offline")
    named = _legacy_store(tmp_path / "console-dirk.sqlite3", "dirk", "Eerder")
    live = start()
    settings = Settings(state_dir=tmp_path, server_url=url, token=token)
    services = ConsoleServices.open(settings)
    try:
        assert services.user.name == "dirk"
        assert {c.id: c.agent for c in services.contacts.recent()} == {
            offline.id: "dirk",
            named.id: "dirk",
        }
        payloads = [i.payload for i in services.store.outbox_batch()]
        assert {p["contact"]["agent"] for p in payloads} == {"dirk"}
        assert [i.kind for i in services.store.outbox_batch()] == [ChangeKind.CONTACT_SAVE] * 2
        report = services.sync.now(5)
        assert report.pushed == 2 and report.rejected == 0, report
    finally:
        services.close()
    for contact in (offline, named):
        assert _server_contact(live.url, token, contact.id)["agent"] == "dirk"
    # Adopted once: a second start copies nothing again and pushes nothing twice.
    again = ConsoleServices.open(settings)
    try:
        assert again.store.count_contacts() == 2 and again.sync.state().outbox == 0
    finally:
        again.close()


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--question", "   "], "questions[0].text"),
        (["--question", "Paspoort", "--product", "bestaat-niet"], "questions[0].products"),
        (["--question", "Pas\x1bpoort"], "questions[0].text"),
        (["--question", "Paspoort", "--notes", "a\x00b"], "questions[0].notes"),
        (
            [
                "--question",
                "Kliko",
                "--route",
                "afval",
                "--note",
                "x\x07",
                "--callback-phone",
                "0612345678",
            ],
            "internal_note",
        ),
    ],
)
def test_contact_new_refuses_bad_input_naming_the_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], field: str
) -> None:
    _env(monkeypatch, tmp_path, "", "")
    runner = CliRunner()
    outcome = [] if "--route" in args else ["--resolve"]
    bad = runner.invoke(app, ["contact", "new", "--channel", "telefoon", *args, *outcome])
    assert bad.exit_code == 2, bad.output
    assert field in bad.output and "Traceback" not in bad.output
    assert runner.invoke(app, ["contact", "list"]).output.strip() == "no contacts yet"
