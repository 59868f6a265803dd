"""The role × endpoint matrix, users administration and the access log."""

from __future__ import annotations

import logging

import pytest

from loket.server.admin import disable_user
from tests.conftest import BACKENDS
from tests.server.helpers import (
    API,
    VALID_BSN,
    action,
    contact,
    create,
    push,
    save,
    task,
    with_customer,
)

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)

ROLES = ("owner", "other_agent", "bo_team", "bo_other", "supervisor", "admin", "anonymous")
# (method, path, body, expected status per role in ROLES order)
MATRIX = [
    ("GET", "/me", None, (200, 200, 200, 200, 200, 200, 401)),
    ("GET", "/sync/pull", None, (200, 200, 200, 200, 200, 200, 401)),
    ("GET", "/contacts", None, (200, 200, 403, 403, 200, 200, 401)),
    ("GET", "/contacts/{contact}", None, (200, 403, 403, 403, 200, 200, 401)),
    ("POST", "/customers/lookup", {"bsn": VALID_BSN}, (200, 200, 403, 403, 200, 200, 401)),
    ("GET", "/tasks", None, (200, 200, 200, 200, 200, 200, 401)),
    ("GET", "/tasks/{task}", None, (200, 403, 200, 403, 200, 200, 401)),
    ("POST", "/tasks/{task}/notes", {"note": "n"}, (403, 403, 200, 403, 200, 403, 401)),
    ("GET", "/stats", None, (403, 403, 403, 403, 200, 200, 401)),
    ("GET", "/report/charts", None, (403, 403, 403, 403, 200, 200, 401)),
    ("GET", "/users", None, (403, 403, 403, 403, 403, 200, 401)),
    ("POST", "/users", {"role": "agent"}, (403, 403, 403, 403, 403, 201, 401)),
    ("POST", "/users/{victim}/disable", None, (403, 403, 403, 403, 403, 200, 401)),
    ("GET", "/access-log", None, (403, 403, 403, 403, 403, 200, 401)),
]


def test_role_endpoint_matrix(live_server):
    owner, owner_token = live_server.make_user("agent")
    tokens = {
        "owner": owner_token,
        "other_agent": live_server.make_user("agent")[1],
        "bo_team": live_server.make_user("backoffice", ["burgerzaken"])[1],
        "bo_other": live_server.make_user("backoffice", ["afval"])[1],
        "supervisor": live_server.make_user("supervisor")[1],
        "admin": live_server.make_user("admin")[1],
        "anonymous": None,
    }
    the_contact = with_customer(contact(owner))
    the_task = task(owner, team="burgerzaken")
    results = push(live_server.client(owner_token), save(the_contact), create(the_task))
    assert [r["status"] for r in results] == ["applied", "applied"]
    clients = {role: live_server.client(token) for role, token in tokens.items()}
    supervisor = clients["supervisor"]
    mismatches = []
    for n, (method, template, body, expected) in enumerate(MATRIX):
        for role, want in zip(ROLES, expected, strict=True):
            victim = live_server.make_user("agent")[0] if "{victim}" in template else ""
            path = template.format(contact=the_contact["id"], task=the_task["id"], victim=victim)
            payload = dict(body) if body is not None else None
            if payload is not None and "/tasks/" in path:
                current = supervisor.get(f"{API}/tasks/{the_task['id']}").json()
                payload["version"] = current["version"]
            if payload is not None and path == "/users":
                payload["name"] = f"new{n}{role}"
            got = clients[role].request(method, f"{API}{path}", json=payload).status_code
            if got != want:
                mismatches.append(f"{role} {method} {path}: {got}, expected {want}")
    assert mismatches == []


