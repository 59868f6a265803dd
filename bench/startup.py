"""Console start-up and search latency, headless at 80x24.

- time to first frame and peak memory (ru_maxrss) at first frame: median of 7 runs, each in
  a fresh subprocess, for the loket console and for a hello-world Textual app (the floor);
- keystroke to results painted: p50/p95 over a list of queries typed one key at a time,
  reported both after the 120 ms debounce (search + paint) and from the last keystroke.

Run: /work/venv/bin/python bench/startup.py [--runs 7]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = r"""
import os, resource, sys, time
t_start = float(sys.argv[2])
kind = sys.argv[1]

def report(app):
    now = time.time()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("RESULT", (now - t_start) * 1000, rss, flush=True)

if kind == "hello":
    from textual.app import App
    from textual.widgets import Footer, Input, Static

    class Hello(App):
        def compose(self):
            yield Input(placeholder="hello")
            yield Static("Hello, world")
            yield Footer()

    app = Hello()
else:
    from loket.config import Settings
    from loket.tui.app import LoketApp

    settings = Settings(state_dir=__import__("pathlib").Path(sys.argv[3]))

    def open_services():
        from loket.services import ConsoleServices, UserInfo

        return ConsoleServices.open(settings, user=UserInfo("bench", "agent", ["kcc"]))

    app = LoketApp(open_services=open_services)

async def auto_pilot(pilot):
    report(pilot.app)
    await pilot.pause(0.3)  # let lazy widgets finish mounting before exiting (not timed)
    pilot.app.exit()

app.run(headless=True, size=(80, 24), auto_pilot=auto_pilot)
"""


def first_frame(kind: str, state_dir: Path) -> tuple[float, float]:
    """(ms from spawning the process to the first frame, peak RSS MiB) of one fresh process."""
    env = {**os.environ, "TEXTUAL": ""}
    started = time.time()
    out = subprocess.run(
        [sys.executable, "-c", CHILD, kind, repr(started), str(state_dir)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=True,
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("RESULT"))
    _, ms, mib = line.split()
    return float(ms), float(mib)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


QUERIES = [
    "paspoort kwijt",
    "kliko kapot",
    "parkeervergunning",
    "bijstand aanvragen",
    "lantaarnpaal",
    "verhuizen",
    "rijbewijs verlengen",
    "woz bezwaar",
    "grofvuil",
    "hondenbelasting",
]


async def keystrokes(state_dir: Path) -> dict[str, list[float]]:
    """Type each query; time from the debounce firing / last key to the results painted."""
    from loket.config import Settings
    from loket.services import ConsoleServices, UserInfo
    from loket.tui.app import LoketApp
    from loket.tui.messages import SearchResults
    from loket.tui.widgets.search_panel import SearchPanel

    services = ConsoleServices.open(
        Settings(state_dir=state_dir), user=UserInfo("bench", "agent", ["kcc"])
    )
    services.kb.search("warm", limit=1)  # the index is built/opened before measuring
    painted: dict[str, float] = {}
    fired: dict[str, float] = {}
    original_show, original_run = SearchPanel.show_hits, SearchPanel.run_search

    def show_hits(self, query, hits):  # type: ignore[no-untyped-def]
        original_show(self, query, hits)
        self.call_after_refresh(lambda: painted.setdefault(query, time.perf_counter()))

    def run_search(self, query):  # type: ignore[no-untyped-def]
        fired.setdefault(query, time.perf_counter())
        return original_run(self, query)

    SearchPanel.show_hits, SearchPanel.run_search = show_hits, run_search  # type: ignore[method-assign]
    after_debounce: list[float] = []
    from_key: list[float] = []
    app = LoketApp(services)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause(0.2)
            for query in QUERIES * 2:
                painted.clear()
                fired.clear()
                search = app.screen.query_one("#search")
                search.value = ""
                await pilot.pause(0.2)
                for ch in query[:-1]:
                    search.insert_text_at_cursor(ch)
                await pilot.pause(0.01)
                last_key = time.perf_counter()
                search.insert_text_at_cursor(query[-1])
                deadline = time.perf_counter() + 3
                while query not in painted and time.perf_counter() < deadline:
                    await asyncio.sleep(0.001)
                if query in painted:
                    after_debounce.append((painted[query] - fired[query]) * 1000)
                    from_key.append((painted[query] - last_key) * 1000)
            del SearchResults
    finally:
        SearchPanel.show_hits, SearchPanel.run_search = original_show, original_run  # type: ignore[method-assign]
        services.close()
    return {"after_debounce": after_debounce, "from_key": from_key}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    state_dir = Path(tempfile.mkdtemp(prefix="loket-bench-"))
    results: dict[str, dict[str, float]] = {}
    for kind in ("hello", "loket"):
        first_frame(kind, state_dir)  # warm the OS file cache and the .pyc files
        runs = [first_frame(kind, state_dir) for _ in range(args.runs)]
        ms = [r[0] for r in runs]
        mib = [r[1] for r in runs]
        results[kind] = {
            "first_frame_ms_median": statistics.median(ms),
            "first_frame_ms_p95": percentile(ms, 0.95),
            "peak_mib_median": statistics.median(mib),
        }
    keys = asyncio.run(keystrokes(state_dir))
    results["search"] = {
        "queries": len(keys["from_key"]),
        "after_debounce_ms_p50": statistics.median(keys["after_debounce"]),
        "after_debounce_ms_p95": percentile(keys["after_debounce"], 0.95),
        "from_last_key_ms_p50": statistics.median(keys["from_key"]),
        "from_last_key_ms_p95": percentile(keys["from_key"], 0.95),
        "queries_per_s": 1000 / statistics.mean(keys["after_debounce"]),
    }
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"first frame, headless 80x24, median of {args.runs} fresh processes:")
    for kind in ("hello", "loket"):
        r = results[kind]
        print(
            f"  {kind:<6} {r['first_frame_ms_median']:7.1f} ms (p95 {r['first_frame_ms_p95']:.1f})"
            f"   peak {r['peak_mib_median']:.1f} MiB"
        )
    s = results["search"]
    print(f"keystroke to results painted ({s['queries']} queries):")
    print(
        f"  after the 120 ms debounce: p50 {s['after_debounce_ms_p50']:.1f} ms, "
        f"p95 {s['after_debounce_ms_p95']:.1f} ms ({s['queries_per_s']:.0f} searches/s)"
    )
    print(
        f"  from the last keystroke:   p50 {s['from_last_key_ms_p50']:.1f} ms, "
        f"p95 {s['from_last_key_ms_p95']:.1f} ms"
    )


if __name__ == "__main__":
    main()
