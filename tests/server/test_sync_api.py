"""Push and pull over real HTTP: idempotency, per-item results, paging, role filtering."""

from __future__ import annotations

import pytest

from tests.conftest import BACKENDS
from tests.server.helpers import (
    API,
    action,
    contact,
    create,
    pull_all,
    push,
    save,
    task,
    with_customer,
)

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)


def test_same_batch_twice_applies_once(live_server):
    name, token = live_server.make_user("agent")
    client = live_server.client(token)
    first_contact = contact(name)
    batch = [
        save(first_contact),
        save(contact(name)),
        create(task(name, contact_id=first_contact["id"])),
    ]
    first = push(client, *batch)
    assert [r["status"] for r in first] == ["applied"] * 3
    assert [r["id"] for r in first] == [c["id"] for c in batch]
    assert len({r["seq"] for r in first}) == 3
    second = push(client, *batch)
    assert [r["status"] for r in second] == ["duplicate"] * 3
    assert [r["seq"] for r in second] == [r["seq"] for r in first]
    entries, _ = pull_all(client)
    assert len(entries) == 3


def test_same_change_id_with_other_payload_is_duplicate_and_changes_nothing(live_server):
    name, token = live_server.make_user("agent")
    client = live_server.client(token)
    original = contact(name, channel="balie")
    push(client, save(original, change_id="c-1"))
    altered = {**original, "channel": "e-mail", "rev": 5}
    [result] = push(client, save(altered, change_id="c-1"))
    assert result["status"] == "duplicate"
    stored = client.get(f"{API}/contacts/{original['id']}").json()
    assert stored["channel"] == "balie"
    assert stored["rev"] == 1


def test_lower_or_equal_rev_is_a_no_op(live_server):
    name, token = live_server.make_user("agent")
    client = live_server.client(token)
    data = contact(name, rev=3, channel="balie")
    push(client, save(data))
    [older] = push(client, save({**data, "rev": 2, "channel": "chat"}))
    [same] = push(client, save({**data, "rev": 3, "channel": "chat"}))
    assert older["status"] == same["status"] == "applied"
    assert older["seq"] is None and same["seq"] is None
    [newer] = push(client, save({**data, "rev": 4, "channel": "chat"}))
    assert newer["seq"] is not None
    assert client.get(f"{API}/contacts/{data['id']}").json()["channel"] == "chat"


def test_bad_item_is_rejected_alone(live_server):
    name, token = live_server.make_user("agent")
    client = live_server.client(token)
    other, other_token = live_server.make_user("agent")
    theirs = contact(other)
    push(live_server.client(other_token), save(theirs))
    good = save(contact(name))
    bad = save(contact(name, channel="x" * 51))
    not_mine = save({**theirs, "rev": 5})  # another agent's contact id
    results = push(client, good, bad, not_mine)
    assert [r["status"] for r in results] == ["applied", "rejected", "rejected"]
    assert results[1]["error"]["code"] == "validation"
    assert results[1]["error"]["fields"][0]["field"] == "payload.contact.channel"
    assert results[2]["error"]["code"] == "forbidden"
    entries, _ = pull_all(client)
    assert [e["id"] for e in entries] == [good["payload"]["contact"]["id"]]
    # A rejected id was not recorded: once fixed, the same change id applies.
    fixed = save(contact(name), change_id=bad["id"])
    assert push(client, fixed)[0]["status"] == "applied"


def test_author_is_stamped_from_the_token(live_server):
    """A console that first started offline registered under the OS user's name: the
    store files the contact and its task under the token's user, not what was sent."""
    name, token = live_server.make_user("agent")
    client = live_server.client(token)
    registered = contact("os-user")
    routed = task("os-user", contact_id=registered["id"])
    results = push(client, save(registered), create(routed))
    assert [r["status"] for r in results] == ["applied", "applied"]
    assert client.get(f"{API}/contacts/{registered['id']}").json()["agent"] == name
    assert client.get(f"{API}/tasks/{routed['id']}").json()["created_by"] == name
    entries, _ = pull_all(client)
    assert {e["id"] for e in entries} == {registered["id"], routed["id"]}
    unnamed = {k: v for k, v in contact(name).items() if k != "agent"}
    [result] = push(client, save(unnamed))
    assert result["status"] == "applied"
    assert client.get(f"{API}/contacts/{unnamed['id']}").json()["agent"] == name


def test_pushed_task_starts_open_with_the_servers_log(live_server):
    name, token = live_server.make_user("agent")
    client = live_server.client(token)
    the_contact = contact(name)
    forged = task(
        name,
        contact_id=the_contact["id"],
        status="done",
        assignee="bo-someone",
        resolution="Al opgelost",
        log=[{"at": "2026-01-01T00:00:00+00:00", "by": "x", "action": "resolved"}],
    )
    assert [r["status"] for r in push(client, save(the_contact), create(forged))] == [
        "applied",
        "applied",
    ]
    stored = client.get(f"{API}/tasks/{forged['id']}").json()
    assert (stored["status"], stored["assignee"], stored["resolution"]) == ("open", None, "")
    assert [(s["action"], s["by"]) for s in stored["log"]] == [("created", name)]


