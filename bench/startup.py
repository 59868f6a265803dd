"""Console start-up, idle CPU and search latency (headless 80x24, and in a real pty).

- time to first frame and peak memory (ru_maxrss) then: median of N runs, each in a fresh
  subprocess, for the loket console and for a hello-world Textual app (the floor). Two
  moments per run: "painted" = the first screen update Textual hands to its driver (the
  first frame a terminal would show), "ready" = the App's ready callback (Pilot starts);
- `loket console` via the CLI entry point in a real pseudo-terminal at 80x24: time from
  spawn until the first frame's text has been written (typer, settings and all), next to
  the hello-world app in the same pty (floor); then CPU of the idle console over 10 s;
- keystroke to results painted: p50/p95 over a list of queries, typed in one burst and at
  80 ms a key, from the last keystroke, with the final search's own search + paint time
  and the searches each query cost (one runs at a time; keys meanwhile coalesce).

The children get a bytecode cache (PYTHONPYCACHEPREFIX in a temp dir, warmed by a first
run) like an installed loket has; `--no-bytecode` keeps PYTHONDONTWRITEBYTECODE as set
and compiles loket's sources on every start.

Run: /work/venv/bin/python bench/startup.py [--runs 7] [--idle-s 10] [--no-bytecode]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import select
import signal
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
marks = {}

def mark(name):
    if name not in marks:
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        marks[name] = ((time.time() - t_start) * 1000, rss)

def watch_paint(app):
    # The first update Textual would write to a terminal (headless skips only the write).
    original = app._display

    def display(screen, renderable):
        if renderable is not None and not app._batch_count and app._running:
            mark("painted")
        return original(screen, renderable)

    app._display = display

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

watch_paint(app)

async def auto_pilot(pilot):
    mark("ready")
    while "painted" not in marks:
        await pilot.pause(0.005)
    await pilot.pause(0.3)  # let lazy widgets finish mounting before exiting (not timed)
    pilot.app.exit()

app.run(headless=True, size=(80, 24), auto_pilot=auto_pilot)
for name, (ms, rss) in marks.items():
    print("RESULT", name, ms, rss, flush=True)
"""

HELLO_TTY = r"""
from textual.app import App
from textual.widgets import Footer, Input, Static

class Hello(App):
    def compose(self):
        yield Input(placeholder="hello")
        yield Static("Kies een artikel links")
        yield Footer()

Hello().run()
"""
MARKER = b"Kies een artikel links"  # on the console's first frame (the empty article)


def child_env(state_dir: Path, bytecode: bool) -> dict[str, str]:
    env = {**os.environ, "TEXTUAL": "", "LOKET_STATE_DIR": str(state_dir)}
    if bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(state_dir / "pycache")
    return env


def first_frame(kind: str, state_dir: Path, bytecode: bool) -> dict[str, tuple[float, float]]:
    """{"painted"|"ready": (ms from spawning the process, peak RSS MiB)} of one process."""
    started = time.time()
    out = subprocess.run(
        [sys.executable, "-c", CHILD, kind, repr(started), str(state_dir)],
        capture_output=True,
        text=True,
        timeout=60,
        env=child_env(state_dir, bytecode),
        check=True,
    ).stdout
    marks = {}
    for line in out.splitlines():
        if line.startswith("RESULT"):
            _, name, ms, mib = line.split()
            marks[name] = (float(ms), float(mib))
    return marks


