"""Central-store load benchmark (not a test).

Pushes fresh contacts over real HTTP/1.1 keep-alive to the central store, running as its
own process(es) on 127.0.0.1, at 50 and 200 concurrent connections, and prints requests/s,
contacts/s, latency (p50, p95, p99), errors and the server's peak memory. A bare ASGI
hello-world on the same uvicorn set-up, hit by the same generator in the same run, is the
ceiling.

The load generator is `wrk` (C, one thread, a Lua script that makes a unique change id and
contact id per request) when it is installed: it needs a small fraction of a core, so the
server gets the rest of the two. Without wrk, an asyncio httpx generator runs instead (it
eats about a core itself, so its figures are far lower); the output says which ran.

    /work/venv/bin/python bench/server.py                 # SQLite only
    LOKET_TEST_PG_URL=postgresql://postgres@127.0.0.1:5432/test \\
        /work/venv/bin/python bench/server.py [--duration 10] [--generator wrk|httpx]

Every run is bounded (wrk: --duration seconds per scenario; httpx: --requests); all
servers are child processes on 127.0.0.1 and stop at the end. PostgreSQL runs in a fresh
schema that is dropped afterwards. Served contacts are counted in the database after each
scenario, so a generator that miscounts (or a server that answers without storing) shows.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
PUSH = "/api/v1/sync/push"


# --- servers ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def shared_socket(port: int) -> socket.socket:
    """The server socket, with SO_REUSEPORT so N processes share one port (kernel-balanced)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(2048)
    return sock


def serve_hello(port: int) -> None:
    """The ceiling: the smallest ASGI app, on the same socket and uvicorn settings."""
    import uvicorn

    from loket.server.embedded import uvicorn_config

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        headers = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b'{"results": []}'})

    uvicorn.Server(uvicorn_config(app)).run(sockets=[shared_socket(port)])


def serve_loket(db_url: str, port: int) -> None:
    """What `loket serve --no-access-log` runs (same app, uvicorn config and server class),
    on a SO_REUSEPORT socket so that two processes can share the port."""
    from loket.server.app import AppConfig, create_app
    from loket.server.embedded import LoketUvicorn, uvicorn_config

    # Both processes on one database share one BSN key file (made by whichever is first).
    digest = hashlib.sha256(db_url.encode()).hexdigest()[:12]
    key_file = Path(tempfile.gettempdir()) / f"loket-bench-bsn-keys-{digest}.toml"
    app = create_app(AppConfig(db_url=db_url, bsn_key_file=str(key_file)))
    LoketUvicorn(uvicorn_config(app)).run(sockets=[shared_socket(port)])


@dataclass
class Servers:
    procs: list[subprocess.Popen[bytes]]
    url: str

    def peak_rss_mb(self) -> float:
        peaks = []
        for proc in self.procs:
            try:
                for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peaks.append(int(line.split()[1]) / 1024)
            except OSError:
                pass
        return max(peaks, default=float("nan"))


@contextmanager
def servers(args: list[str], count: int, env: dict[str, str]) -> Iterator[Servers]:
    """`count` processes of `bench/server.py <args> <port>` sharing one port."""
    port = free_port()
    cmd = [sys.executable, str(Path(__file__).resolve()), *args, str(port)]
    procs = [
        subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(count)
    ]
    group = Servers(procs, f"http://127.0.0.1:{port}")
    try:
        wait_ready(group)
        yield group
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


