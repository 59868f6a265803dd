"""A small SSE reader for tests: runs a stream in a thread and collects events and pings."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass
class SseReader:
    url: str
    token: str
    last_event_id: int | None = None
    events: list[dict[str, Any]] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    error: BaseException | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _connected: threading.Event = field(default_factory=threading.Event)

    def __enter__(self) -> SseReader:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        assert self._connected.wait(10), f"stream did not open: {self.error!r}"
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)

    def _run(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        if self.last_event_id is not None:
            headers["Last-Event-ID"] = str(self.last_event_id)
        try:
            with (
                httpx.Client(timeout=httpx.Timeout(5.0, read=1.0)) as client,
                client.stream("GET", f"{self.url}/api/v1/events", headers=headers) as response,
            ):
                assert response.status_code == 200
                assert response.headers["content-type"].startswith("text/event-stream")
                self._read(response)
        except httpx.ReadTimeout:
            if not self._stop.is_set():
                self._read_again()
        except BaseException as exc:  # surfaced by the test through .error
            self.error = exc
        finally:
            self._connected.set()

    def _read_again(self) -> None:
        self.error = RuntimeError("stream went silent for 1 s (no event, no ping)")

    def _read(self, response: httpx.Response) -> None:
        block: dict[str, str] = {}
        for line in response.iter_lines():
            if self._stop.is_set():
                return
            if line.startswith(":"):
                self.comments.append(line[1:].strip())
                self._connected.set()
            elif line == "":
                if block:
                    self.events.append(
                        {
                            "id": int(block["id"]),
                            "event": block["event"],
                            "data": json.loads(block["data"]),
                        }
                    )
                block = {}
            else:
                key, _, value = line.partition(":")
                block[key] = value.strip()

    @property
    def running(self) -> bool:
        """Whether the stream is still open (False once the server ended it)."""
        return self._thread is not None and self._thread.is_alive()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while len(self.events) < count and time.monotonic() < deadline:
            assert self.error is None, self.error
            time.sleep(0.02)
        return list(self.events)
