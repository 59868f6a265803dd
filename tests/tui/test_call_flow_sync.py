"""Wrap-up time and discarded contacts reach the central store intact (real HTTP)."""

from __future__ import annotations

from pathlib import Path

from loket.domain.models import from_iso
from loket.tui.workspace import ContactWorkspace
from tests.tui.helpers import open_services


def test_wrapup_and_discarded_round_trip_through_the_server(tmp_path: Path, live_server) -> None:
    name, token = live_server.make_user("agent", ["kcc"])
    services = open_services(tmp_path, name=name, server_url=live_server.url, token=token)
    try:
        workspace = ContactWorkspace(services)
        workspace.restore()
        done = workspace.take_call()
        workspace.edit(done.id, "question.text", "Paspoort")
        workspace.resolve()
        workspace.end_wrapup()
        misdial = workspace.take_call()
        workspace.edit(misdial.id, "customer.phone", "0612345678")
        workspace.park()
        workspace.switch_to(misdial.id)
        workspace.discard()
        services.sync.now()
        client = live_server.client(token)
        local = services.contacts.get(done.id)
        remote = client.get(f"/api/v1/contacts/{done.id}").json()
        assert from_iso(remote["wrapup_started_at"]) == local.wrapup_started_at
        assert from_iso(remote["ended_at"]) == local.ended_at
        assert client.get(f"/api/v1/contacts/{misdial.id}").json()["status"] == "discarded"
        _, supervisor = live_server.make_user("supervisor", [])
        stats = live_server.client(supervisor).get("/api/v1/stats").json()
        assert stats["contacts"] == 1  # the misdial is in no figure
    finally:
        services.close()
