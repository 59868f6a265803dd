"""The console and BSNs: it keeps the full number of a contact it registered (it may still
edit and push it) although the central store sends it back masked; contacts registered
by others reach a console only masked."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from loket.config import Settings
from loket.domain.models import Customer
from loket.services import ConsoleServices

BSN = "111222333"


def _console(tmp_path: Path, name: str, live: Any, token: str) -> ConsoleServices:
    settings = Settings(state_dir=tmp_path / name, server_url=live.url, token=token)
    return ConsoleServices.open(settings)


def _tables(services: ConsoleServices) -> str:
    """Every row of every table of a console's store, as text."""
    with services.store.transaction() as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        rows = [row for name in names for row in conn.execute(f'SELECT * FROM "{name}"')]
    return "\n".join(str(row) for row in rows)


def test_an_open_contact_keeps_its_bsn_on_the_console(tmp_path: Path, server_factory) -> None:
    [live] = server_factory()
    _, token = live.make_user("agent", name="anna")
    anna = _console(tmp_path, "anna", live, token)
    try:
        contact = anna.contacts.new("telefoon")
        contact.customer = Customer(bsn=BSN)
        contact.questions[0].text = "Paspoort"
        parked = anna.contacts.save(contact)  # open: the agent comes back to it
        assert anna.sync.now().error is None and anna.sync.state().outbox == 0
        assert anna.store.get_contact(parked.id).customer.bsn == BSN
    finally:
        anna.close()


def test_own_bsn_kept_through_pull_others_only_masked(
    tmp_path: Path, server_factory: Callable[..., Any]
) -> None:
    [live] = server_factory()
    _, anna_token = live.make_user("agent", name="anna")
    _, sam_token = live.make_user("supervisor", name="sam")
    anna = _console(tmp_path, "anna", live, anna_token)
    sam = _console(tmp_path, "sam", live, sam_token)
    try:
        contact = anna.contacts.new("telefoon")
        contact.customer = Customer(name="Jan", bsn=BSN)
        contact.questions[0].text = "Paspoort"
        saved = anna.contacts.save(contact)
        assert anna.sync.now().error is None
        assert anna.sync.now().error is None  # pulls its own contact back (masked)
        mine = anna.store.get_contact(saved.id)
        assert mine is not None and mine.customer is not None
        assert mine.customer.bsn == BSN  # the masks agree: the typed number stays
        # ... so the agent can go on with the contact and push it again.
        mine.questions[0].outcome = "zelfstandig afgehandeld"
        closed = anna.contacts.close(mine)
        assert anna.sync.now().error is None and anna.sync.state().outbox == 0
        assert anna.sync.state().rejected == 0
        # Closed and on the server: this console keeps only the masked form from now on.
        kept = anna.store.get_contact(closed.id)
        assert kept is not None and kept.customer is not None
        assert kept.customer.bsn == "*****2333"
        assert anna.sync.now().error is None  # a later pull does not bring it back
        assert anna.store.get_contact(closed.id).customer.bsn == "*****2333"
        assert BSN not in _tables(anna)
        assert anna.contacts.show_bsn(closed.id, "inwoner belt terug") == BSN  # the server has it

        assert sam.sync.now().error is None
        theirs = sam.store.get_contact(closed.id)
        assert theirs is not None and theirs.customer is not None
        assert theirs.customer.bsn == "*****2333"
        assert BSN not in _tables(sam)
        assert BSN.encode() not in b"".join(
            p.read_bytes() for p in (tmp_path / "sam").glob("*.sqlite3*")
        )
        found = sam.contacts.customer_history({"bsn": BSN})
        assert [h.id for h in found] == [closed.id]
    finally:
        anna.close()
        sam.close()
