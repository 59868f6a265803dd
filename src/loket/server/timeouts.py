"""Request header and body read timeouts for uvicorn, which has neither.

Without them a client that opens a connection and sends half a request line, or
announces a body and never sends it, holds a connection (and for a body, a handler)
for ever: a handful of half-open connections is enough to exhaust the server.

- header timeout: from the connection's first moment, or a new request's first byte
  on a kept-alive connection, until the headers are complete; then 408 and close;
- body timeout: the longest pause between two pieces of a request body; then close
  (the handler sees the client disconnect).

Idle kept-alive connections are closed by uvicorn's own `timeout_keep_alive`.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

_REQUEST_TIMEOUT = (
    b"HTTP/1.1 408 Request Timeout\r\n"
    b"content-type: text/plain; charset=utf-8\r\n"
    b"content-length: 16\r\n"
    b"connection: close\r\n\r\n"
    b"Request timeout."
)


class TimedHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a header and a body read timeout (seconds)."""

    header_timeout = 10.0
    body_timeout = 30.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._read_timer: asyncio.TimerHandle | None = None

    def _arm(self, seconds: float, on_expiry: Any) -> None:
        self._disarm()
        self._read_timer = self.loop.call_later(seconds, on_expiry)

    def _disarm(self) -> None:
        if self._read_timer is not None:
            self._read_timer.cancel()
            self._read_timer = None

    def _headers_too_slow(self) -> None:
        self._read_timer = None
        if not self.transport.is_closing():
            idle = self.cycle is None or self.cycle.response_complete
            if idle:  # no response of this connection is under way: say why
                self.transport.write(_REQUEST_TIMEOUT)
            self.transport.close()

    def _body_too_slow(self) -> None:
        self._read_timer = None
        if self.flow.read_paused:  # the handler is behind, not the client: wait for it
            self._arm(self.body_timeout, self._body_too_slow)
        elif not self.transport.is_closing():
            self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self.header_timeout, self._headers_too_slow)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm(self.header_timeout, self._headers_too_slow)

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        self._arm(self.body_timeout, self._body_too_slow)

    def on_body(self, body: bytes) -> None:
        super().on_body(body)
        self._arm(self.body_timeout, self._body_too_slow)

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()


def timed_protocol(header_timeout: float, body_timeout: float) -> type[TimedHttpProtocol]:
    """A protocol class for `uvicorn.Config(http=...)` with these timeouts."""
    return type(
        "TimedHttpProtocol",
        (TimedHttpProtocol,),
        {"header_timeout": header_timeout, "body_timeout": body_timeout},
    )
