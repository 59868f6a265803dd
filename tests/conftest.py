"""Shared fixtures: central-store servers over real HTTP, on SQLite and (when configured)
PostgreSQL, plus users with tokens.

- `backend` / `db_url`: "sqlite" by default; parametrise `backend` indirectly with
  `BACKENDS` to run a test on both (PostgreSQL skips unless LOKET_TEST_PG_URL is set).
- `server_factory(db_url=None, n=1, **options)`: start in-process servers; stopped at teardown.
- `live_server`: one started server on `db_url`, with `.url`, `.make_user()`, `.client()`.
- `make_user(role, teams=(), name=None) -> (name, token)` on the live server's database.
- `server_process(db_url, port=None)`: `loket serve` as a separate process (kill -9-able).
"""

from __future__ import annotations

import itertools
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import pytest

PG_ENV = "LOKET_TEST_PG_URL"
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)]
_names = itertools.count(1)


def _test_bsn_keys() -> Any:
    from loket.server.bsn import BsnKeys

    return BsnKeys.generate()


# One BSN key ring for every in-process server of the session, as all the server
# processes of a real deployment share one key file.
TEST_BSN_KEYS = _test_bsn_keys()


def with_search_path(url: str, schema: str) -> str:
    """The URL with `options=-csearch_path=<schema>`, so every connection uses that schema."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "options"]
    query.append(("options", f"-csearch_path={schema}"))
    return urlunsplit(parts._replace(query=urlencode(query)))


@pytest.fixture(scope="session")
def pg_base_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(
            f"PostgreSQL tests need {PG_ENV} (e.g. postgresql://postgres@127.0.0.1:5432/test)"
        )
    return url


def _pg_schema(base_url: str, prefix: str = "loket_test") -> Iterator[str]:
    """A fresh schema (its URL) for the duration; the benchmarks use it too."""
    import psycopg

    schema = f"{prefix}_{secrets.token_hex(6)}"
    with psycopg.connect(base_url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield with_search_path(base_url, schema)
    finally:
        with psycopg.connect(base_url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


@pytest.fixture(scope="session")
def pg_url(pg_base_url: str) -> Iterator[str]:
    """A fresh PostgreSQL schema for this test session (dropped at the end)."""
    yield from _pg_schema(pg_base_url)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    return getattr(request, "param", "sqlite")


@pytest.fixture
def db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """An empty central-store database: an SQLite file, or a fresh PostgreSQL schema."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'central.sqlite3'}"
        return
    base = request.getfixturevalue("pg_base_url")
    yield from _pg_schema(base)


@dataclass
class LiveServer:
    url: str
    db_url: str
    server: Any
    clients: list[httpx.Client] = field(default_factory=list)

    def make_user(
        self, role: str, teams: tuple[str, ...] | list[str] = (), name: str | None = None
    ) -> tuple[str, str]:
        """A user with a token, made through the running server's store (no new pool)."""
        name = name or f"{role}{next(_names)}"
        return name, self.server.store.users.add(name, role, list(teams))

    def client(self, token: str | None = None, **kwargs: Any) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        client = httpx.Client(base_url=self.url, headers=headers, timeout=10.0, **kwargs)
        self.clients.append(client)
        return client


@pytest.fixture
def server_factory(db_url: str) -> Iterator[Callable[..., list[LiveServer]]]:
    """Start `n` in-process servers on one database (default: this test's `db_url`)."""
    from loket.server.embedded import EmbeddedServer

    started: list[LiveServer] = []

    def start(url: str | None = None, n: int = 1, **options: Any) -> list[LiveServer]:
        url = url or db_url
        if "bsn_key_file" not in options:
            options.setdefault("bsn_keys", TEST_BSN_KEYS)
        servers = []
        for _ in range(n):
            server = EmbeddedServer(url, **options).start()
            live = LiveServer(server.url, url, server)
            started.append(live)
            servers.append(live)
        return servers

    yield start
    for live in started:
        for client in live.clients:
            client.close()
        live.server.stop()


@pytest.fixture
def live_server(
    server_factory: Callable[..., list[LiveServer]], request: pytest.FixtureRequest
) -> LiveServer:
    """A running central store on this test's database (SQLite unless `backend` says so).

    Server options via indirect parametrisation, e.g.
    `@pytest.mark.parametrize("live_server", [{"heartbeat_seconds": 0.2}], indirect=True)`.
    """
    return server_factory(**getattr(request, "param", {}))[0]


@pytest.fixture
def make_user(live_server: LiveServer) -> Callable[..., tuple[str, str]]:
    """`make_user(role, teams=(), name=None) -> (name, token)` on the live server's database."""
    return live_server.make_user


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class ServerProcess:
    """`loket serve` in its own process: for kill -9 / restart fault tests."""

    db_url: str
    port: int
    env: dict[str, str]
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20.0) -> ServerProcess:
        cmd = [
            sys.executable,
            "-m",
            "loket",
            "serve",
            "--db",
            self.db_url,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--no-access-log",
        ]
        self.proc = subprocess.Popen(
            cmd, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode(errors="replace") if self.proc.stderr else ""
                raise RuntimeError(f"loket serve exited with {self.proc.returncode}: {err[-2000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=0.5).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"loket serve did not answer on {self.url} within {timeout} s")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush; what a crash looks like."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def restart(self) -> ServerProcess:
        self.kill()
        return self.start()


@pytest.fixture
def server_process(tmp_path: Path) -> Iterator[Callable[..., ServerProcess]]:
    """`server_process(db_url, port=None)` starts `loket serve` as a child process."""
    started: list[ServerProcess] = []
    env = {
        **os.environ,
        "LOKET_CONFIG": str(tmp_path / "no-config.toml"),
        "LOKET_STATE_DIR": str(tmp_path / "server-state"),  # its BSN key file goes here
    }

    def start(db_url: str, port: int | None = None) -> ServerProcess:
        proc = ServerProcess(db_url, port or free_port(), env).start()
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.stop()
