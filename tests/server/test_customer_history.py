"""A resident's history across the whole KCC: what a colleague may see of an earlier
contact, its routed question's task as it stands now, and the access log's "why"."""

from __future__ import annotations

import pytest

from loket.domain.models import OUTCOME_ROUTED
from tests.conftest import BACKENDS
from tests.server.helpers import (
    API,
    act_on_task,
    contact,
    create,
    push,
    routed_contact,
    save,
    with_customer,
)

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)

PHONE = "+31 6 1234 5678"


def _lookup(client, **body) -> list[dict]:
    response = client.post(f"{API}/customers/lookup", json=body)
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_a_colleague_sees_the_closed_history_with_the_task_as_it_stands(live_server):
    anna, anna_token = live_server.make_user("agent")
    bob, bob_token = live_server.make_user("agent")
    _, bo_token = live_server.make_user("backoffice", ["burgerzaken"])
    earlier, routed = routed_contact(anna, name="Jan Jansen")
    draft = with_customer(contact(anna))  # still open: anna's own work, not history
    results = push(live_server.client(anna_token), save(earlier), create(routed), save(draft))
    assert [r["status"] for r in results] == ["applied"] * 3
    bob_client = live_server.client(bob_token)

    found = _lookup(bob_client, phone=PHONE, for_contact="open-contact-of-bob")
    assert [c["id"] for c in found] == [earlier["id"]]
    entry = found[0]
    assert entry["agent"] == anna and entry["customer"]["bsn"] == "*****2333"
    question = entry["questions"][0]
    assert question["text"] == "Rijbewijs kwijt" and question["outcome"] == OUTCOME_ROUTED
    assert question["task"]["status"] == "open" and question["task"]["team"] == "burgerzaken"
    assert question["task"]["attempts"] == 0 and question["task"]["reached"] is None
    body = str(found)
    assert "belt vaak boos" not in body  # the agent's notes stay with the contact
    assert routed["internal_note"] not in body  # and the back office's note stays internal

    backoffice = live_server.client(bo_token)
    act_on_task(backoffice, routed["id"], "claim")
    act_on_task(backoffice, routed["id"], "callback-attempts", reached=False, note="voicemail")
    act_on_task(backoffice, routed["id"], "callback-attempts", reached=True)
    resolution = "Nieuw rijbewijs aangevraagd, ophalen over een week."
    act_on_task(backoffice, routed["id"], "resolve", resolution=resolution)
    question = _lookup(bob_client, phone=PHONE)[0]["questions"][0]
    assert question["task"]["status"] == "done"
    assert question["task"]["attempts"] == 2 and question["task"]["reached"] is True
    assert question["task"]["resolution"].startswith("Nieuw rijbewijs")
    assert question["task"]["assignee"]

    # Anna still finds her own open contact; the back office looks up no histories.
    mine = _lookup(live_server.client(anna_token), phone=PHONE)
    assert {c["id"] for c in mine} == {earlier["id"], draft["id"]}
    assert backoffice.post(f"{API}/customers/lookup", json={"phone": PHONE}).status_code == 403

    admin = live_server.client(live_server.make_user("admin")[1])
    log = admin.get(f"{API}/access-log").json()["items"]
    bobs = [(e["reason"], e["contact_id"], e["note"]) for e in log if e["user"] == bob]
    assert ("lookup", earlier["id"], "open-contact-of-bob") in bobs
    assert all(contact_id != draft["id"] for _, contact_id, _ in bobs)


def test_a_returned_task_shows_its_reason_in_the_history(live_server):
    anna, anna_token = live_server.make_user("agent")
    _, bob_token = live_server.make_user("agent")
    _, bo_token = live_server.make_user("backoffice", ["burgerzaken"])
    earlier, routed = routed_contact(anna, name="Jan Jansen")
    push(live_server.client(anna_token), save(earlier), create(routed))
    backoffice = live_server.client(bo_token)
    act_on_task(backoffice, routed["id"], "claim")
    act_on_task(backoffice, routed["id"], "return", note="Geen geldig adres bekend")
    task_now = _lookup(live_server.client(bob_token), phone=PHONE)[0]["questions"][0]["task"]
    assert task_now["status"] == "returned"
    assert task_now["returned_reason"] == "Geen geldig adres bekend"


def test_a_business_is_found_by_kvk_and_a_household_by_postcode_and_house_number(live_server):
    anna, anna_token = live_server.make_user("agent")
    _, bob_token = live_server.make_user("agent")
    business = with_customer(
        contact(anna, status="closed"), phone="", email="", bsn="", kvk="1234 5678"
    )
    household = with_customer(
        contact(anna, status="closed"),
        phone="",
        email="",
        bsn="",
        postcode="1234ab",
        house_number="12 a",
    )
    neighbour = with_customer(
        contact(anna, status="closed"),
        phone="",
        email="",
        bsn="",
        postcode="1234 AB",
        house_number="12-B",
    )
    results = push(live_server.client(anna_token), save(business), save(household), save(neighbour))
    assert [r["status"] for r in results] == ["applied"] * 3
    bob = live_server.client(bob_token)

    assert [c["id"] for c in _lookup(bob, kvk="12345678")] == [business["id"]]
    found = _lookup(bob, postcode="1234 AB", house_number="12A")
    assert [c["id"] for c in found] == [household["id"]]  # never the neighbour at 12-B
    assert [c["id"] for c in _lookup(bob, postcode="1234AB", house_number="12-b")] == [
        neighbour["id"]
    ]
    # Half an address finds no household: both parts, or a clear error naming the missing one.
    response = bob.post(f"{API}/customers/lookup", json={"postcode": "1234 AB"})
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "house_number"
    response = bob.post(f"{API}/customers/lookup", json={"kvk": "1234"})
    assert response.status_code == 422
    assert "KvK" in response.json()["error"]["fields"][0]["message"]


def test_a_preferred_channel_without_its_detail_is_refused_naming_the_field(live_server):
    anna, anna_token = live_server.make_user("agent")
    record = with_customer(contact(anna), email="", preferred_channel="e-mail")
    result = push(live_server.client(anna_token), save(record))[0]
    assert result["status"] == "rejected", result
    fields = [f["field"] for f in result["error"]["fields"]]
    assert fields == ["payload.contact.customer.preferred_channel"]
