"""`loket ticket`, `loket queue` and `loket simulate` against a real server; the live
feed reflects a posted event within a second."""

from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from loket.live_view import LiveFeed, open_client, queue_rows, render
from tests.server.helpers import API


@pytest.fixture
def cli():
    from loket.cli import app

    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args))


def test_ticket_prints_the_number_and_refusals_name_the_field(live_server, cli):
    _, kiosk = live_server.make_user("integration")
    out = cli("ticket", "burgerzaken", "--server", live_server.url, "--token", kiosk)
    assert out.exit_code == 0, out.output
    assert out.output.startswith("B001  (0 ahead, expected wait")
    bad = cli("ticket", "nergens", "--server", live_server.url, "--token", kiosk)
    assert bad.exit_code == 2 and "service: onbekende wachtrij 'nergens'" in bad.output


def test_queue_once_shows_the_servers_figures(live_server, cli):
    _, sup = live_server.make_user("supervisor")
    _, kiosk = live_server.make_user("integration")
    live_server.client(kiosk).post(f"{API}/tickets", json={"service": "burgerzaken"})
    out = cli("queue", "--once", "--json", "--server", live_server.url, "--token", sup)
    assert out.exit_code == 0, out.output
    figures = json.loads(out.output)
    counter = next(q for q in figures["live"]["queues"] if q["queue"] == "burgerzaken")
    assert counter["waiting"] == 1 and figures["stats"] is not None
    text = cli("queue", "--once", "--server", live_server.url, "--token", sup)
    assert "burgerzaken" in text.output and "SL / target" in text.output
    denied = cli("queue", "--once", "--server", live_server.url, "--token", kiosk)
    assert denied.exit_code == 1 and "error:" in denied.output


def test_live_feed_follows_an_event_within_a_second(live_server):
    _, sup = live_server.make_user("supervisor")
    _, pbx = live_server.make_user("integration")
    feed = LiveFeed(open_client(live_server.url, sup), idle_interval=30.0)
    seen: list[tuple[float, int]] = []

    def follow() -> None:
        for snap in feed.snapshots():
            algemeen = next(q for q in snap.live["queues"] if q["queue"] == "algemeen")
            seen.append((time.monotonic(), algemeen["waiting"]))

    thread = threading.Thread(target=follow, daemon=True)
    thread.start()
    pbx_client = live_server.client(pbx)

    def offer(call_id: str) -> float:
        event = {
            "event_id": str(uuid.uuid4()),
            "call_id": call_id,
            "kind": "offered",
            "at": datetime.now(UTC).isoformat(),
            "queue": "algemeen",
        }
        posted = time.monotonic()
        assert pbx_client.post(f"{API}/call-events", json=event).status_code == 200
        return posted

    def shown_at(waiting: int, since: float) -> float:
        deadline = since + 10
        while time.monotonic() < deadline:
            found = [t for t, w in seen if w == waiting]
            if found:
                return found[0]
            time.sleep(0.02)
        raise AssertionError(f"the view never showed {waiting} waiting")

    warm = offer("warm-up")
    shown_at(1, warm)
    while feed.last_seq == 0 and time.monotonic() < warm + 10:  # set by the stream only
        time.sleep(0.02)
    posted = offer("c1")
    shown = shown_at(2, posted)
    feed.close()
    assert shown - posted < 1.0
    snap = feed.read()
    assert any(
        "algemeen" in "".join(cells).lower() or "Algemeen" in cells[0]
        for cells, _ in queue_rows(snap.live)
    )
    assert render(snap) is not None


def test_an_event_while_the_stream_connects_is_not_missed(live_server):
    """The feed's first read and its stream's subscription are not one moment: an event
    committed between them is replayed (the stream resumes from the read's seq) instead
    of waiting for the idle re-read."""
    _, sup = live_server.make_user("supervisor")
    _, pbx = live_server.make_user("integration")
    client = open_client(live_server.url, sup)
    connecting = threading.Event()
    real_events = client.events

    def slow_events(last_id, **kwargs):
        connecting.wait(5)  # the stream connects only once the event is in
        time.sleep(0.2)
        yield from real_events(last_id, **kwargs)

    client.events = slow_events
    feed = LiveFeed(client, idle_interval=30.0)
    snapshots = feed.snapshots()
    first = next(snapshots)
    assert next(q for q in first.live["queues"] if q["queue"] == "algemeen")["waiting"] == 0
    event = {
        "event_id": str(uuid.uuid4()),
        "call_id": "while-connecting",
        "kind": "offered",
        "at": datetime.now(UTC).isoformat(),
        "queue": "algemeen",
    }
    assert live_server.client(pbx).post(f"{API}/call-events", json=event).status_code == 200
    connecting.set()
    started = time.monotonic()
    second = next(snapshots)  # after the replayed event, long before the 30 s idle read
    feed.close()
    assert time.monotonic() - started < 5
    assert next(q for q in second.live["queues"] if q["queue"] == "algemeen")["waiting"] == 1


def test_simulate_drives_traffic_through_the_api(live_server, cli):
    _, admin = live_server.make_user("admin")
    out = cli(
        "simulate",
        "--agents",
        "4",
        "--rate",
        "300",
        "--duration",
        "5",
        "--speed",
        "100",
        "--seed",
        "7",
        "--server",
        live_server.url,
        "--token",
        admin,
    )
    assert out.exit_code == 0, out.output
    assert "errors 0" in out.output, out.output
    figures = live_server.client(admin).get(f"{API}/live").json()
    answered = sum(q["answered"] for q in figures["queues"] if q["kind"] == "phone")
    assert answered > 0
    assert len([a for a in figures["agents"] if a["agent"].startswith("sim-")]) == 4
    stats = live_server.client(admin).get(f"{API}/stats").json()
    assert stats["contacts"] > 0