def test_task_needs_an_existing_contact_of_the_author(live_server):
    name, token = live_server.make_user("agent")
    other, other_token = live_server.make_user("agent")
    theirs = contact(other)
    push(live_server.client(other_token), save(theirs))
    client = live_server.client(token)
    orphan, foreign = task(name), task(name, contact_id=theirs["id"])
    results = push(client, create(orphan), create(foreign), with_contacts=False)
    assert [r["status"] for r in results] == ["rejected", "rejected"]
    assert results[0]["error"]["fields"][0]["field"] == "payload.task.contact_id"
    assert results[1]["error"]["code"] == "forbidden"


def test_domain_rules_reject_items_with_field_names(live_server):
    name, token = live_server.make_user("agent")
    client = live_server.client(token)
    bad_bsn = save(with_customer(contact(name), bsn="123456789"))
    no_note = create(task(name, internal_note=""))
    unknown_team = create(task(name, team="no-such-team"))
    results = push(client, bad_bsn, no_note, unknown_team)
    assert [r["status"] for r in results] == ["rejected"] * 3
    assert results[0]["error"]["fields"][0]["field"] == "payload.contact.customer.bsn"
    assert results[1]["error"]["fields"][0]["field"] == "payload.task.internal_note"
    assert results[2]["error"]["fields"][0]["field"] == "payload.task.team"


def test_task_create_sets_version_and_log(live_server):
    name, token = live_server.make_user("agent")
    client = live_server.client(token)
    data = task(
        name, version=7, log=[{"at": "2020-01-01T00:00:00+00:00", "by": "x", "action": "bogus"}]
    )
    push(client, create(data))
    stored = client.get(f"{API}/tasks/{data['id']}").json()
    assert stored["version"] == 1
    assert [s["action"] for s in stored["log"]] == ["created"]
    assert stored["log"][0]["by"] == name
    assert stored["due_at"] == data["due_at"]


def test_pull_pages_with_cursor(live_server):
    name, token = live_server.make_user("agent")
    client = live_server.client(token)
    push(client, *[save(contact(name)) for _ in range(7)])
    seen, cursor, pages = [], 0, 0
    while True:
        body = client.get(f"{API}/sync/pull", params={"since": cursor, "limit": 3}).json()
        pages += 1
        seen.extend(e["seq"] for e in body["changes"])
        cursor = body["cursor"]
        if not body["more"]:
            break
    assert pages == 3
    assert seen == sorted(seen) and len(seen) == 7
    assert cursor == seen[-1]
    again = client.get(f"{API}/sync/pull", params={"since": cursor}).json()
    assert again == {"changes": [], "cursor": cursor, "more": False}


def test_pull_is_filtered_per_role_and_cursor_passes_hidden_entries(live_server):
    anna, anna_token = live_server.make_user("agent")
    bert, bert_token = live_server.make_user("agent")
    _, bz_token = live_server.make_user("backoffice", ["burgerzaken"])
    _, afval_token = live_server.make_user("backoffice", ["afval"])
    _, sup_token = live_server.make_user("supervisor")
    anna_c, bert_c = live_server.client(anna_token), live_server.client(bert_token)
    a_contact = contact(anna)
    a_task = task(anna, team="burgerzaken", contact_id=a_contact["id"])
    push(anna_c, save(a_contact), create(a_task))
    b_contact = contact(bert)
    push(bert_c, save(b_contact))

    def ids(token):
        entries, cursor = pull_all(live_server.client(token))
        return [e["id"] for e in entries], cursor

    assert ids(anna_token)[0] == [a_contact["id"], a_task["id"]]
    bert_ids, bert_cursor = ids(bert_token)
    assert bert_ids == [b_contact["id"]]
    bz_ids, bz_cursor = ids(bz_token)
    assert bz_ids == [a_task["id"]]
    afval_ids, afval_cursor = ids(afval_token)
    assert afval_ids == []
    assert afval_cursor == bz_cursor == bert_cursor == 3  # advanced past hidden entries
    assert len(ids(sup_token)[0]) == 3


def test_forwarded_task_reaches_new_team_and_old_team_sees_it_leave(live_server):
    anna, anna_token = live_server.make_user("agent")
    _, bz_token = live_server.make_user("backoffice", ["burgerzaken"])
    _, afval_token = live_server.make_user("backoffice", ["afval"])
    data = task(anna, team="burgerzaken")
    push(live_server.client(anna_token), create(data))
    bz_client = live_server.client(bz_token)
    [result] = push(
        bz_client, action(data["id"], "forward", 1, team="afval", note="Hoort bij afval")
    )
    assert result["status"] == "applied"
    afval_entries, _ = pull_all(live_server.client(afval_token))
    assert [(e["id"], e["data"]["status"]) for e in afval_entries] == [(data["id"], "forwarded")]
    bz_entries, _ = pull_all(bz_client)
    assert [e["data"]["team"] for e in bz_entries] == ["burgerzaken", "afval"]
    assert bz_client.get(f"{API}/tasks/{data['id']}").status_code == 403


def test_pull_limit_is_bounded(live_server):
    _, token = live_server.make_user("agent")
    response = live_server.client(token).get(f"{API}/sync/pull", params={"limit": 1001})
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "limit"