def wait_ready(group: Servers, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for proc in group.procs:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            httpx.get(f"{group.url}/healthz", timeout=0.5)
            if len(group.procs) > 1:
                time.sleep(1.0)  # let the other process(es) finish starting too
            return
        except httpx.HTTPError:
            time.sleep(0.05)
    raise RuntimeError("server did not start")


# --- load: shared ---------------------------------------------------------------------------------


@dataclass
class Result:
    label: str
    generator: str
    requests: int
    items: int
    seconds: float
    p50: float  # seconds
    p95: float
    p99: float
    errors: int
    stored: int | None = None
    peak_mb: float = float("nan")
    notes: list[str] = field(default_factory=list)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def row(self) -> str:
        stored = "-" if self.stored is None else f"{self.stored}"
        return (
            f"| {self.label} | {self.generator} | {self.requests} | {self.rps:,.0f} | "
            f"{self.items / self.seconds:,.0f} | {self.p50 * 1000:.1f} | {self.p95 * 1000:.1f} | "
            f"{self.p99 * 1000:.1f} | {self.errors} | {stored} | {self.peak_mb:.0f} |"
        )


HEADER = (
    "| scenario | generator | requests | req/s | items/s | p50 ms | p95 ms | p99 ms | errors "
    "| stored | server peak MB |\n|---|---|---|---|---|---|---|---|---|---|---|"
)


# When the pushed contacts ran: a fixed past day, or (--today) today, the live day whose
# summary every push keeps current (docs/metrics.md, "The live day").
TIMES = {"started": "2026-11-23T09:00:00+00:00", "ended": "2026-11-23T09:04:00+00:00"}


def contact(agent: str, contact_id: str | None = None) -> dict[str, Any]:
    return {
        "id": contact_id or str(uuid.uuid4()),
        "agent": agent,
        "channel": "telefoon",
        "started_at": TIMES["started"],
        "ended_at": TIMES["ended"],
        "customer": {
            "name": "",
            "phone": "0612345678",
            "email": "",
            "bsn": "",
            "kvk": "",
            "postcode": "",
            "district": "",
        },
        "satisfaction": None,
        "questions": [
            {
                "id": "q1",
                "text": "Paspoort verlopen",
                "notes": "",
                "products": ["paspoort"],
                "outcome": "zelfstandig afgehandeld",
                "task_id": None,
            }
        ],
        "status": "closed",
        "rev": 1,
    }


def change(agent: str) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "kind": "contact.save",
        "made_at": TIMES["ended"],
        "payload": {"contact": contact(agent)},
    }


# --- load: wrk ------------------------------------------------------------------------------------

# Placeholders __CID__ / __KID__ in the JSON template are replaced per item with a change id
# and a contact id made of run prefix, wrk thread, connection-independent counter and item.
WRK_LUA = r"""
local counter = 0
local threads = {}
local template, batch, prefix, token
pace = 0

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  token = args[1]
  batch = tonumber(args[2])
  prefix = args[3]
  pace = tonumber(args[5] or "0")
  local f = assert(io.open(args[4], "r"))
  template = f:read("*a")
  f:close()
  wrk.headers["Authorization"] = "Bearer " .. token
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  counter = counter + 1
  local items = {}
  for i = 1, batch do
    local key = prefix .. "-" .. tid .. "-" .. counter .. "-" .. i
    local item = template:gsub("__CID__", "c" .. key):gsub("__KID__", "k" .. key)
    items[i] = item
  end
  return wrk.format("POST", nil, nil, '{"changes": [' .. table.concat(items, ",") .. ']}')
end

"""

# Paced: every connection waits `pace` ms (jittered) between its requests, so the offered
# rate is about connections / pace: an open-ish load, where latency means something (with
# no pause, 200 connections at R req/s queue 200/R s per request by Little's law).
PACED_LUA = (
    WRK_LUA
    + r"""
function delay()
  return pace * (0.5 + math.random())
end
"""
)

# Every script reports its figures the same way, as one JSON line wrk prints at the end.
REPORT_LUA = r"""
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'LOKET {"requests": %d, "us": %d, "p50": %d, "p95": %d, "p99": %d, ' ..
    '"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), e.connect, e.read, e.write, e.status, e.timeout))
end
"""
HELLO_LUA = REPORT_LUA


def item_template(tmp: Path) -> Path:
    item = change("bench")
    item["id"] = "__CID__"
    item["payload"]["contact"]["id"] = "__KID__"
    path = tmp / "item.json"
    path.write_text(json.dumps(item), encoding="utf-8")
    return path


def run_wrk(
    url: str,
    path: str,
    token: str,
    connections: int,
    seconds: float,
    batch_size: int,
    label: str,
    tmp: Path,
    pace_ms: int = 0,
) -> Result:
    hello = path == "/"
    script = tmp / ("hello.lua" if hello else "paced.lua" if pace_ms else "push.lua")
    text = HELLO_LUA if hello else (PACED_LUA if pace_ms else WRK_LUA) + REPORT_LUA
    script.write_text(text, encoding="utf-8")
    cmd = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "30s",
        "--latency",
        "-s",
        str(script),
        url + path,
    ]
    if not hello:
        prefix = secrets.token_hex(4)
        cmd += ["--", token, str(batch_size), prefix, str(item_template(tmp)), str(pace_ms)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60, check=True)
    line = next(ln for ln in out.stdout.splitlines() if ln.startswith("LOKET "))
    data = json.loads(line[len("LOKET ") :])
    errors = sum(data[k] for k in ("connect", "read", "write", "status", "timeout"))
    return Result(
        label,
        "wrk",
        data["requests"],
        data["requests"] * (1 if hello else batch_size),
        data["us"] / 1e6,
        data["p50"] / 1e6,
        data["p95"] / 1e6,
        data["p99"] / 1e6,
        errors,
    )