def _cpu_s(pid: int) -> float:
    """utime + stime of a process, from /proc (no psutil needed)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tty_run(argv: list[str], env: dict[str, str], idle_s: float = 0.0) -> tuple[float, float]:
    """Spawn argv in an 80x24 pty; (ms until MARKER is on screen, idle CPU % over idle_s)."""
    import fcntl
    import pty
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    started = time.perf_counter()
    proc = subprocess.Popen(
        argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
    )
    os.close(slave)
    seen, shown_ms, cpu = b"", -1.0, -1.0
    try:
        deadline = started + 30
        while shown_ms < 0 and time.perf_counter() < deadline:
            if select.select([master], [], [], 0.5)[0]:
                seen += os.read(master, 65536)
                if MARKER in seen:
                    shown_ms = (time.perf_counter() - started) * 1000
        if idle_s > 0 and shown_ms >= 0:
            _drain(master, 3.0)  # services open, deferred widgets mount, first sync attempt
            before, t0 = _cpu_s(proc.pid), time.perf_counter()
            _drain(master, idle_s)
            cpu = 100 * (_cpu_s(proc.pid) - before) / (time.perf_counter() - t0)
    finally:
        proc.send_signal(signal.SIGTERM)
        _drain(master, 0.2)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        os.close(master)
    return shown_ms, cpu


def _drain(fd: int, seconds: float) -> None:
    """Read and drop what the app writes for `seconds` (a terminal that keeps up)."""
    end = time.perf_counter() + seconds
    while (left := end - time.perf_counter()) > 0:
        if select.select([fd], [], [], min(left, 0.2))[0]:
            try:
                os.read(fd, 65536)
            except OSError:
                return


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
    """Type each query in one burst and at human speed (80 ms a key); time from the last
    keystroke to its results painted, from that query's search starting to painted, and
    count the searches each query cost."""
    from loket.config import Settings
    from loket.services import ConsoleServices, UserInfo
    from loket.tui.app import LoketApp
    from loket.tui.widgets.search_panel import SearchPanel

    services = ConsoleServices.open(
        Settings(state_dir=state_dir), user=UserInfo("bench", "agent", ["kcc"])
    )
    services.reference.kb.search("warm", limit=1)  # the index is built/opened before measuring
    painted: dict[str, float] = {}
    fired: dict[str, float] = {}
    searches = [0]
    original_show, original_run = SearchPanel.show_hits, SearchPanel.run_search

    shown: list[str] = []  # queries whose hits are in the widgets but not yet on screen

    def show_hits(self, query, *args, **kwargs):  # type: ignore[no-untyped-def]
        original_show(self, query, *args, **kwargs)
        shown.append(query)

    def run_search(self, query):  # type: ignore[no-untyped-def]
        searches[0] += 1
        fired.setdefault(query, time.perf_counter())
        return original_run(self, query)

    SearchPanel.show_hits, SearchPanel.run_search = show_hits, run_search  # type: ignore[method-assign]
    out: dict[str, list[float]] = {}
    app = LoketApp(services)
    display = app._display

    def painting(screen, renderable):  # type: ignore[no-untyped-def]
        # The frame Textual hands to its driver (headless skips only the terminal write).
        if renderable is not None and not app._batch_count and shown:
            now = time.perf_counter()
            for query in shown:
                painted.setdefault(query, now)
            shown.clear()
        return display(screen, renderable)

    app._display = painting  # type: ignore[method-assign]
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause(0.2)
            for mode, gap in (("burst", 0.0), ("typing", 0.08)):
                from_key, search_paint, count = [], [], []
                for query in QUERIES * 2:
                    search = app.screen.query_one("#search")
                    search.value = ""
                    await pilot.pause(0.2)
                    painted.clear()
                    fired.clear()
                    searches[0] = 0
                    for ch in query[:-1]:
                        search.insert_text_at_cursor(ch)
                        if gap:
                            await asyncio.sleep(gap)
                    last_key = time.perf_counter()
                    search.insert_text_at_cursor(query[-1])
                    deadline = time.perf_counter() + 3
                    while query not in painted and time.perf_counter() < deadline:
                        await asyncio.sleep(0.001)
                    if query in painted:
                        from_key.append((painted[query] - last_key) * 1000)
                        search_paint.append((painted[query] - fired[query]) * 1000)
                        count.append(float(searches[0]))
                out[f"{mode}_from_key"] = from_key
                out[f"{mode}_search_paint"] = search_paint
                out[f"{mode}_searches"] = count
    finally:
        SearchPanel.show_hits, SearchPanel.run_search = original_show, original_run  # type: ignore[method-assign]
        services.close()
    return out


def _loket_argv() -> list[str]:
    script = Path(sys.executable).with_name("loket")
    return [str(script)] if script.exists() else [sys.executable, "-m", "loket"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--idle-s", type=float, default=10.0)
    parser.add_argument("--no-bytecode", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    state_dir = Path(tempfile.mkdtemp(prefix="loket-bench-"))
    bytecode = not args.no_bytecode
    results: dict[str, dict[str, float]] = {}
    for kind in ("hello", "loket"):
        first_frame(kind, state_dir, bytecode)  # warm the OS file cache and the .pyc files
        runs = [first_frame(kind, state_dir, bytecode) for _ in range(args.runs)]
        painted = [r["painted"][0] for r in runs]
        ready = [r["ready"][0] for r in runs]
        results[kind] = {
            "first_frame_ms_median": statistics.median(painted),
            "first_frame_ms_p95": percentile(painted, 0.95),
            "ready_ms_median": statistics.median(ready),
            "peak_mib_median": statistics.median(r["painted"][1] for r in runs),
        }
    env = child_env(state_dir, bytecode)
    env["LOKET_CONFIG"] = str(state_dir / "no-config.toml")
    tty = {
        "hello": [sys.executable, "-c", HELLO_TTY],
        "loket console": [*_loket_argv(), "console"],
    }
    for name, argv in tty.items():
        tty_run(argv, env)  # warm
        shown = [tty_run(argv, env)[0] for _ in range(args.runs)]
        results[f"tty {name}"] = {
            "first_frame_ms_median": statistics.median(shown),
            "first_frame_ms_p95": percentile(shown, 0.95),
        }
    if args.idle_s > 0:  # the hello app's Input blinks its cursor too: that is the floor
        for name, argv in tty.items():
            results[f"tty {name}"]["idle_cpu_pct"] = tty_run(argv, env, idle_s=args.idle_s)[1]
    keys = asyncio.run(keystrokes(state_dir))
    for mode in ("burst", "typing"):
        results[f"search {mode}"] = {
            "queries": len(keys[f"{mode}_from_key"]),
            "from_last_key_ms_p50": statistics.median(keys[f"{mode}_from_key"]),
            "from_last_key_ms_p95": percentile(keys[f"{mode}_from_key"], 0.95),
            "search_paint_ms_p50": statistics.median(keys[f"{mode}_search_paint"]),
            "search_paint_ms_p95": percentile(keys[f"{mode}_search_paint"], 0.95),
            "searches_per_query": statistics.mean(keys[f"{mode}_searches"]),
        }
    if args.json:
        print(json.dumps(results, indent=2))
        return
    _print(results, args)


def _print(results: dict[str, dict[str, float]], args: argparse.Namespace) -> None:
    code = "sources compiled at each start" if args.no_bytecode else "bytecode cached"
    print(f"first frame, headless 80x24, median of {args.runs} fresh processes ({code}):")
    for kind in ("hello", "loket"):
        r = results[kind]
        print(
            f"  {kind:<6} painted {r['first_frame_ms_median']:6.1f} ms"
            f" (p95 {r['first_frame_ms_p95']:.1f})   ready {r['ready_ms_median']:6.1f} ms"
            f"   peak {r['peak_mib_median']:.1f} MiB"
        )
    print(f"first frame on a real pty 80x24, from spawn, median of {args.runs}:")
    for name in ("hello", "loket console"):
        r = results[f"tty {name}"]
        print(
            f"  {name:<14} {r['first_frame_ms_median']:6.1f} ms (p95 {r['first_frame_ms_p95']:.1f})"
        )
    if args.idle_s > 0:
        print(
            f"idle CPU over {args.idle_s:.0f} s (pty; loket offline, contact timer running):"
            f" loket {results['tty loket console']['idle_cpu_pct']:.2f} %,"
            f" hello {results['tty hello']['idle_cpu_pct']:.2f} %"
        )
    print("keystroke to results painted (target p95 <= 40 ms from the last keystroke):")
    for mode, how in (("burst", "keys in one burst"), ("typing", "80 ms a key")):
        s = results[f"search {mode}"]
        print(
            f"  {how:<18} from the last key p50 {s['from_last_key_ms_p50']:5.1f} ms,"
            f" p95 {s['from_last_key_ms_p95']:5.1f} ms; search+paint p50"
            f" {s['search_paint_ms_p50']:.1f} ms, p95 {s['search_paint_ms_p95']:.1f} ms;"
            f" {s['searches_per_query']:.1f} searches a query ({s['queries']} queries)"
        )


if __name__ == "__main__":
    main()
