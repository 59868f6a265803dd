"""HTTP client for the central store's sync API (docs/sync-protocol.md).

Thin on purpose: one method per endpoint, short timeouts, and every failure turned into a
`SyncError` whose message is Dutch, short and free of personal data (the console shows it
in its status line). Deciding what to retry is the engine's job, not this module's.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, cast

import httpx
from httpx_sse import EventSource, SSEError

from loket.protocol import API_PREFIX, PullPage, PushResult, Route


class SyncError(Exception):
    """A sync request failed; `str(exc)` is Dutch text for the status line."""

    retry = True  # worth trying again later


class Offline(SyncError):
    """The server could not be reached, or the connection broke (timeouts included)."""


class ServerError(SyncError):
    """The server answered 5xx (or something that is not the protocol)."""


class AuthError(SyncError):
    """401/403: the token is wrong or the user may not do this. Retrying will not help."""

    retry = False


class RequestRefused(SyncError):
    """Another 4xx for the whole request (bad request, too large, ...)."""

    retry = False

    def __init__(self, message: str, status: int, body: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = body or {}


@dataclass
class SseEvent:
    id: str | None
    event: str
    data: str

    def json(self) -> dict[str, Any]:
        try:
            value = json.loads(self.data)
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}


class SyncClient:
    """One httpx.Client per console; safe to share between threads for plain requests."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = 5.0,
        connect_timeout: float = 2.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        self._timeout = httpx.Timeout(timeout, connect=connect_timeout)
        self._transport = transport
        self._http = self._new_client(self._timeout)

    def _new_client(self, timeout: httpx.Timeout) -> httpx.Client:
        return httpx.Client(
            base_url=self.base_url + API_PREFIX,
            headers=self._headers,
            timeout=timeout,
            transport=self._transport,
        )

    def close(self) -> None:
        self._http.close()

    # -- requests ---------------------------------------------------------------------------

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            raise Offline("Server reageert niet op tijd.") from exc
        except (httpx.TransportError, OSError) as exc:
            raise Offline("Server niet bereikbaar.") from exc
        return _decode(response)

    def me(self) -> dict[str, Any]:
        body = self._request("GET", Route.ME)
        if not isinstance(body, dict):
            raise ServerError("Onverwacht antwoord van de server op aanmelden.")
        return body

    def push(self, changes: list[dict[str, Any]]) -> list[PushResult]:
        body = self._request("POST", Route.SYNC_PUSH, json={"changes": changes})
        results = body.get("results") if isinstance(body, dict) else None
        if not isinstance(results, list):
            raise ServerError("Onverwacht antwoord van de server op verzenden.")
        return cast(list[PushResult], results)

    def pull(self, since: int, limit: int = 1000) -> PullPage:
        body = self._request("GET", Route.SYNC_PULL, params={"since": since, "limit": limit})
        if not isinstance(body, dict) or not isinstance(body.get("changes"), list):
            raise ServerError("Onverwacht antwoord van de server op ophalen.")
        return cast(PullPage, body)

    def stats(self, day: str | None = None) -> dict[str, Any]:
        """The central store's figures of one day (supervisors and admins only)."""
        body = self._request("GET", Route.STATS, params={"date": day} if day else None)
        if not isinstance(body, dict) or "contacts" not in body:
            raise ServerError("Onverwacht antwoord van de server op cijfers.")
        return body

    def report(self, first: str, last: str, by: str) -> dict[str, Any]:
        """Management figures over a period, grouped (supervisors and admins only)."""
        body = self._request("GET", Route.REPORT, params={"from": first, "to": last, "by": by})
        if not isinstance(body, dict) or not isinstance(body.get("groups"), list):
            raise ServerError("Onverwacht antwoord van de server op cijfers.")
        return body

    def charts(self, day: str | None = None) -> dict[str, Any]:
        """The report screen's chart series (supervisors and admins only)."""
        body = self._request("GET", Route.REPORT_CHARTS, params={"date": day} if day else None)
        if not isinstance(body, dict) or not isinstance(body.get("hourly"), dict):
            raise ServerError("Onverwacht antwoord van de server op cijfers.")
        return body

    def tasks(
        self, *, team: str | None = None, status: str | None = None, cursor: str | None = None
    ) -> dict[str, Any]:
        """One page of the tasks the caller may see (`items`, `next_cursor`)."""
        params = {k: v for k, v in (("team", team), ("status", status), ("cursor", cursor)) if v}
        body = self._request("GET", Route.TASKS, params=params)
        if not isinstance(body, dict) or not isinstance(body.get("items"), list):
            raise ServerError("Onverwacht antwoord van de server op taken.")
        return body

    def lookup(self, keys: Mapping[str, str], for_contact: str = "") -> list[dict[str, Any]]:
        """The resident's history across the KCC by `validation.lookup_keys` (or the contact
        with `keys["reference"]`); `for_contact` is the open contact the lookup is for (the
        reason the server's access log records)."""
        body_in = {k: v for k, v in {**keys, "for_contact": for_contact}.items() if v}
        body = self._request("POST", Route.CUSTOMER_LOOKUP, json=body_in)
        items = body.get("items") if isinstance(body, dict) else None
        return items if isinstance(items, list) else []

    def show_bsn(self, contact_id: str, reason: str) -> str:
        """The full BSN of one contact; the server records who asked and why."""
        try:
            path = Route.CONTACT_BSN.format(contact_id=contact_id)
            body = self._request("POST", path, json={"reason": reason})
        except RequestRefused as exc:
            if exc.status == 404:
                raise RequestRefused("Geen BSN bekend bij dit contact.", 404) from None
            if exc.status == 422:
                raise RequestRefused(
                    "Geef een reden (minstens 5 tekens, zonder nummers).", 422
                ) from None
            raise
        bsn = body.get("bsn") if isinstance(body, dict) else None
        if not isinstance(bsn, str):
            raise ServerError("Onverwacht antwoord van de server op BSN tonen.")
        return bsn

    # -- live events -------------------------------------------------------------------------

    def events(
        self, last_event_id: str | None, *, read_timeout: float = 35.0
    ) -> Iterator[SseEvent]:
        """Stream server-sent events until the connection ends; raises SyncError on failure.

        The read timeout exceeds the server's 15 s heartbeat, so a silent dead link is
        noticed within it. The caller closes the generator to stop.
        """
        headers = {"Accept": "text/event-stream"}
        if last_event_id:
            headers["Last-Event-ID"] = last_event_id
        timeout = httpx.Timeout(read_timeout, connect=self._timeout.connect)
        try:
            with (
                self._new_client(timeout) as http,
                http.stream("GET", Route.EVENTS, headers=headers) as response,
            ):
                if response.status_code >= 400:
                    response.read()
                    _decode(response)
                yield from sse_events(response)
        except SSEError as exc:  # not an event stream: a proxy's page, say
            raise ServerError("Onverwacht antwoord van de server.") from exc
        except httpx.TimeoutException as exc:
            raise Offline("Live verbinding met de server verloren.") from exc
        except (httpx.TransportError, OSError) as exc:
            raise Offline("Live verbinding met de server verloren.") from exc


def sse_events(response: httpx.Response) -> Iterator[SseEvent]:
    """The stream's events; httpx-sse does the framing (fields, comments, multi-line data).

    A block without data is no event (the standard's rule): httpx-sse would hand one out
    for the blank line after each `: ping`, carrying the last event id."""
    for sse in EventSource(response).iter_sse():
        if sse.data:
            yield SseEvent(sse.id or None, sse.event or "message", sse.data)


def _decode(response: httpx.Response) -> Any:
    """JSON body of a 2xx, or the matching SyncError (Dutch message, no personal data)."""
    status = response.status_code
    if status >= 500:
        raise ServerError(f"Server gaf een fout ({status}).")
    try:
        body = response.json()
    except ValueError as exc:
        if status < 300:
            raise ServerError("Onverwacht antwoord van de server.") from exc
        body = {}
    if status in (401, 403):
        raise AuthError(
            "Niet aangemeld bij de server: controleer het token."
            if status == 401
            else "Geen toegang tot deze gegevens op de server."
        )
    if status >= 400:
        raise RequestRefused(f"Server weigerde het verzoek ({status}).", status, body)
    return body
