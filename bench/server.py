"""Central-store load benchmark (not a test).

Pushes contacts over real HTTP to `loket serve` running in its own process, from one
asyncio load generator (httpx.AsyncClient) with 50 and 200 concurrent clients, and prints
throughput (contacts/s), latency (p50, p95, p99) and the server's peak memory. A bare ASGI
hello-world on the same uvicorn set-up, hit by the same generator, is the ceiling.

    /work/venv/bin/python bench/server.py                 # SQLite only
    LOKET_TEST_PG_URL=postgresql://postgres@127.0.0.1:5432/test \\
        /work/venv/bin/python bench/server.py

Every request count is bounded; all servers are child processes on 127.0.0.1 and stop
at the end. PostgreSQL runs in a fresh schema that is dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent


# --- servers ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve_hello(port: int) -> None:
    """The ceiling: the smallest ASGI app, on the same socket and uvicorn settings."""
    import uvicorn

    from loket.server.embedded import bind_socket, uvicorn_config

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        headers = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b'{"results": []}'})

    uvicorn.Server(uvicorn_config(app)).run(sockets=[bind_socket("127.0.0.1", port)])


@dataclass
class Proc:
    proc: subprocess.Popen[bytes]
    url: str

    def peak_rss_mb(self) -> float:
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return float("nan")


@contextmanager
def processes(commands: list[list[str]], env: dict[str, str]) -> Iterator[list[Proc]]:
    procs: list[Proc] = []
    try:
        for cmd, port in commands:
            p = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            procs.append(Proc(p, f"http://127.0.0.1:{port}"))
        for proc in procs:
            wait_ready(proc)
        yield procs
    finally:
        for proc in procs:
            proc.proc.terminate()
        for proc in procs:
            try:
                proc.proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.proc.kill()


def wait_ready(proc: Proc, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.proc.returncode}")
        try:
            httpx.get(f"{proc.url}/healthz", timeout=0.5)
            return
        except httpx.HTTPError:
            time.sleep(0.05)
    raise RuntimeError("server did not start")


def loket_cmd(db_url: str, port: int) -> list[Any]:
    cmd = [
        sys.executable,
        "-m",
        "loket",
        "serve",
        "--db",
        db_url,
        "--port",
        str(port),
        "--no-access-log",
    ]
    return [cmd, port]


def hello_cmd(port: int) -> list[Any]:
    return [[sys.executable, str(Path(__file__).resolve()), "--serve-hello", str(port)], port]


# --- load ---------------------------------------------------------------------------------------


def contact(agent: str) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "agent": agent,
        "channel": "telefoon",
        "started_at": "2026-11-23T09:00:00+00:00",
        "ended_at": "2026-11-23T09:04:00+00:00",
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
                "id": str(uuid.uuid4()),
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


def batch(agent: str, size: int) -> dict[str, Any]:
    return {
        "changes": [
            {
                "id": str(uuid.uuid4()),
                "kind": "contact.save",
                "made_at": "2026-11-23T09:04:00+00:00",
                "payload": {"contact": contact(agent)},
            }
            for _ in range(size)
        ]
    }


@dataclass
class Result:
    label: str
    requests: int
    items: int
    seconds: float
    latencies: list[float]
    errors: int
    peak_mb: float = float("nan")

    def row(self) -> str:
        lat = sorted(self.latencies)
        q = statistics.quantiles(lat, n=100) if len(lat) >= 2 else [lat[0]] * 99
        return (
            f"| {self.label} | {self.requests} | {self.items / self.seconds:,.0f} | "
            f"{statistics.median(lat) * 1000:.1f} | {q[94] * 1000:.1f} | {q[98] * 1000:.1f} | "
            f"{self.errors} | {self.peak_mb:.0f} |"
        )


async def load(
    urls: list[str],
    path: str,
    token: str,
    clients: int,
    requests: int,
    batch_size: int,
    label: str,
    method: str = "POST",
) -> Result:
    """`requests` requests from `clients` concurrent workers, spread over `urls`."""
    latencies: list[float] = []
    errors = 0
    todo = iter(range(requests))
    headers = {"Authorization": f"Bearer {token}"}

    async def worker(n: int) -> None:
        # One client (one keep-alive connection) per worker: a single shared AsyncClient
        # serialises on its pool and caps out far below the server.
        nonlocal errors
        async with httpx.AsyncClient(
            base_url=urls[n % len(urls)], headers=headers, timeout=60.0
        ) as client:
            for _ in todo:
                body = batch("bench", batch_size) if method == "POST" else None
                started = time.perf_counter()
                response = await client.request(method, path, json=body)
                latencies.append(time.perf_counter() - started)
                if response.status_code != 200 or any(
                    r["status"] != "applied" for r in response.json().get("results", [])
                ):
                    errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker(n) for n in range(clients)))
    seconds = time.perf_counter() - started
    return Result(label, requests, requests * batch_size, seconds, latencies, errors)


def run_scenario(
    label: str,
    commands: list[list[Any]],
    env: dict[str, str],
    token: str,
    clients: int,
    requests: int,
    batch_size: int = 1,
    path: str = "/api/v1/sync/push",
) -> Result:
    with processes(commands, env) as procs:
        urls = [p.url for p in procs]
        asyncio.run(load(urls, path, token, clients, min(200, requests), batch_size, "warm-up"))
        result = asyncio.run(load(urls, path, token, clients, requests, batch_size, label))
        result.peak_mb = max(p.peak_rss_mb() for p in procs)
    print(result.row(), flush=True)
    return result


# --- main ---------------------------------------------------------------------------------------


@contextmanager
def pg_schema(base_url: str) -> Iterator[str]:
    import psycopg

    sys.path.insert(0, str(ROOT))
    from tests.conftest import with_search_path

    schema = f"loket_bench_{secrets.token_hex(4)}"
    with psycopg.connect(base_url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield with_search_path(base_url, schema)
    finally:
        with psycopg.connect(base_url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve-hello", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--requests", type=int, default=4000, help="requests per scenario")
    parser.add_argument("--pg", default=os.environ.get("LOKET_TEST_PG_URL", ""))
    args = parser.parse_args()
    if args.serve_hello:
        serve_hello(args.serve_hello)
        return

    from loket.server.admin import create_user

    env = {**os.environ, "LOKET_CONFIG": "/nonexistent/loket.toml", "LOKET_LOG_LEVEL": "warning"}
    n = args.requests
    load_avg = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"cores: {os.cpu_count()}; load average before: {load_avg}; requests per scenario: {n}")
    print("| scenario | requests | items/s | p50 ms | p95 ms | p99 ms | errors | server peak MB |")
    print("|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for clients in (50, 200):
            run_scenario(
                f"hello-world ASGI, {clients} clients",
                [hello_cmd(free_port())],
                env,
                "x",
                clients,
                n,
                path="/",
            )
        sqlite_url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        token = create_user(sqlite_url, "bench", "agent")
        for clients in (50, 200):
            run_scenario(
                f"SQLite, 1 contact/push, {clients} clients",
                [loket_cmd(sqlite_url, free_port())],
                env,
                token,
                clients,
                n,
            )
        run_scenario(
            "SQLite, 100 contacts/push, 50 clients",
            [loket_cmd(sqlite_url, free_port())],
            env,
            token,
            50,
            max(40, n // 50),
            100,
        )
    if not args.pg:
        print("PostgreSQL skipped (set LOKET_TEST_PG_URL or --pg)")
        return
    with pg_schema(args.pg) as pg_url:
        token = create_user(pg_url, "bench", "agent")
        one = {}
        for clients in (50, 200):
            one[clients] = run_scenario(
                f"PostgreSQL, 1 process, 1 contact/push, {clients} clients",
                [loket_cmd(pg_url, free_port())],
                env,
                token,
                clients,
                n,
            )
        run_scenario(
            "PostgreSQL, 100 contacts/push, 50 clients",
            [loket_cmd(pg_url, free_port())],
            env,
            token,
            50,
            max(40, n // 50),
            100,
        )
        for clients in (50, 200):
            two = run_scenario(
                f"PostgreSQL, 2 processes, 1 contact/push, {clients} clients",
                [loket_cmd(pg_url, free_port()), loket_cmd(pg_url, free_port())],
                env,
                token,
                clients,
                n,
            )
            ratio = (two.items / two.seconds) / (one[clients].items / one[clients].seconds)
            print(f"two processes / one process at {clients} clients: {ratio:.2f}x")


if __name__ == "__main__":
    main()
