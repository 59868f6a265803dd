"""Bad input gets a 4xx naming the field, never a 500 and never a half-applied item."""

from __future__ import annotations

import pytest

from tests.conftest import BACKENDS
from tests.server.helpers import API, contact, create, pull_all, push, save, task

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)

SMALL = {"max_body_bytes": 20_000}


@pytest.fixture
def agent(live_server):
    name, token = live_server.make_user("agent")
    return name, live_server.client(token)


def _error(response, status, code):
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"]["code"] == code
    return body["error"]


def test_malformed_json_is_400(agent):
    _, client = agent
    response = client.post(
        f"{API}/sync/push", content=b'{"changes": [', headers={"Content-Type": "application/json"}
    )
    _error(response, 400, "bad_request")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"changes": "all"}, "changes"),
        ({"changes": [], "extra": 1}, "extra"),
        (
            {"changes": [{"id": "x", "kind": "contact.save", "payload": {}, "nope": 1}]},
            "changes[0].nope",
        ),
        ({"changes": [{"id": "", "kind": "contact.save", "payload": {}}]}, "changes[0].id"),
        ({"changes": [{"id": "x", "kind": "contact.save", "payload": []}]}, "changes[0].payload"),
        ({"changes": [{"id": f"c{i}", "kind": "k", "payload": {}} for i in range(501)]}, "changes"),
    ],
)
def test_wrong_shapes_name_the_field(agent, body, field):
    _, client = agent
    error = _error(client.post(f"{API}/sync/push", json=body), 422, "validation")
    assert error["fields"][0]["field"] == field


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"channel": "c" * 51}, "payload.contact.channel"),
        ({"questions": [{"id": "q", "text": "t" * 201}]}, "payload.contact.questions[0].text"),
        ({"questions": [{"id": "q", "notes": "n" * 1001}]}, "payload.contact.questions[0].notes"),
        ({"rev": "one"}, "payload.contact.rev"),
        ({"unknown": True}, "payload.contact.unknown"),
        ({"channel": "tele\x00foon"}, "payload.contact.channel"),
        ({"rev": 2**70}, "payload.contact.rev"),
    ],
)
def test_bad_contact_fields_are_rejected_items(agent, overrides, field):
    name, client = agent
    [result] = push(client, save(contact(name, **overrides)))
    assert result["status"] == "rejected"
    assert result["error"]["fields"][0]["field"] == field
    assert pull_all(client)[0] == []


def test_long_task_fields_rejected(agent):
    name, client = agent
    results = push(
        client,
        create(task(name, subject="s" * 201)),
        create(task(name, internal_note="n" * 1001)),
    )
    fields = [r["error"]["fields"][0]["field"] for r in results]
    assert fields == ["payload.task.subject", "payload.task.internal_note"]


def test_long_note_on_action_is_422(live_server, agent):
    name, client = agent
    data = task(name)
    push(client, create(data))
    bo = live_server.client(live_server.make_user("backoffice", [data["team"]])[1])
    response = bo.post(f"{API}/tasks/{data['id']}/notes", json={"version": 1, "note": "x" * 1001})
    assert _error(response, 422, "validation")["fields"][0]["field"] == "note"
    response = bo.post(f"{API}/tasks/{data['id']}/notes", json={"version": "one", "note": "x"})
    assert _error(response, 422, "validation")["fields"][0]["field"] == "version"


@pytest.mark.parametrize("live_server", [SMALL], indirect=True)
def test_oversized_body_is_413(agent):
    name, client = agent
    big = {"changes": [save(contact(name)) for _ in range(40)]}
    _error(client.post(f"{API}/sync/push", json=big), 413, "too_large")

    def chunks():
        yield b'{"changes": ['
        for _ in range(30):
            yield b'{"id": "' + b"x" * 1000 + b'", "kind": "k", "payload": {}},'
        yield b"]}"

    response = client.post(
        f"{API}/sync/push", content=chunks(), headers={"Content-Type": "application/json"}
    )
    _error(response, 413, "too_large")
    assert pull_all(client)[0] == []


def test_nul_and_surrogates_in_text_are_4xx(agent):
    _, client = agent
    nul = client.get(f"{API}/contacts", params={"channel": "a\x00b"})
    assert _error(nul, 422, "validation")["fields"][0]["field"] == "channel"
    assert client.get(f"{API}/contacts/a%00b").status_code == 422
    surrogate = client.post(
        f"{API}/customers/lookup",
        content=b'{"email": "\\ud800@x.nl"}',
        headers={"Content-Type": "application/json"},
    )
    assert _error(surrogate, 422, "validation")["fields"][0]["field"] == "email"


def test_auth_and_routing_errors_use_the_error_shape(live_server, agent):
    _, client = agent
    anonymous = live_server.client()
    _error(anonymous.get(f"{API}/me"), 401, "unauthorized")
    _error(live_server.client("wrong-token").get(f"{API}/me"), 401, "unauthorized")
    _error(client.get(f"{API}/nothing-here"), 404, "not_found")
    assert client.delete(f"{API}/me").status_code == 405
    assert "error" in client.delete(f"{API}/me").json()
    lookup = client.post(f"{API}/customers/lookup", json={})
    _error(lookup, 422, "validation")
    bad_phone = client.post(f"{API}/customers/lookup", json={"phone": "12"})
    assert _error(bad_phone, 422, "validation")["fields"][0]["field"] == "phone"


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_stats_for_a_day_out_of_range_is_400_naming_date(live_server, day):
    client = live_server.client(live_server.make_user("supervisor")[1])
    response = client.get("/api/v1/stats", params={"date": day})
    assert response.status_code == 400, response.text
    assert response.json()["error"]["fields"][0]["field"] == "date"
    assert client.get("/api/v1/stats", params={"date": "2026-04-27"}).status_code == 200


def test_last_event_id_beyond_the_sequence_range_is_400(agent):
    _, client = agent
    response = client.get("/api/v1/events", headers={"Last-Event-ID": str(2**63)})
    assert response.status_code == 400, response.text
    assert response.json()["error"]["fields"][0]["field"] == "Last-Event-ID"


def test_an_unknown_query_parameter_is_400_naming_it_on_every_route(live_server):
    """Every operation of the API's own document, with its declared query parameters and
    one made up: 400 naming the made-up one, before anything else is looked at."""
    admin = live_server.client(live_server.make_user("admin")[1])
    spec = admin.get(f"{API}/openapi.json").json()
    checked = 0
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            params = operation.get("parameters", [])
            url = path
            for p in params:
                if p["in"] == "path":
                    url = url.replace("{" + p["name"] + "}", "x1")
            declared = {p["name"]: "1" for p in params if p["in"] == "query"}
            query = {**declared, "telefoon": "0612345678"}
            response = admin.request(method.upper(), url, params=query)
            error = _error(response, 400, "bad_request")
            assert error["fields"] == [{"field": "telefoon", "message": "Unknown query parameter."}]
            checked += 1
    assert checked >= 25
    for own in ("/openapi.json", "/docs"):  # the API's description too, outside its document
        assert admin.get(f"{API}{own}").status_code == 200
        _error(admin.get(f"{API}{own}", params={"token": "secret"}), 400, "bad_request")
    both = admin.get(f"{API}/tasks", params={"teams": "afval", "statuss": "open", "limit": 5})
    error = _error(both, 400, "bad_request")
    assert [f["field"] for f in error["fields"]] == ["teams", "statuss"]
    assert admin.get(f"{API}/tasks", params={"team": "afval", "limit": 5}).status_code == 200
    assert admin.get(f"{API}/report", params={"from": "2026-11-01", "to": "2026-11-02"}).is_success