# --- load: httpx (fallback) -----------------------------------------------------------------------


async def httpx_load(
    url: str, path: str, token: str, clients: int, requests: int, batch_size: int, label: str
) -> Result:
    """`requests` requests from `clients` concurrent workers (one keep-alive client each)."""
    latencies: list[float] = []
    errors = 0
    todo = iter(range(requests))
    headers = {"Authorization": f"Bearer {token}"}

    async def worker() -> None:
        nonlocal errors
        async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60.0) as client:
            for _ in todo:
                body = {"changes": [change("bench") for _ in range(batch_size)]}
                started = time.perf_counter()
                if path == "/":
                    response = await client.get(path)
                else:
                    response = await client.post(path, json=body)
                latencies.append(time.perf_counter() - started)
                if response.status_code != 200 or any(
                    r["status"] != "applied" for r in response.json().get("results", [])
                ):
                    errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    seconds = time.perf_counter() - started
    q = statistics.quantiles(sorted(latencies), n=100)
    items = requests * (batch_size if path != "/" else 1)
    return Result(
        label, "httpx", requests, items, seconds, statistics.median(latencies), q[94], q[98], errors
    )


# --- scenarios ------------------------------------------------------------------------------------


@dataclass
class Bench:
    generator: str
    seconds: float
    requests: int
    env: dict[str, str]
    tmp: Path
    figures_token: str = ""  # --today: a supervisor's, to make today the live day first

    def load(
        self,
        url: str,
        path: str,
        token: str,
        conns: int,
        batch: int,
        label: str,
        warm: bool,
        pace_ms: int = 0,
    ) -> Result:
        if self.generator == "wrk":
            seconds = 2.0 if warm else self.seconds
            return run_wrk(url, path, token, conns, seconds, batch, label, self.tmp, pace_ms)
        count = min(200, self.requests) if warm else self.requests
        if batch > 1:
            count = max(40, count // 50)
        return asyncio.run(httpx_load(url, path, token, conns, count, batch, label))

    def scenario(
        self,
        label: str,
        serve_args: list[str],
        token: str,
        conns: int,
        batch: int = 1,
        processes: int = 1,
        count_stored: Any = None,
        pace_ms: int = 0,
    ) -> Result:
        path = "/" if serve_args[0] == "--serve-hello" else PUSH
        with servers(serve_args, processes, self.env) as group:
            if self.figures_token and path == PUSH:  # today's summary, kept from now on
                headers = {"Authorization": f"Bearer {self.figures_token}"}
                httpx.get(f"{group.url}/api/v1/stats", headers=headers).raise_for_status()
            self.load(group.url, path, token, conns, batch, "warm-up", warm=True)
            before = settled(count_stored) if count_stored else None
            result = self.load(group.url, path, token, conns, batch, label, False, pace_ms)
            if count_stored:
                result.stored = settled(count_stored) - before
            result.peak_mb = group.peak_rss_mb()
        print(result.row(), flush=True)
        return result


def settled(count: Any) -> int:
    """The stored count once the server has finished what was in flight when wrk stopped."""
    last = count()
    for _ in range(100):
        time.sleep(0.2)
        now = count()
        if now == last:
            return now
        last = now
    return last


def sqlite_counter(db_url: str) -> Any:
    import sqlite3

    path = db_url[len("sqlite:///") :]

    def count() -> int:
        with sqlite3.connect(path) as conn:
            return conn.execute("SELECT count(*) FROM contacts").fetchone()[0]

    return count


def pg_counter(db_url: str) -> Any:
    import psycopg

    def count() -> int:
        with psycopg.connect(db_url) as conn:
            row = conn.execute("SELECT count(*) FROM contacts").fetchone()
            return int(row[0]) if row else 0

    return count


@contextmanager
def pg_schema(base_url: str) -> Iterator[str]:
    sys.path.insert(0, str(ROOT))
    from tests.conftest import _pg_schema

    yield from _pg_schema(base_url, prefix="loket_bench")


def pg_setting(base_url: str, name: str) -> str:
    import psycopg

    with psycopg.connect(base_url, autocommit=True) as conn:
        row = conn.execute(f"SHOW {name}").fetchone()
        return str(row[0]) if row else "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve-hello", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--serve-loket", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per wrk scenario")
    parser.add_argument("--requests", type=int, default=3000, help="requests per httpx scenario")
    parser.add_argument("--generator", choices=("auto", "wrk", "httpx"), default="auto")
    parser.add_argument("--only", choices=("all", "sqlite", "pg"), default="all")
    parser.add_argument("--pg", default=os.environ.get("LOKET_TEST_PG_URL", ""))
    parser.add_argument(
        "--today", action="store_true", help="push today's contacts into the live day"
    )
    args = parser.parse_args()
    if args.serve_hello:
        serve_hello(args.serve_hello)
        return
    if args.serve_loket:
        serve_loket(args.serve_loket[0], int(args.serve_loket[1]))
        return

    from loket.server.admin import create_user
    from loket.server.embedded import http_impl

    generator = args.generator
    if generator == "auto":
        generator = "wrk" if shutil.which("wrk") else "httpx"
    env = {**os.environ, "LOKET_CONFIG": "/nonexistent/loket.toml", "LOKET_LOG_LEVEL": "warning"}
    load_avg = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    budget = f"{args.duration:g} s per scenario" if generator == "wrk" else f"{args.requests} req"
    print(
        f"cores: {os.cpu_count()}; load average before: {load_avg}; generator: {generator}"
        f" ({budget}); uvicorn: {http_impl()}"
    )
    if generator == "httpx":
        print("NOTE: wrk not installed; the httpx generator shares the cores and caps the figures")
    print(HEADER)
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        bench = Bench(generator, args.duration, args.requests, env, tmp)
        if args.today:
            bench.figures_token = "pending"  # made per database below
            now = datetime.now(UTC)
            TIMES["started"] = (now - timedelta(minutes=5)).isoformat()
            TIMES["ended"] = (now - timedelta(minutes=1)).isoformat()
            print("contacts of today, the live day (a supervisor read /stats first)")
        for conns in (50, 200):
            bench.scenario(f"hello-world ASGI, {conns} conns", ["--serve-hello"], "x", conns)
        if args.only in ("all", "sqlite"):
            run_sqlite(bench, tmp, create_user)
    if args.only == "sqlite":
        return
    if not args.pg:
        print("PostgreSQL skipped (set LOKET_TEST_PG_URL or --pg)")
        return
    print(f"PostgreSQL synchronous_commit = {pg_setting(args.pg, 'synchronous_commit')}")
    with pg_schema(args.pg) as pg_url, tempfile.TemporaryDirectory() as tmp_dir:
        bench.tmp = Path(tmp_dir)
        run_pg(bench, pg_url, create_user)


