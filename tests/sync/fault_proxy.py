"""A fault-injecting TCP proxy for the sync tests (127.0.0.1 only).

Sits between a console and the real central store and, per connection, decides (from a
seeded RNG, so a run is reproducible) to pass traffic, add latency, cut the request
half-way (the server never sees it whole), cut the response half-way (the server applied
the change but the console never hears so: the retry must be a duplicate), or reset the
connection. Probabilities can be changed while it runs; `stats` counts what it did.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
import socket
import struct
import threading
from collections import Counter
from dataclasses import dataclass

PASS = "pass"
DROP_REQUEST = "drop_request"
DROP_RESPONSE = "drop_response"
RESET = "reset"
CHUNK = 65536


@dataclass
class Faults:
    """Per-connection probabilities (checked in this order; the rest passes)."""

    drop_request: float = 0.0
    drop_response: float = 0.0
    reset: float = 0.0
    delay: float = 0.0  # probability that a connection gets latency on every chunk
    delay_max: float = 0.0  # seconds, uniform in [0, delay_max]


class FaultProxy:
    """`FaultProxy(port_of_server, seed=1, faults=Faults(...)).start()`; `.url`; `.stop()`."""

    def __init__(self, upstream_port: int, *, seed: int = 0, faults: Faults | None = None) -> None:
        self.upstream_port = upstream_port
        self.seed = seed
        self.faults = faults or Faults()
        self.stats: Counter[str] = Counter()
        self.port = 0
        self._counter = itertools.count()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.AbstractServer | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FaultProxy:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._listen(), self._loop)
        future.result(5)
        return self

    def stop(self) -> None:
        async def _close() -> None:
            if self._server is not None:
                self._server.close()
            for writer in list(self._writers):
                writer.transport.abort()

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(_close(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def set(self, faults: Faults) -> None:
        """Change the fault mix; applies to connections opened from now on."""
        self.faults = faults

    def drop_all_connections(self) -> None:
        """Abort every open connection (e.g. to make consoles reconnect at once)."""

        async def _abort() -> None:
            for writer in list(self._writers):
                writer.transport.abort()

        asyncio.run_coroutine_threadsafe(_abort(), self._loop).result(5)

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    def _choose(self, rng: random.Random) -> tuple[str, float]:
        f = self.faults
        roll = rng.random()
        fault = PASS
        for name, p in (
            (DROP_REQUEST, f.drop_request),
            (DROP_RESPONSE, f.drop_response),
            (RESET, f.reset),
        ):
            if roll < p:
                fault = name
                break
            roll -= p
        delay = rng.uniform(0, f.delay_max) if rng.random() < f.delay else 0.0
        return fault, delay

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        index = next(self._counter)
        rng = random.Random(f"{self.seed}:{index}")
        fault, delay = self._choose(rng)
        self.stats[fault] += 1
        if delay:
            self.stats["delayed"] += 1
        self._writers.add(writer)
        try:
            await self._serve(reader, writer, rng, fault, delay)
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            self._writers.discard(writer)
            writer.transport.abort()

    async def _serve(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        rng: random.Random,
        fault: str,
        delay: float,
    ) -> None:
        if fault == RESET:
            await reader.read(CHUNK)
            _rst(writer)
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            _rst(writer)  # upstream down: the console sees a refused/reset connection
            return
        try:
            if fault == DROP_REQUEST:
                data = await reader.read(CHUNK)
                if delay:
                    await asyncio.sleep(delay)
                up_writer.write(data[: max(1, len(data) // 2)])
                await up_writer.drain()
                await asyncio.sleep(0.01)
                return
            cut = fault == DROP_RESPONSE
            await asyncio.gather(
                _pipe(reader, up_writer, delay, None),
                _pipe(up_reader, writer, delay, rng if cut else None),
            )
        finally:
            up_writer.transport.abort()


async def _pipe(
    src: asyncio.StreamReader,
    dst: asyncio.StreamWriter,
    delay: float,
    cut_rng: random.Random | None,
) -> None:
    """Copy until EOF; with `cut_rng`, forward only part of the first chunk, then abort."""
    try:
        while True:
            data = await src.read(CHUNK)
            if not data:
                break
            if delay:
                await asyncio.sleep(delay)
            if cut_rng is not None:
                dst.write(data[: cut_rng.randint(0, max(0, len(data) - 1))])
                await dst.drain()
                dst.transport.abort()
                return
            dst.write(data)
            await dst.drain()
    finally:
        dst.transport.abort() if cut_rng is not None else _close_quietly(dst)


def _close_quietly(writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(Exception):
        writer.close()


def _rst(writer: asyncio.StreamWriter) -> None:
    """Close with SO_LINGER 0: the peer gets a TCP reset, not a clean FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()
