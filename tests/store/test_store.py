"""The console store: one transaction per write + outbox row, migrations, drafts, cursor."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from loket.domain.models import Contact, Customer, Task, TaskStatus
from loket.domain.validation import phone_key
from loket.protocol import ChangeKind
from loket.store import ConsoleStore
from loket.store.migrations import MIGRATIONS, Migration, migrate


@pytest.fixture
def store(tmp_path: Path) -> ConsoleStore:
    opened = ConsoleStore.open(tmp_path / "console.sqlite3")
    yield opened
    opened.close()


def _contact(rev: int = 1, **kw: object) -> Contact:
    return Contact(agent="anna", rev=rev, **kw)  # type: ignore[arg-type]


def test_migrations_are_recorded_and_running_twice_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    first = ConsoleStore.open(path)
    assert first.schema_versions() == [m.version for m in MIGRATIONS]
    first.save_contact(_contact())
    first.close()
    conn = sqlite3.connect(path, isolation_level=None)
    assert migrate(conn) == []  # nothing left to apply
    assert conn.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] == len(MIGRATIONS)
    conn.close()
    second = ConsoleStore.open(path)
    assert second.count_contacts() == 1
    assert second.outbox_count() == 1
    second.close()


def test_a_failing_migration_leaves_the_previous_version(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "m.sqlite3", isolation_level=None)
    broken = (
        *MIGRATIONS,
        Migration(99, "broken", ("CREATE TABLE half (x)", "THIS IS NOT SQL")),
    )
    with pytest.raises(sqlite3.OperationalError):
        migrate(conn, broken)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "half" not in tables and "contacts" in tables
    versions = [r[0] for r in conn.execute("SELECT version FROM schema_migrations")]
    assert 99 not in versions


def test_contact_and_outbox_row_commit_together_or_not_at_all(
    store: ConsoleStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*args: object, **kwargs: object) -> str:
        raise RuntimeError("disk full")

    monkeypatch.setattr(ConsoleStore, "_enqueue", staticmethod(boom))
    contact = _contact()
    with pytest.raises(RuntimeError):
        store.save_contact(contact)
    assert store.get_contact(contact.id) is None
    monkeypatch.undo()
    store.save_contact(contact)
    assert store.get_contact(contact.id) is not None
    assert [i.entity_id for i in store.outbox_batch()] == [contact.id]


def test_unpushed_saves_of_one_contact_coalesce_in_place(store: ConsoleStore) -> None:
    contact = _contact(rev=1)
    first_id = store.save_contact(contact)
    task = Task(contact_id=contact.id, team="wmo", internal_note="x", created_by="anna")
    contact.rev = 2
    store.save_contact_and_task(contact, task)
    contact.rev = 3
    last_id = store.save_contact(contact)
    items = store.outbox_batch()
    assert [i.kind for i in items] == [
        ChangeKind.CONTACT_SAVE,
        ChangeKind.TASK_CREATE,
    ]  # contact stays first
    assert items[0].change_id == last_id != first_id  # a new id: the server must not dedupe it
    assert items[0].payload["contact"]["rev"] == 3


def test_customer_lookup_matches_normalised_phone(store: ConsoleStore) -> None:
    contact = _contact(customer=Customer(phone="+31612345678", email="A@Example.nl"))
    store.save_contact(contact)
    assert [c.id for c, _ in store.find_contacts({"phone": "06-1234 5678"})] == [contact.id]
    assert [c.id for c, _ in store.find_contacts({"email": "a@example.nl"})] == [contact.id]
    assert store.find_contacts({"phone": "0687654321"}) == []


def test_drafts_overwrite_discard_and_survive_reopen(tmp_path: Path) -> None:
    path = tmp_path / "d.sqlite3"
    store = ConsoleStore.open(path)
    store.save_draft("contact:1", {"text": "paspo"})
    store.save_draft("contact:1", {"text": "paspoort verlopen"})
    store.save_draft("contact:2", {"text": "kliko"})
    store.discard_draft("contact:2")
    store.close()
    reopened = ConsoleStore.open(path)
    assert reopened.drafts() == {"contact:1": {"text": "paspoort verlopen"}}
    reopened.close()


def _entry(seq: int, data: dict, entity: str) -> dict:
    return {"seq": seq, "entity": entity, "id": data["id"], "at": "", "data": data}


def test_pull_page_and_cursor_commit_together(store: ConsoleStore) -> None:
    good = _contact(rev=1)
    assert store.apply_pull_page([_entry(1, good.to_dict(), "contact")], 1) == 1
    assert store.cursor() == 1
    bad = {"id": "x", "started_at": "not a date"}
    with pytest.raises(ValueError):
        store.apply_pull_page(
            [_entry(2, _contact().to_dict(), "contact"), _entry(3, bad, "contact")], 3
        )
    assert store.cursor() == 1  # the whole page rolled back
    assert store.count_contacts() == 1


def test_pull_keeps_the_higher_rev(store: ConsoleStore) -> None:
    contact = _contact(rev=5)
    store.save_contact(contact)
    older = _contact(rev=4)
    older.id = contact.id
    older.channel = "balie"
    assert store.apply_pull_page([_entry(1, older.to_dict(), "contact")], 1) == 0
    assert store.get_contact(contact.id).channel == "telefoon"
    newer = _contact(rev=6)
    newer.id = contact.id
    newer.channel = "balie"
    store.apply_pull_page([_entry(2, newer.to_dict(), "contact")], 2)
    assert store.get_contact(contact.id).channel == "balie"
    assert store.contact_origin(contact.id) == "lokaal"


def test_pending_task_action_is_not_clobbered_then_catches_up(store: ConsoleStore) -> None:
    task = Task(team="wmo", internal_note="n", created_by="anna", version=1)
    store.apply_pull_page([_entry(1, task.to_dict(), "task")], 1)
    mine = Task.from_dict({**task.to_dict(), "status": "claimed", "assignee": "bo", "version": 2})
    store.queue_task_action(mine, {"action": "claim", "version": 1})
    theirs = Task.from_dict({**task.to_dict(), "status": "done", "version": 3})
    store.apply_pull_page([_entry(2, theirs.to_dict(), "task")], 2)
    assert store.get_task(task.id).status == TaskStatus.CLAIMED  # not clobbered
    [item] = store.outbox_batch()
    assert item.kind == ChangeKind.TASK_ACTION
    store.apply_push_results([item], [{"id": item.change_id, "status": "applied", "seq": 9}])
    assert store.get_task(task.id).status == TaskStatus.DONE  # held-back state applied


def test_push_results_applied_duplicate_conflict_rejected(store: ConsoleStore) -> None:
    a, b = _contact(), _contact()
    store.save_contact(a)
    store.save_contact(b)
    task = Task(team="wmo", internal_note="n", created_by="anna")
    store.apply_pull_page([_entry(1, task.to_dict(), "task")], 1)
    claimed = Task.from_dict({**task.to_dict(), "status": "claimed", "version": 2})
    store.queue_task_action(claimed, {"action": "claim", "version": 1})
    extra = _contact()
    store.save_contact(extra)
    items = store.outbox_batch()
    current = {
        **task.to_dict(),
        "status": "returned",
        "version": 2,
        "log": [{"at": "2026-01-05T10:00:00+00:00", "by": "bert", "action": "returned"}],
    }
    results = [
        {"id": items[0].change_id, "status": "applied"},
        {"id": items[1].change_id, "status": "duplicate"},
        {
            "id": items[2].change_id,
            "status": "conflict",
            "current": current,
            "error": {"code": "conflict", "message": "stale"},
        },
        # items[3] gets no answer: it must stay in the outbox
    ]
    outcome = store.apply_push_results(items, results)
    assert (outcome.applied, outcome.duplicates, outcome.conflicts, outcome.unanswered) == (
        1,
        1,
        1,
        1,
    )
    assert [i.entity_id for i in store.outbox_batch()] == [extra.id]
    [conflict] = store.conflicts()
    assert conflict.task_id == task.id and conflict.mine["action"] == "claim"
    assert conflict.current.status == TaskStatus.RETURNED
    assert "bert" in conflict.message
    assert store.get_task(task.id).status == TaskStatus.RETURNED  # server wins locally
    [left] = store.outbox_batch()
    store.apply_push_results(
        [left],
        [
            {
                "id": left.change_id,
                "status": "rejected",
                "error": {"message": "agent mismatch", "fields": [{"field": "agent"}]},
            }
        ],
    )
    assert store.outbox_count() == 0
    [rejected] = store.rejected()
    assert rejected.entity_id == extra.id and rejected.fields == [{"field": "agent"}]
    assert store.get_contact(extra.id) is not None  # kept locally, visible as failed


def test_a_refused_contact_is_kept_without_its_full_bsn(store: ConsoleStore) -> None:
    contact = _contact()
    contact.customer = Customer(name="Jan", bsn="111222333")
    store.save_contact(contact)
    [item] = store.outbox_batch()
    store.apply_push_results(
        [item], [{"id": item.change_id, "status": "rejected", "error": {"message": "nee"}}]
    )
    kept = "\n".join(str(row) for row in _rows(store, "rejected"))
    assert item.change_id in kept and "111222333" not in kept and "*****2333" in kept
    assert store.get_contact(contact.id).customer.bsn == "111222333"  # still editable


def test_opening_masks_full_bsns_an_older_version_kept_in_refused_changes(tmp_path: Path) -> None:
    path = tmp_path / "console.sqlite3"
    store = ConsoleStore.open(path)
    payload = '{"contact": {"customer": {"bsn": "111222333"}}}'
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO rejected (change_id, kind, entity_id, payload, error, at) "
            "VALUES ('c1', 'contact.save', 'x', ?, '{}', '2026-01-01')",
            [payload],
        )
    store.close()
    reopened = ConsoleStore.open(path)
    kept = str(_rows(reopened, "rejected"))
    reopened.close()
    assert "111222333" not in kept and "*****2333" in kept


def test_one_phone_normaliser_and_old_stores_are_rekeyed(tmp_path: Path) -> None:
    """The store keys phones with the domain's `phone_key` (+31...); a store written by a
    version that keyed them as 06... is migrated, so its lookups still match."""
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, MIGRATIONS[:2])
    old = _contact(customer=Customer(phone="+31612345678"))
    conn.execute(
        "INSERT INTO contacts (id, doc, agent, channel, started_at, status, rev, updated_at, "
        "phone) VALUES (?, ?, 'anna', 'balie', '2026-01-01T00:00:00Z', 'open', 1, '', ?)",
        (old.id, json.dumps(old.to_dict()), "0612345678"),
    )
    conn.close()
    store = ConsoleStore.open(path)
    try:
        row = store._rows("SELECT phone FROM contacts WHERE id = ?", (old.id,))
        assert row[0][0] == phone_key("06 1234 5678") == "+31612345678"
        for typed in ("06-12345678", "+31 6 1234 5678", "0031612345678"):
            assert [c.id for c, _ in store.find_contacts({"phone": typed})] == [old.id]
        assert phone_key("12-34") == "1234"  # a wrong number still finds itself
    finally:
        store.close()


def test_customer_lookup_by_kvk_and_address_and_old_stores_get_their_kvk_key(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, MIGRATIONS[:3])
    old = _contact(customer=Customer(kvk="1234 5678"))
    conn.execute(
        "INSERT INTO contacts (id, doc, agent, channel, started_at, status, rev, updated_at) "
        "VALUES (?, ?, 'anna', 'balie', '2026-01-01T00:00:00Z', 'open', 1, '')",
        (old.id, json.dumps(old.to_dict())),
    )
    conn.close()
    store = ConsoleStore.open(path)
    try:
        assert [c.id for c, _ in store.find_contacts({"kvk": "12345678"})] == [old.id]
        home = _contact(customer=Customer(postcode="1234ab", house_number="12 a"))
        neighbour = _contact(customer=Customer(postcode="1234 AB", house_number="12B"))
        store.save_contact(home)
        store.save_contact(neighbour)
        found = store.find_contacts({"postcode": "1234 AB", "house_number": "12A"})
        assert [c.id for c, _ in found] == [home.id]
        assert store.find_contacts({"postcode": "1234 AB"}) == []  # half an address: no one
    finally:
        store.close()


def _rows(store: ConsoleStore, table: str) -> list[tuple[object, ...]]:
    with store.transaction() as conn:
        return conn.execute(f"SELECT * FROM {table}").fetchall()
