"""Today's figures are kept current on write (loket.server.storage.live_figures): a push
shows in GET /stats and the report at once, across midnight, and the summary kept on
write equals the one built from the rows after every step, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from loket.domain.models import OUTCOME_RESOLVED, OUTCOME_ROUTED
from loket.server.storage import figures
from tests.conftest import BACKENDS
from tests.server.helpers import API, act_on_task, contact, create, push, save, task

pg = pytest.mark.parametrize("backend", BACKENDS, indirect=True)


class _RolledBack(Exception):
    pass


def _normalised(days: list, hist: list) -> tuple[list, list]:
    """Summary rows comparable: sums rounded (a sum kept on write adds in another order),
    an empty sum (NULL or 0.0) left out."""

    def norm(row: dict[str, Any]) -> tuple:
        return tuple(
            sorted(
                (k, round(float(v), 6) if isinstance(v, float) else v)
                for k, v in row.items()
                if not (k.endswith("_sum") and not v)
            )
        )

    return sorted(map(norm, days)), sorted(map(norm, hist))


def _rows(tx: Any, day: str) -> tuple[list, list]:
    days = tx.run("SELECT * FROM figure_days WHERE local_day = ?", (day,))
    return days, tx.run("SELECT * FROM figure_hist WHERE local_day = ?", (day,))


def _assert_as_built(storage: Any, day: str) -> None:
    """The summary kept on write is what a build from the rows makes (the build is
    rolled back)."""
    with storage.read() as r:
        kept = _normalised(*_rows(r, day))
    built: tuple[list, list] = ([], [])
    try:
        with storage.write() as w:
            w.build_days(figures.Days(days=[day]))
            built = _normalised(*_rows(w, day))
            raise _RolledBack
    except _RolledBack:
        pass
    assert kept[0] and kept == built


def _stats(client: Any, day: str | None = None) -> dict[str, Any]:
    params = {"date": day} if day else {}
    answer = client.get(f"{API}/stats", params=params)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _report(client: Any, day: str, by: str) -> dict[str, dict[str, Any]]:
    answer = client.get(f"{API}/report", params={"from": day, "to": day, "by": by})
    assert answer.status_code == 200, answer.text
    return {g["group"]: g for g in answer.json()["groups"]}


@pg
def test_todays_figures_follow_each_push_at_once_and_across_midnight(
    live_server: Any,
) -> None:
    clock = {"now": datetime(2026, 12, 3, 22, 40, tzinfo=UTC)}  # 23:40 in Amsterdam
    live_server.server.store.figures.ctx.clock = lambda: clock["now"]
    storage = live_server.server.store.storage
    agent, agent_token = live_server.make_user("agent")
    _, sup_token = live_server.make_user("supervisor")
    desk, sup = live_server.client(agent_token), live_server.client(sup_token)
    day = "2026-12-03"
    assert _stats(sup)["contacts"] == 0  # the 3rd is the live day now, empty

    # An open contact with a question without outcome: counted at once.
    first = contact(agent, started_at="2026-12-03T22:45:00+00:00", status="open")
    first["questions"][0]["outcome"] = None
    push(desk, save(first))
    now = _stats(sup)
    assert (now["contacts"], now["questions"], now["fcr_counted"]) == (1, 1, 0)
    assert now["handling"]["count"] == 0
    _assert_as_built(storage, day)

    # The same contact closed, resolved, 5 minutes: FCR and handling time change.
    first.update(rev=2, status="closed", ended_at="2026-12-03T22:50:00+00:00")
    first["questions"][0]["outcome"] = OUTCOME_RESOLVED
    push(desk, save(first))
    now = _stats(sup)
    assert (now["contacts"], now["fcr"], now["handling"]["count"]) == (1, 1.0, 1)
    assert now["handling"]["mean_seconds"] == 300
    _assert_as_built(storage, day)

    # A routed contact and its task: FCR halves, the contact counts for the team.
    second = contact(
        agent, started_at="2026-12-03T22:52:00+00:00", status="closed",
        ended_at="2026-12-03T22:54:00+00:00", channel="e-mail",
    )  # fmt: skip
    routed = task(agent, contact_id=second["id"])
    second["questions"][0].update(outcome=OUTCOME_ROUTED, task_id=routed["id"])
    push(desk, save(second), create(routed))
    now = _stats(sup)
    assert (now["contacts"], now["fcr"], now["per_channel"]) == (
        2, 0.5, {"e-mail": 1, "telefoon": 1},
    )  # fmt: skip
    teams = _report(sup, day, "team")
    assert (teams["burgerzaken"]["contacts"], teams["burgerzaken"]["tasks"]) == (1, 1)
    assert teams["–"]["contacts"] == 1
    _assert_as_built(storage, day)

    # The back office forwards the task and the other team resolves it: the contact and
    # the task move to that team, the task counts as resolved.
    _, bo_token = live_server.make_user("backoffice", teams=("burgerzaken",))
    _, tax_token = live_server.make_user("backoffice", teams=("belastingen",))
    act_on_task(live_server.client(bo_token), routed["id"], "forward", team="belastingen",
                note="hoort bij belastingen")  # fmt: skip
    tax = live_server.client(tax_token)
    act_on_task(tax, routed["id"], "claim")
    act_on_task(tax, routed["id"], "resolve", resolution="Gedaan.")
    teams = _report(sup, day, "team")
    assert "burgerzaken" not in teams
    assert (teams["belastingen"]["contacts"], teams["belastingen"]["resolved"]) == (1, 1)
    _assert_as_built(storage, day)

    # Past midnight (00:10 on the 4th): a new contact is today's; a late change to the
    # one of 23:45 belongs to the 3rd and shows in that day's figures.
    clock["now"] = datetime(2026, 12, 3, 23, 10, tzinfo=UTC)
    third = contact(
        agent, started_at="2026-12-03T23:05:00+00:00", status="closed",
        ended_at="2026-12-03T23:06:00+00:00",
    )  # fmt: skip
    first.update(rev=3, satisfaction=4)
    push(desk, save(third), save(first))
    now = _stats(sup)
    assert (now["day"], now["contacts"], now["handling"]["mean_seconds"]) == ("2026-12-04", 1, 60)
    _assert_as_built(storage, "2026-12-04")
    before = _stats(sup, day)
    assert (before["contacts"], before["fcr"]) == (2, 0.5)
    channels = _report(sup, day, "channel")
    assert (channels["telefoon"]["rated"], channels["telefoon"]["satisfaction_mean"]) == (1, 4)
    _assert_as_built(storage, day)

    # And today's goes on: the contact of 00:05 reopened (discarded) leaves today's figures.
    third.update(rev=2, status="discarded")
    push(desk, save(third))
    assert _stats(sup)["contacts"] == 0


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_the_same_new_contact_pushed_to_two_servers_at_once_counts_once(server_factory) -> None:
    """A console that retries a push on a second server process while the first is still
    writing it: the transactions race for a contact none has stored yet (4 at once, 40
    times). The summary must count each contact once, as a build from the rows does."""
    import threading

    first, second = server_factory(n=2)
    agent, token = first.make_user("agent")
    clients = [first.client(token), second.client(token)]
    now = datetime.now(UTC)
    records = []
    for _ in range(40):
        record = contact(agent, started_at=now.isoformat(), status="closed")
        record["ended_at"] = now.isoformat()
        records.append(record)
        barrier = threading.Barrier(4)

        def send(client: Any, record: dict[str, Any] = record, barrier: Any = barrier) -> None:
            barrier.wait()
            push(client, save(record))

        threads = [threading.Thread(target=send, args=(c,)) for c in clients * 2]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    _, sup_token = first.make_user("supervisor")
    stats = _stats(first.client(sup_token))
    assert stats["contacts"] == len(records)
    _assert_as_built(first.server.store.storage, stats["day"])
