"""Request body size limit, enforced before anything parses the body."""

from __future__ import annotations

import json
from typing import Any


class BodyLimitMiddleware:
    """413 for bodies over `max_bytes`: by Content-Length at once, else while reading.

    A chunked body is buffered up to the limit (at most `max_bytes` held) and replayed,
    so the app never sees half a body and never has to handle the error itself.
    """

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = _content_length(scope)
        if length is not None:
            if length > self.max_bytes:
                await self._too_large(send)
                return
            await self.app(scope, receive, send)
            return
        messages: list[dict[str, Any]] = []
        total = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            total += len(message.get("body", b""))
            if total > self.max_bytes:
                await self._too_large(send)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> dict[str, Any]:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, send: Any) -> None:
        message = f"Request body is larger than {self.max_bytes} bytes."
        body = json.dumps(
            {
                "error": {
                    "code": "too_large",
                    "message": message,
                    "fields": [{"field": "body", "message": message}],
                }
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _content_length(scope: dict[str, Any]) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
