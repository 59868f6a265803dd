"""Live-queue benchmark (not a test): 200 simulated agents and 20 supervisor live views
against one central-store process.

The traffic is `loket.simulation` (calls offered/answered/abandoned/ended, tickets, agent
states, contacts pushed) at `--rate` arrivals per minute with time sped up `--speed`
times. Each supervisor is the real `loket.live_view.LiveFeed` (its own token, its own
event stream, re-reading `GET /live` after events): **event-to-screen** is the time from
sending an event to the moment a supervisor holds live figures that include it (the
figures' `seq` ≥ the event's). The floor from the same run is **event-to-stream**: the
event's arrival on the SSE stream, before any figures are read. **Lost**: call and agent
events a stream never delivered (every posted seq is checked on all 20 streams). Server
CPU (user+system seconds per wall second) and peak RSS come from /proc.

    .venv/bin/python bench/live.py [--agents 200] [--supervisors 20] [--duration 30]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import server as server_bench
from loket.live_view import LIVE_ENTITIES, LiveFeed, open_client
from loket.simulation import Simulation, SimulationConfig
from loket.sync.client import SyncError

SENT: dict[int, float] = {}  # seq -> monotonic time the event was sent
SENT_LOCK = threading.Lock()


class CountingFeed(LiveFeed):
    """The real live feed, also noting when each event arrived on its stream."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.arrived: dict[int, float] = {}
        self.on_screen: dict[int, float] = {}

    def _follow(self) -> None:
        last_id: str | None = None
        while not self.stop.is_set():
            try:
                for event in self.client.events(last_id):
                    last_id = event.id or last_id
                    if self.stop.is_set():
                        return
                    if event.json().get("entity") in LIVE_ENTITIES and event.id:
                        self.arrived[int(event.id)] = time.monotonic()
                        self.last_seq = int(event.id)
                        self.stale.set()
            except SyncError:
                self.stop.wait(0.2)

    def watch(self) -> None:
        shown = 0
        for snap in self.snapshots():
            now = time.monotonic()
            seq = int(snap.live.get("seq") or 0)
            if seq > shown:
                for s in range(shown + 1, seq + 1):
                    self.on_screen[s] = now
                shown = seq


def timed(call: Any) -> Any:
    """Wrap a client method so the seq it returns is stamped with its send time."""

    def run(*args: Any, **kwargs: Any) -> Any:
        started = time.monotonic()
        answer = call(*args, **kwargs)
        seq = answer.get("seq") if isinstance(answer, dict) else None
        if seq:
            with SENT_LOCK:
                SENT[int(seq)] = started
        return answer

    return run


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))] if ordered else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--supervisors", type=int, default=20)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--rate", type=float, default=600.0, help="arrivals per simulated minute")
    parser.add_argument("--speed", type=float, default=10.0)
    args = parser.parse_args()

    from loket.server.admin import create_user

    env = {**os.environ, "LOKET_CONFIG": "/nonexistent/loket.toml", "LOKET_LOG_LEVEL": "warning"}
    print(f"cores: {os.cpu_count()}; load average before: {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'live.sqlite3'}"
        admin = create_user(url, "bench-admin", "admin")
        sup = create_user(url, "bench-sup", "supervisor")
        with server_bench.servers(["--serve-loket", url], 1, env) as group:
            pid = group.procs[0].pid
            config = SimulationConfig(args.agents, args.rate, args.speed, seed=1)
            sim = Simulation.setup(group.url, admin, config)
            sim.pbx.post_call_event = timed(sim.pbx.post_call_event)  # type: ignore[method-assign]
            for agent in sim.agents:
                agent.client.set_state = timed(agent.client.set_state)  # type: ignore[method-assign]
            feeds = [
                CountingFeed(
                    open_client(group.url, sup),
                    min_interval=0.05,
                    idle_interval=2.0,
                    with_stats=False,
                )
                for _ in range(args.supervisors)
            ]
            watchers = [threading.Thread(target=f.watch, daemon=True) for f in feeds]
            for w in watchers:
                w.start()
            time.sleep(1.0)
            cpu0, wall0 = cpu_seconds(pid), time.monotonic()
            sim.run(args.duration)
            time.sleep(2.0)  # let the last events reach every stream and screen
            cpu = (cpu_seconds(pid) - cpu0) / (time.monotonic() - wall0)
            peak = group.peak_rss_mb()
            for f in feeds:
                f.close()
            sim.close()
    report(feeds, sim, args, cpu, peak)


def report(feeds: list[CountingFeed], sim: Simulation, args: Any, cpu: float, peak: float) -> None:
    with SENT_LOCK:
        sent = dict(SENT)
    to_stream = [f.arrived[s] - t for f in feeds for s, t in sent.items() if s in f.arrived]
    to_screen = [f.on_screen[s] - t for f in feeds for s, t in sent.items() if s in f.on_screen]
    lost = sum(1 for f in feeds for s in sent if s not in f.arrived)
    unseen = sum(1 for f in feeds for s in sent if s not in f.on_screen)
    print(
        f"{args.agents} agents, {args.supervisors} supervisor views, {args.duration:g} s,"
        f" rate {args.rate:g}/min x{args.speed:g}: {len(sent)} call/agent events"
        f" ({len(sent) / args.duration:.0f}/s), {sim.summary(args.duration)}"
    )
    for label, values in (("event-to-screen", to_screen), ("event-to-stream (floor)", to_stream)):
        print(
            f"{label:<24} median {statistics.median(values) * 1000:6.0f} ms"
            f"  p95 {pct(values, 95) * 1000:6.0f} ms  max {max(values) * 1000:6.0f} ms"
            f"  ({len(values)} deliveries)"
        )
    print(f"events lost on streams: {lost}; never on a screen: {unseen}")
    print(f"server CPU {cpu:.2f} cores; server peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
