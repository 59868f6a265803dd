"""BSNs in the central store: masked on every route, shown in full only through the
access-logged show-BSN call, encrypted at rest, keyed by a secret outside the database."""

from __future__ import annotations

import pytest

from tests.conftest import BACKENDS
from tests.server.helpers import (
    API,
    VALID_BSN,
    contact,
    create,
    pull_all,
    push,
    save,
    task,
    with_customer,
)

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)

MASKED = "*****2333"  # VALID_BSN masked


def _registered(live_server):
    """An agent with one contact carrying a BSN, routed to burgerzaken."""
    anna, token = live_server.make_user("agent")
    client = live_server.client(token)
    data = with_customer(contact(anna))
    routed = task(anna, team="burgerzaken", contact_id=data["id"])
    results = push(client, save(data), create(routed))
    assert [r["status"] for r in results] == ["applied", "applied"]
    return anna, client, data


def test_every_route_returns_the_bsn_masked(live_server):
    _, client, data = _registered(live_server)
    supervisor = live_server.client(live_server.make_user("supervisor")[1])
    for reader in (client, supervisor):
        got = reader.get(f"{API}/contacts/{data['id']}").json()
        assert got["customer"]["bsn"] == MASKED
        listed = reader.get(f"{API}/contacts").json()["items"]
        assert [c["customer"]["bsn"] for c in listed] == [MASKED]
        entries, _ = pull_all(reader)
        pulled = [e["data"] for e in entries if e["entity"] == "contact"]
        assert [c["customer"]["bsn"] for c in pulled] == [MASKED]
        found = reader.post(f"{API}/customers/lookup", json={"bsn": VALID_BSN}).json()["items"]
        assert [(c["id"], c["customer"]["bsn"]) for c in found] == [(data["id"], MASKED)]
        # Everything else about the customer is served as before.
        assert got["customer"]["name"] == "Jan Jansen"


def test_show_bsn_by_role_with_reason_and_access_logged(live_server):
    anna, client, data = _registered(live_server)
    url = f"{API}/contacts/{data['id']}/bsn"
    reason = {"reason": "Inwoner vraagt naar status aanvraag"}
    shown = client.post(url, json=reason)
    assert shown.status_code == 200, shown.text
    assert shown.json() == {"contact_id": data["id"], "bsn": VALID_BSN}
    assert shown.headers["cache-control"] == "no-store"

    allowed = {
        "supervisor": live_server.make_user("supervisor"),
        "backoffice": live_server.make_user("backoffice", ["burgerzaken"]),
    }
    refused = {
        "other agent": live_server.make_user("agent"),
        "other team": live_server.make_user("backoffice", ["wmo"]),
        "admin": live_server.make_user("admin"),
    }
    for _, (_, token) in allowed.items():
        assert live_server.client(token).post(url, json=reason).json()["bsn"] == VALID_BSN
    for who, (_, token) in refused.items():
        assert live_server.client(token).post(url, json=reason).status_code == 403, who

    no_reason = client.post(url, json={})
    assert no_reason.status_code == 422
    assert no_reason.json()["error"]["fields"][0]["field"] == "reason"
    assert client.post(url, json={"reason": "kort"}).status_code == 422
    with_number = client.post(url, json={"reason": f"klopt {VALID_BSN[:4]} {VALID_BSN[4:]}?"})
    assert with_number.status_code == 422
    assert client.post(f"{API}/contacts/nope/bsn", json=reason).status_code == 404

    admin = live_server.client(live_server.make_user("admin")[1])
    log = admin.get(f"{API}/access-log").json()["items"]
    shows = [(e["user"], e["contact_id"], e["note"]) for e in log if e["reason"] == "show_bsn"]
    expected = [anna, allowed["supervisor"][0], allowed["backoffice"][0]]
    assert sorted(shows) == sorted((u, data["id"], reason["reason"]) for u in expected)
    assert VALID_BSN not in str(log)


def test_a_masked_bsn_sent_back_means_unchanged(live_server):
    anna, client, data = _registered(live_server)
    echoed = client.get(f"{API}/contacts/{data['id']}").json()
    echoed["rev"] = 2
    echoed["satisfaction"] = 4
    assert [r["status"] for r in push(client, save(echoed))] == ["applied"]
    url = f"{API}/contacts/{data['id']}/bsn"
    assert client.post(url, json={"reason": "controle na wijziging"}).json()["bsn"] == VALID_BSN
    found = client.post(f"{API}/customers/lookup", json={"bsn": VALID_BSN}).json()["items"]
    assert [c["id"] for c in found] == [data["id"]]

    wrong = {**echoed, "rev": 3, "customer": {**echoed["customer"], "bsn": "*****9999"}}
    fresh = with_customer(contact(anna), bsn=MASKED)  # a mask for a contact the store lacks
    results = push(client, save(wrong), save(fresh))
    assert [r["status"] for r in results] == ["rejected", "rejected"]
    assert {r["error"]["fields"][0]["field"] for r in results} == {"payload.contact.customer.bsn"}
