"""ContactWorkspace without Textual: the open contacts, drafts, park/switch, stale edits."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from loket.domain.errors import DomainError
from loket.domain.kpi import daily_report
from loket.domain.models import OUTCOME_RESOLVED, ContactStatus
from loket.tui.workspace import CallState, ContactWorkspace, Snapshot, is_untouched
from tests.tui.helpers import open_services


@pytest.fixture
def services(tmp_path: Path):
    services = open_services(tmp_path, warm=False)
    yield services
    services.close()


def _workspace(services) -> ContactWorkspace:
    workspace = ContactWorkspace(services)
    workspace.restore()
    workspace.take_call()
    return workspace


def test_module_does_not_import_textual() -> None:
    code = "import sys, loket.tui.workspace; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_an_edit_for_another_contact_is_dropped(services) -> None:
    workspace = _workspace(services)
    first = workspace.current
    assert workspace.edit(first.id, "customer.phone", "0612345678")
    workspace.park()
    second = workspace.new_contact()
    # A message still queued for the first caller arrives after the switch.
    assert not workspace.edit(first.id, "customer.phone", "0699999999")
    assert not workspace.edit(first.id, "question.notes", "tail of a note")
    assert second.customer is None and second.questions[0].notes == ""
    assert workspace.parked[first.id].customer.phone == "0612345678"


def test_same_value_is_no_change(services) -> None:
    workspace = _workspace(services)
    contact = workspace.current
    assert not workspace.edit(contact.id, "customer.name", "")
    assert not workspace.dirty
    assert workspace.edit(contact.id, "customer.name", "Jan")
    assert not workspace.edit(contact.id, "customer.name", "Jan")


def test_untouched_resolve_stores_nothing(services) -> None:
    workspace = _workspace(services)
    contact = workspace.current
    assert is_untouched(contact)
    workspace.edit(contact.id, "channel", "balie")  # a channel alone is no contact yet
    assert workspace.resolve() is None
    assert workspace.current is contact and contact.questions[0].outcome is None
    assert services.contacts.recent() == []


def test_failed_resolve_takes_the_default_outcome_back(services) -> None:
    workspace = _workspace(services)
    contact = workspace.current
    workspace.edit(contact.id, "customer.phone", "12345")
    with pytest.raises(DomainError):
        workspace.resolve()
    assert contact.questions[0].outcome is None
    assert workspace.current is contact and contact.status == ContactStatus.OPEN


def test_resolve_applies_the_snapshot_and_drops_the_draft(services) -> None:
    workspace = _workspace(services)
    contact = workspace.current
    snapshot = Snapshot(
        contact_id=contact.id,
        question_id=contact.questions[0].id,
        channel="balie",
        customer={"name": "Jan", "phone": "0612345678", "email": "", "bsn": ""},
        subject="Paspoort",
        outcome=None,
        notes="Komt morgen langs",
    )
    assert workspace.apply(snapshot)
    workspace.save_draft()
    assert f"contact:{contact.id}" in services.contacts.drafts()
    closed = workspace.resolve()
    assert closed is not None and workspace.state == CallState.WRAPUP
    assert workspace.current.id == contact.id  # on screen for its wrap-up
    workspace.end_wrapup()
    assert workspace.current is None and workspace.state == CallState.WAITING
    stored = services.contacts.get(contact.id)
    assert stored.channel == "balie" and stored.customer.name == "Jan"
    assert stored.questions[0].notes == "Komt morgen langs"
    assert stored.questions[0].outcome == OUTCOME_RESOLVED
    assert f"contact:{contact.id}" not in services.contacts.drafts()


def test_snapshot_of_another_contact_changes_nothing(services) -> None:
    workspace = _workspace(services)
    snapshot = Snapshot("someone-else", "", "balie", {"name": "X"}, "s", None, "n")
    assert not workspace.apply(snapshot)
    assert workspace.current.customer is None


def test_restore_after_crash_brings_back_current_and_parked(services, tmp_path: Path) -> None:
    workspace = _workspace(services)
    first = workspace.current
    workspace.edit(first.id, "question.text", "Eerste")
    workspace.park()
    second = workspace.new_contact()
    workspace.edit(second.id, "question.notes", "Tweede, nog niet geldig")
    workspace.edit(second.id, "customer.phone", "123")  # invalid: only in the draft
    workspace.save_draft()

    again = ContactWorkspace(services)  # the console was killed; a new one starts
    assert again.restore() == 2
    assert again.current.id == second.id
    assert again.current.questions[0].notes == "Tweede, nog niet geldig"
    assert list(again.parked) == [first.id]
    assert again.parked[first.id].questions[0].text == "Eerste"


def test_switch_parks_the_current_contact(services) -> None:
    workspace = _workspace(services)
    first = workspace.current
    workspace.edit(first.id, "customer.name", "Anna")
    workspace.park()
    second = workspace.new_contact()
    workspace.edit(second.id, "customer.name", "Bert")
    assert workspace.switch_to(first.id) is first
    assert workspace.current is first and list(workspace.parked) == [second.id]
    assert workspace.switch_to(first.id) is None  # already current
    assert workspace.switch_to("missing") is None
    assert services.contacts.get(second.id).customer.name == "Bert"


def test_products_follow_their_question(services) -> None:
    workspace = _workspace(services)
    contact = workspace.current
    first_q = contact.questions[0]
    workspace.add_question()
    assert workspace.q_index == 1
    assert workspace.set_product(contact.id, first_q.id, "paspoort", True)
    assert not workspace.set_product(contact.id, first_q.id, "paspoort", True)
    assert first_q.products == ["paspoort"] and contact.questions[1].products == []
    assert workspace.record_product("rijbewijs")
    assert contact.questions[1].products == ["rijbewijs"]


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def test_call_flow_stores_talk_and_wrapup_time_separately(services) -> None:
    clock = Clock()
    workspace = ContactWorkspace(services, clock=clock)
    workspace.restore()
    assert workspace.current is None and workspace.state == CallState.WAITING
    clock.advance(300)  # waiting for a caller is no one's handling time
    contact = workspace.take_call()
    assert contact.started_at == clock.now and workspace.state == CallState.TALKING
    assert workspace.take_call() is None  # one call at a time
    workspace.edit(contact.id, "question.text", "Paspoort")
    clock.advance(120)
    workspace.resolve()
    assert workspace.state == CallState.WRAPUP and workspace.since == clock.now
    workspace.edit(contact.id, "question.notes", "Nawerk: afspraak gemaakt")
    clock.advance(45)
    second = workspace.take_call()  # ends the wrap-up, starts the next call
    assert second is not None and second.id != contact.id
    stored = services.contacts.get(contact.id)
    assert stored.talk_seconds() == 120 and stored.wrapup_seconds() == 45
    assert stored.handling_seconds() == 165
    assert stored.questions[0].notes == "Nawerk: afspraak gemaakt"
    report = daily_report([stored], [], now=clock.now, day=clock.now.date())
    assert report.handling.mean_seconds == 165


def test_discard_an_unsaved_contact_stores_nothing(services) -> None:
    workspace = _workspace(services)
    contact = workspace.current
    workspace.edit(contact.id, "question.text", "verkeerd verbonden")
    workspace.save_draft()
    assert workspace.discard() is contact
    assert workspace.current is None and workspace.state == CallState.WAITING
    assert (
        services.contacts.get(contact.id) is None
        and services.contacts.drafts().get(f"contact:{contact.id}") is None
    )


def test_a_discarded_stored_contact_is_in_no_figure(services) -> None:
    workspace = _workspace(services)
    contact = workspace.current
    workspace.edit(contact.id, "customer.phone", "0612345678")
    workspace.park()  # valid, so stored
    workspace.switch_to(contact.id)
    workspace.discard()
    stored = services.contacts.get(contact.id)
    assert stored.status == ContactStatus.DISCARDED
    assert services.contacts.open() == []
    report = daily_report([stored], [], now=stored.started_at, day=None)
    assert report.contacts == 0 and report.fcr_counted == 0


def test_restart_during_wrapup_comes_back_in_wrapup(services) -> None:
    workspace = _workspace(services)
    contact = workspace.current
    workspace.edit(contact.id, "question.text", "Afval")
    workspace.resolve()
    workspace.edit(contact.id, "question.notes", "nog aan het typen")
    workspace.save_draft()
    again = ContactWorkspace(services)
    again.restore()
    assert again.state == CallState.WRAPUP and again.current.id == contact.id
    assert again.current.questions[0].notes == "nog aan het typen"


# -- the screen pop ---------------------------------------------------------------------------


def _call(call_id: str = "pbx-1", caller: str = "0612345678", at: datetime | None = None):
    from loket.tui.workspace import PoppedCall

    return PoppedCall(call_id, caller, at or datetime(2026, 3, 2, 8, 59, 50, tzinfo=UTC))


def test_a_popped_call_opens_a_phone_contact_from_its_answer(services) -> None:
    clock = Clock()
    workspace = ContactWorkspace(services, clock=clock)
    workspace.restore()
    services.store.set_meta("last_channel", "balie")
    contact = workspace.pop_call(_call())
    assert contact is workspace.current and workspace.state == CallState.TALKING
    assert (contact.channel, contact.call_id) == ("telefoon", "pbx-1")
    assert contact.started_at == workspace.since == datetime(2026, 3, 2, 8, 59, 50, tzinfo=UTC)
    assert contact.customer.phone == "0612345678"
    # In the draft at once: a console killed now comes back with the call, once.
    again = ContactWorkspace(services, clock=clock)
    again.restore()
    assert again.current.call_id == "pbx-1" and again.has_call("pbx-1")
    assert again.pop_call(_call()) is None and again.parked == {}


def test_a_popped_call_never_starts_in_the_future_and_may_have_no_number(services) -> None:
    clock = Clock()
    workspace = ContactWorkspace(services, clock=clock)
    workspace.restore()
    ahead = clock.now + timedelta(seconds=5)  # the platform's clock runs ahead
    contact = workspace.pop_call(_call(caller="", at=ahead))
    assert contact.started_at == clock.now and contact.customer is None


def test_a_call_popped_while_talking_waits_until_the_contact_is_parked(services) -> None:
    workspace = _workspace(services)
    first = workspace.current
    workspace.edit(first.id, "question.notes", "halverwege")
    assert workspace.busy
    assert workspace.pop_call(_call()) is None
    assert workspace.current is first and workspace.pending_call.call_id == "pbx-1"
    assert workspace.pop_call(_call()) is None  # the same call again changes nothing
    assert workspace.take_pending() is None  # still talking
    workspace.park()
    popped = workspace.take_pending()
    assert popped is not None and popped.call_id == "pbx-1"
    assert workspace.pending_call is None
    assert workspace.parked[first.id].questions[0].notes == "halverwege"


def test_a_clean_wrapup_gives_way_but_an_edited_one_keeps_the_call_pending(services) -> None:
    clock = Clock()
    workspace = ContactWorkspace(services, clock=clock)
    workspace.restore()
    first = workspace.take_call()
    workspace.edit(first.id, "question.text", "Paspoort")
    workspace.resolve()
    clock.advance(10)
    popped = workspace.pop_call(_call("pbx-1"))  # nothing typed since the close
    assert popped is not None and workspace.current is popped
    assert services.contacts.get(first.id).ended_at == clock.now  # the wrap-up was stored

    workspace.edit(popped.id, "question.text", "Afval")
    workspace.resolve()
    workspace.edit(popped.id, "question.notes", "nawerk in wording")
    assert workspace.busy
    assert workspace.pop_call(_call("pbx-2")) is None
    assert workspace.current.id == popped.id and workspace.state == CallState.WRAPUP
    nxt = workspace.take_call()  # F12 takes the caller the platform put through
    assert nxt is not None and nxt.call_id == "pbx-2"
    assert services.contacts.get(popped.id).questions[0].notes == "nawerk in wording"


def test_a_wrapup_restored_from_its_draft_counts_as_edited(services) -> None:
    workspace = _workspace(services)
    contact = workspace.current
    workspace.edit(contact.id, "question.text", "Afval")
    workspace.resolve()
    workspace.edit(contact.id, "question.notes", "nog aan het typen")
    workspace.save_draft()
    again = ContactWorkspace(services)
    again.restore()
    assert again.state == CallState.WRAPUP and again.busy


def test_talk_time_ends_when_the_platform_ends_the_call(services) -> None:
    """The caller hung up at 3 min; the agent typed on for 40 s and pressed F5, then
    wrapped up for 20 s: talk 180 s, wrap-up 60 s, as the call events say."""
    clock = Clock()
    workspace = ContactWorkspace(services, clock=clock)
    workspace.restore()
    contact = workspace.pop_call(_call(at=clock.now))
    workspace.edit(contact.id, "question.notes", "Vraag over de afvalpas")
    clock.advance(180)
    assert workspace.call_ended("pbx-1") is None  # nothing was waiting to open
    clock.advance(40)
    closed = workspace.resolve()
    assert workspace.state == CallState.WRAPUP and workspace.since == closed.wrapup_started_at
    clock.advance(20)
    stored = workspace.end_wrapup()
    assert (stored.talk_seconds(), stored.wrapup_seconds()) == (180.0, 60.0)
    other = workspace.take_call()  # a contact without a call keeps F5 as its talk end
    workspace.edit(other.id, "question.notes", "Balievraag")
    assert workspace.call_ended("pbx-1") is None
    clock.advance(30)
    assert workspace.resolve().talk_seconds() == 30.0