def run_sqlite(bench: Bench, tmp: Path, create_user: Any) -> None:
    url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    token = create_user(url, "bench", "agent")
    if bench.figures_token:
        bench.figures_token = create_user(url, "bench-supervisor", "supervisor")
    serve = ["--serve-loket", url]
    stored = sqlite_counter(url)
    for conns in (50, 200):
        label = f"SQLite, 1 contact/push, {conns} conns"
        bench.scenario(label, serve, token, conns, count_stored=stored)
    if bench.generator == "wrk":
        label = "SQLite, 1 contact/push, 200 conns paced (~400 ms apart each)"
        bench.scenario(label, serve, token, 200, count_stored=stored, pace_ms=400)
    label = "SQLite, 100 contacts/push, 10 conns"
    bench.scenario(label, serve, token, 10, batch=100, count_stored=stored)


def run_pg(bench: Bench, url: str, create_user: Any) -> None:
    token = create_user(url, "bench", "agent")
    if bench.figures_token:
        bench.figures_token = create_user(url, "bench-supervisor", "supervisor")
    serve = ["--serve-loket", url]
    stored = pg_counter(url)
    one: dict[int, Result] = {}
    for conns in (50, 200):
        label = f"PostgreSQL, 1 process, 1 contact/push, {conns} conns"
        one[conns] = bench.scenario(label, serve, token, conns, count_stored=stored)
    label = "PostgreSQL, 1 process, 100 contacts/push, 10 conns"
    bench.scenario(label, serve, token, 10, batch=100, count_stored=stored)
    for conns in (50, 200):
        label = f"PostgreSQL, 2 processes, 1 contact/push, {conns} conns"
        two = bench.scenario(label, serve, token, conns, processes=2, count_stored=stored)
        print(f"two processes / one process at {conns} conns: {two.rps / one[conns].rps:.2f}x")


if __name__ == "__main__":
    main()
