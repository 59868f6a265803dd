"""Request header and body read timeouts: half-open connections are closed, not held."""

from __future__ import annotations

import socket
import time
from urllib.parse import urlsplit

import httpx
import pytest

TIMEOUTS = {"header_timeout": 0.5, "body_timeout": 0.5}


def _connect(url: str) -> socket.socket:
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=5)
    return sock


def _read_until_closed(sock: socket.socket, limit: float = 5.0) -> tuple[bytes, float]:
    """Everything the server sends until it closes the connection, and how long that took."""
    started = time.monotonic()
    received = b""
    sock.settimeout(limit)
    while True:
        chunk = sock.recv(4096)  # raises TimeoutError if the server holds the connection
        if not chunk:
            return received, time.monotonic() - started
        received += chunk


@pytest.mark.parametrize("live_server", [TIMEOUTS], indirect=True)
def test_partial_request_line_is_answered_408_and_closed(live_server) -> None:
    with _connect(live_server.url) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # headers never end
        received, waited = _read_until_closed(sock)
    assert received.startswith(b"HTTP/1.1 408")
    assert 0.3 < waited < 3


@pytest.mark.parametrize("live_server", [TIMEOUTS], indirect=True)
def test_silent_connection_is_closed(live_server) -> None:
    with _connect(live_server.url) as sock:
        received, waited = _read_until_closed(sock)
    assert received.startswith(b"HTTP/1.1 408") and waited < 3


@pytest.mark.parametrize("live_server", [TIMEOUTS], indirect=True)
def test_body_that_never_arrives_is_closed_and_server_keeps_serving(live_server) -> None:
    _, token = live_server.make_user("agent")
    with _connect(live_server.url) as sock:
        sock.sendall(
            b"POST /api/v1/sync/push HTTP/1.1\r\nHost: x\r\n"
            b"Authorization: Bearer " + token.encode() + b"\r\n"
            b'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"changes": ['
        )
        _, waited = _read_until_closed(sock)
    assert waited < 3
    assert httpx.get(f"{live_server.url}/healthz", timeout=5).status_code == 200


@pytest.mark.parametrize("live_server", [TIMEOUTS], indirect=True)
def test_slow_but_steady_client_and_keep_alive_still_work(live_server) -> None:
    """The header clock restarts per request, so a kept-alive connection is not cut."""
    with httpx.Client(base_url=live_server.url, timeout=5) as client:
        for _ in range(3):
            assert client.get("/healthz").status_code == 200
            time.sleep(0.3)
    with _connect(live_server.url) as sock:
        for piece in (b"GET /healthz HTTP/1.1\r\n", b"Host: x\r\n", b"Connection: close\r\n\r\n"):
            sock.sendall(piece)
            time.sleep(0.15)
        received, _ = _read_until_closed(sock)
    assert received.startswith(b"HTTP/1.1 200")
