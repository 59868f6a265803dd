"""Reference numbers: the central store gives every contact one on its first save, unique
across the KCC also when several consoles push at once through several server processes,
keeps it through later saves whatever a console sends, and finds the contact by it."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from loket.domain.references import is_reference
from tests.conftest import BACKENDS
from tests.server.helpers import API, contact, pull_all, push, routed_contact, save

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)


def _references(client) -> dict[str, str]:
    """Contact id -> reference, from the change log (the newest entry of each)."""
    entries, _ = pull_all(client)
    return {e["id"]: e["data"]["reference"] for e in entries if e["entity"] == "contact"}


def test_concurrent_pushes_through_two_servers_give_unique_references(server_factory):
    one, two = server_factory(n=2)
    agents = [one.make_user("agent") for _ in range(6)]
    work = []
    for n, (name, token) in enumerate(agents):
        for b in range(8):
            batch = [save(contact(name)) for _ in range(3)]
            work.append((one if (n + b) % 2 else two, token, batch))

    def send(item):
        server, token, batch = item
        with server.client(token) as client:
            return push(client, *batch)

    with ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(send, work))
    assert all(r["status"] == "applied" for answer in answers for r in answer)
    _, boss = one.make_user("supervisor")
    refs = _references(one.client(boss))
    assert len(refs) == 6 * 8 * 3
    assert all(is_reference(ref) for ref in refs.values())
    assert len(set(refs.values())) == len(refs)  # unique across consoles and servers

    # A later save keeps the number, whatever the console sent with it.
    _, token = agents[0]
    first = next(item[2][0]["payload"]["contact"] for item in work if item[1] == token)
    again = {**first, "rev": 2, "reference": "99999997"}
    assert push(two.client(token), save(again))[0]["status"] == "applied"
    stored = two.client(token).get(f"{API}/contacts/{first['id']}").json()
    assert stored["reference"] == refs[first["id"]] and stored["rev"] == 2


def test_the_reference_finds_the_contact_across_the_kcc(live_server):
    anna, anna_token = live_server.make_user("agent")
    bob, bob_token = live_server.make_user("agent")
    earlier, _ = routed_contact(anna, name="Jan Jansen")
    draft = contact(anna)  # still open: anna's own work
    push(live_server.client(anna_token), save(earlier), save(draft))
    refs = _references(live_server.client(anna_token))
    bob_client = live_server.client(bob_token)

    spaced = f"{refs[earlier['id']][:4]} {refs[earlier['id']][4:]}"  # as read out
    body = {"reference": spaced, "for_contact": "bobs-open-contact"}
    response = bob_client.post(f"{API}/customers/lookup", json=body)
    assert response.status_code == 200, response.text
    (found,) = response.json()["items"]
    assert found["id"] == earlier["id"] and found["reference"] == refs[earlier["id"]]
    assert "belt vaak boos" not in response.text  # what a lookup shows, nothing more

    # A colleague's open work is not history, not even by its number.
    response = bob_client.post(f"{API}/customers/lookup", json={"reference": refs[draft["id"]]})
    assert response.status_code == 200 and response.json()["items"] == []

    # A misheard digit is no reference: a clear error, not someone else's contact.
    wrong = refs[earlier["id"]][:-1] + str((int(refs[earlier["id"]][-1]) + 1) % 10)
    response = bob_client.post(f"{API}/customers/lookup", json={"reference": wrong})
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "reference"

    _, admin = live_server.make_user("admin")
    log = live_server.client(admin).get(f"{API}/access-log").json()["items"]
    assert any(
        e["user"] == bob and e["contact_id"] == earlier["id"] and e["note"] == "bobs-open-contact"
        for e in log
    )
