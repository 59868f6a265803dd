"""HTTP client for the central store's live-queue endpoints (docs/integrations.md):
call events, tickets, agent states, live figures. Same errors as `SyncClient`."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from loket.protocol import Route
from loket.sync.client import RequestRefused, ServerError, SyncClient


def refusal_text(exc: RequestRefused) -> str:
    """`field: message` of the server's first field error, else the plain message."""
    error = exc.body.get("error") if isinstance(exc.body, dict) else None
    fields = error.get("fields") if isinstance(error, dict) else None
    if fields:
        return f"{fields[0].get('field')}: {fields[0].get('message')}"
    if isinstance(error, dict) and error.get("message"):
        return str(error["message"])
    return str(exc)


class LiveClient(SyncClient):
    def _dict(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        body = self._request(method, path, **kwargs)
        if not isinstance(body, dict):
            raise ServerError("Onverwacht antwoord van de server.")
        return body

    def post_call_event(self, event: dict[str, Any]) -> dict[str, Any]:
        return self._dict("POST", Route.CALL_EVENTS, json=event)

    def call(self, call_id: str) -> dict[str, Any]:
        return self._dict("GET", Route.CALL.format(call_id=quote(call_id, safe="")))

    def draw_ticket(self, service: str) -> dict[str, Any]:
        return self._dict("POST", Route.TICKETS, json={"service": service})

    def next_ticket(self, services: list[str] | None = None, desk: str = "") -> dict[str, Any]:
        return self._dict("POST", Route.TICKET_NEXT, json={"services": services, "desk": desk})

    def no_show(self, ticket_id: str) -> dict[str, Any]:
        return self._dict("POST", Route.TICKET_NO_SHOW.format(ticket_id=ticket_id))

    def set_state(self, state: str, reason: str = "") -> dict[str, Any]:
        return self._dict("POST", Route.AGENT_STATE, json={"state": state, "reason": reason})

    def live(self) -> dict[str, Any]:
        return self._dict("GET", Route.LIVE)

    def office(self) -> dict[str, Any]:
        return self._dict("GET", Route.LIVE_OFFICE)