def test_agent_lists_only_own_contacts_and_filters_apply(live_server):
    anna, anna_token = live_server.make_user("agent")
    bert, bert_token = live_server.make_user("agent")
    anna_c = live_server.client(anna_token)
    push(anna_c, save(contact(anna, channel="balie")), save(contact(anna, channel="chat")))
    push(live_server.client(bert_token), save(contact(bert, channel="balie")))
    items = anna_c.get(f"{API}/contacts").json()["items"]
    assert {c["agent"] for c in items} == {anna} and len(items) == 2
    balie = anna_c.get(f"{API}/contacts", params={"channel": "balie"}).json()["items"]
    assert [c["channel"] for c in balie] == ["balie"]
    sup = live_server.client(live_server.make_user("supervisor")[1])
    assert len(sup.get(f"{API}/contacts").json()["items"]) == 3
    by_agent = sup.get(f"{API}/contacts", params={"agent": bert}).json()["items"]
    assert [c["agent"] for c in by_agent] == [bert]


def test_contacts_paging_and_period_and_outcome(live_server):
    anna, token = live_server.make_user("agent")
    client = live_server.client(token)
    days = [f"2026-11-{d:02d}T10:00:00+00:00" for d in range(10, 16)]
    outcomes = ["zelfstandig afgehandeld", "doorverbonden"] * 3
    contacts = []
    for day, outcome in zip(days, outcomes, strict=True):
        data = contact(anna, started_at=day)
        data["questions"][0]["outcome"] = outcome
        contacts.append(data)
    push(client, *[save(c) for c in contacts])
    seen, cursor = [], None
    while True:
        params = {"limit": 4, **({"cursor": cursor} if cursor else {})}
        body = client.get(f"{API}/contacts", params=params).json()
        seen.extend(c["id"] for c in body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == [c["id"] for c in contacts]
    period = client.get(f"{API}/contacts", params={"since": "2026-11-12", "until": "2026-11-14"})
    assert [c["started_at"][:10] for c in period.json()["items"]] == ["2026-11-12", "2026-11-13"]
    routed = client.get(f"{API}/contacts", params={"outcome": "doorverbonden"}).json()["items"]
    assert len(routed) == 3
    bad = client.get(f"{API}/contacts", params={"since": "gisteren"})
    assert bad.status_code == 422 and bad.json()["error"]["fields"][0]["field"] == "since"
    assert client.get(f"{API}/contacts", params={"cursor": "!!"}).status_code == 400


def test_access_log_records_reads_of_personal_data(live_server, caplog):
    caplog.set_level(logging.DEBUG)
    anna, token = live_server.make_user("agent")
    client = live_server.client(token)
    with_data = with_customer(contact(anna))
    anonymous = contact(anna)
    push(client, save(with_data), save(anonymous))
    assert client.get(f"{API}/contacts/{with_data['id']}").status_code == 200
    assert client.get(f"{API}/contacts/{anonymous['id']}").status_code == 200
    found = client.post(f"{API}/customers/lookup", json={"phone": "+31 6 1234 5678"}).json()
    assert [c["id"] for c in found["items"]] == [with_data["id"]]
    assert found["items"][0]["customer"]["bsn"] == "*****2333"
    by_bsn = client.post(f"{API}/customers/lookup", json={"bsn": "1112.22.333"}).json()
    assert [c["id"] for c in by_bsn["items"]] == [with_data["id"]]
    client.get(f"{API}/contacts")
    admin = live_server.client(live_server.make_user("admin")[1])
    log = admin.get(f"{API}/access-log").json()["items"]
    entries = sorted((e["reason"], e["contact_id"], e["user"]) for e in log)
    assert entries == sorted(
        [
            ("view", with_data["id"], anna),
            ("lookup", with_data["id"], anna),
            ("lookup", with_data["id"], anna),
            ("export", with_data["id"], anna),
        ]
    )
    assert client.get(f"{API}/access-log").status_code == 403
    for secret in (VALID_BSN, "Jan Jansen", "jan@example.nl", "12345678"):
        assert secret not in caplog.text


def test_admin_manages_users_over_api(live_server):
    admin = live_server.client(live_server.make_user("admin")[1])
    made = admin.post(
        f"{API}/users", json={"name": "zoe", "role": "backoffice", "teams": ["afval"]}
    )
    assert made.status_code == 201
    zoe = live_server.client(made.json()["token"])
    assert zoe.get(f"{API}/me").json() == {"name": "zoe", "role": "backoffice", "teams": ["afval"]}
    listed = {u["name"]: u for u in admin.get(f"{API}/users").json()["items"]}
    assert "token" not in listed["zoe"] and listed["zoe"]["disabled"] is False
    assert admin.post(f"{API}/users", json={"name": "zoe", "role": "agent"}).status_code == 409
    assert admin.post(f"{API}/users/zoe/disable").status_code == 200
    assert zoe.get(f"{API}/me").status_code == 401
    assert admin.post(f"{API}/users/nobody/disable").status_code == 404


def test_a_user_with_an_unknown_team_is_refused_naming_it(live_server):
    admin = live_server.client(live_server.make_user("admin")[1])
    body = {"name": "yves", "role": "backoffice", "teams": ["afval", "afvall"]}
    refused = admin.post(f"{API}/users", json=body)
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["code"] == "validation" and "afvall" in error["message"]
    assert error["fields"] == [{"field": "teams[1]", "message": "Unknown team 'afvall'."}]
    assert "yves" not in {u["name"] for u in admin.get(f"{API}/users").json()["items"]}


def test_reads_of_tasks_are_access_logged_like_reads_of_contacts(live_server):
    """A task carries the resident's callback name, phone and e-mail: every answer that
    holds one is recorded, under the contact it was routed from, the task id as note."""
    anna, agent_token = live_server.make_user("agent")
    agent = live_server.client(agent_token)
    data = task(anna, team="burgerzaken")
    push(agent, create(data))
    bo, bo_token = live_server.make_user("backoffice", ["burgerzaken"])
    back = live_server.client(bo_token)
    assert [t["id"] for t in back.get(f"{API}/tasks").json()["items"]] == [data["id"]]
    assert back.get(f"{API}/tasks/{data['id']}").json()["callback"]["phone"] == "0612345678"
    pulled = back.get(f"{API}/sync/pull").json()["changes"]
    assert [e["entity"] for e in pulled] == ["task"]
    assert back.post(f"{API}/tasks/{data['id']}/claim", json={"version": 1}).status_code == 200
    stale = back.post(f"{API}/tasks/{data['id']}/unclaim", json={"version": 1})
    assert stale.status_code == 409 and stale.json()["current"]["callback"]["name"] == "Jan"
    [conflict] = push(back, action(data["id"], "note", 1, note="Gebeld"))
    assert conflict["status"] == "conflict"
    agent.get(f"{API}/sync/pull")  # the agent's own task: not an export
    admin = live_server.client(live_server.make_user("admin")[1])
    log = admin.get(f"{API}/access-log").json()["items"]
    tasks_read = sorted(
        (e["user"], e["reason"], e["contact_id"], e["note"])
        for e in log
        if e["reason"].startswith("task")
    )
    seen = (data["contact_id"], data["id"])
    assert tasks_read == sorted(
        [
            (bo, "task_list", *seen),
            (bo, "task_view", *seen),
            (bo, "task_export", *seen),
            (bo, "task_action", *seen),  # the claim's answer
            (bo, "task_action", *seen),  # the conflict's current task, over HTTP
            (bo, "task_action", *seen),  # and in push
        ]
    )


def test_a_user_disabled_on_the_command_line_is_refused_at_once_by_every_server(server_factory):
    """`loket user disable` writes to the database from another process: no server may
    keep honouring the token from a cache, neither for reads nor for pushes."""
    first, second = server_factory(n=2)
    name, token = first.make_user("agent")
    clients = [first.client(token), second.client(token)]
    for client in clients:  # each server has seen (and could have cached) the caller
        assert client.get(f"{API}/me").status_code == 200
        assert push(client, save(contact(name)))[0]["status"] == "applied"
    disable_user(first.db_url, name)
    for client in clients:
        assert client.get(f"{API}/me").status_code == 401
        refused = client.post(f"{API}/sync/push", json={"changes": [save(contact(name))]})
        assert refused.status_code == 401, refused.text
    admin = first.client(first.make_user("admin")[1])
    stored = admin.get(f"{API}/contacts", params={"agent": name}).json()["items"]
    assert len(stored) == 2  # what was pushed before the disable stays
