"""Event-stream benchmark (not a test): one central-store process, many open SSE streams,
a steady flow of events; the server's code is this tree's or, as the peer, another
checkout's (`--peer-src`), run alternately in the same invocation.

Each stream is a supervisor's `SyncClient.events` (the console's own reader) in a thread.
Events are agent-state changes posted at `--rate` per second; **delivery** is the time
from posting an event to its arrival on a stream, over every (event, stream) pair, and
**lost** counts pairs never delivered. The floor from the same run is the POST's own
round trip. Server CPU (user+system seconds per wall second), RSS with the streams open
(minus before) per stream, and peak RSS come from /proc.

    .venv/bin/python bench/sse.py [--streams 200] [--events 300] [--rate 50] \\
        [--peer-src /path/to/other/checkout] [--rounds 2]
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

import httpx

import server as server_bench
from loket.sync.client import SyncClient, SyncError

STATES = ("available", "wrap_up")


def rss_mb(pid: int, field: str = "VmRSS:") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    parts = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")


class Stream:
    def __init__(self, url: str, token: str) -> None:
        self.client = SyncClient(url, token)
        self.arrived: dict[int, float] = {}
        self.stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            for event in self.client.events(None):
                if self.stop:
                    return
                if event.id:
                    self.arrived[int(event.id)] = time.monotonic()
        except SyncError:
            pass


def run(src: Path | None, args: Any) -> dict[str, float]:
    from loket.server.admin import create_user

    env = {**os.environ, "LOKET_CONFIG": "/nonexistent/loket.toml", "LOKET_LOG_LEVEL": "warning"}
    if src is not None:  # the peer's code first on the path (before the editable install)
        env["PYTHONPATH"] = str(src / "src")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'sse.sqlite3'}"
        sup = create_user(url, "bench-sup", "supervisor")
        agent = create_user(url, "bench-agent", "agent")
        with server_bench.servers(["--serve-loket", url], 1, env) as group:
            pid = group.procs[0].pid
            before = rss_mb(pid)
            streams = [Stream(group.url, sup) for _ in range(args.streams)]
            for s in streams:
                s.thread.start()
            time.sleep(3.0)  # every stream subscribed
            open_rss = rss_mb(pid)
            sent: dict[int, float] = {}
            posts: list[float] = []
            headers = {"Authorization": f"Bearer {agent}"}
            cpu0, wall0 = cpu_seconds(pid), time.monotonic()
            with httpx.Client(base_url=group.url, headers=headers, timeout=10) as http:
                for i in range(args.events):
                    due = wall0 + i / args.rate
                    time.sleep(max(0.0, due - time.monotonic()))
                    at = time.monotonic()
                    body = {"state": STATES[i % 2]}
                    answer = http.post("/api/v1/agent-state", json=body).json()
                    posts.append(time.monotonic() - at)
                    sent[int(answer["seq"])] = at
            time.sleep(2.0)  # the last events reach every stream
            cpu = (cpu_seconds(pid) - cpu0) / (time.monotonic() - wall0)
            peak = rss_mb(pid, "VmHWM:")
            for s in streams:
                s.stop = True
    delays = sorted(
        (s.arrived[seq] - at) * 1000
        for s in streams
        for seq, at in sent.items()
        if seq in s.arrived
    )
    lost = len(sent) * len(streams) - len(delays)
    q = statistics.quantiles(delays, n=100) if len(delays) > 1 else [float("nan")] * 99
    return {
        "median": statistics.median(delays) if delays else float("nan"),
        "p95": q[94],
        "p99": q[98],
        "deliveries/s": len(delays) / (args.events / args.rate + 2.0),
        "lost": lost,
        "post median": statistics.median(posts) * 1000,
        "cpu": cpu,
        "kB/stream": (open_rss - before) * 1024 / args.streams,
        "peak MB": peak,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=200)
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--rate", type=float, default=50.0, help="events per second")
    parser.add_argument("--peer-src", type=Path, help="a checkout whose server is the peer")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}; load average before: {os.getloadavg()[0]:.1f}")
    variants: list[tuple[str, Path | None]] = [("this tree", None)]
    if args.peer_src:
        variants.append((f"peer {args.peer_src}", args.peer_src))
    print(f"{args.streams} streams, {args.events} events at {args.rate:g}/s")
    for r in range(args.rounds):
        for name, src in variants:
            fig = run(src, args)
            print(
                f"round {r + 1} {name}: delivery median {fig['median']:.1f} ms, p95"
                f" {fig['p95']:.1f} ms, p99 {fig['p99']:.1f} ms, {fig['deliveries/s']:.0f}"
                f" deliveries/s, lost {fig['lost']:.0f}; floor POST median"
                f" {fig['post median']:.1f} ms; server CPU {fig['cpu']:.2f} cores,"
                f" {fig['kB/stream']:.0f} kB/stream open, peak RSS {fig['peak MB']:.0f} MB"
            )
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
