"""HTTP client for a Klantinteracties API, and the send step that makes a plan exist.

Errors are sorted into two kinds, because the exporter acts on them differently:
`Rejected` (a 4xx with the register's field errors: retrying the same request cannot
help, so the record is kept aside for a person) and `Unavailable` (down, slow, 5xx, 429:
try again later with backoff). `Unavailable.uncertain` says the request may have been
carried out anyway (a time-out after sending, a 5xx), so the next attempt looks before it
creates.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from loket.export.mapping import Resource, lookup_params, matches, resolve_refs

log = logging.getLogger(__name__)

BASE_PATH = "/klantinteracties/api/v1"


@dataclass(frozen=True)
class FieldProblem:
    """One of the register's `invalidParams`: which field, and why (no values: they may be
    personal data)."""

    name: str
    code: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "code": self.code, "reason": self.reason}


class ExportError(Exception):
    pass


class Rejected(ExportError):
    """The register refused a request (4xx): kept, shown, retried only by hand."""

    def __init__(self, resource: str, status: int, problems: list[FieldProblem]) -> None:
        self.resource = resource
        self.status = status
        self.problems = problems
        first = problems[0] if problems else None
        detail = f"{first.name}: {first.reason}" if first else f"HTTP {status}"
        super().__init__(f"{resource} refused ({status}): {detail}")

    def as_dict(self) -> dict[str, Any]:
        return {
            "resource": self.resource,
            "status": self.status,
            "fields": [p.as_dict() for p in self.problems],
        }


class Unavailable(ExportError):
    """The register could not be reached or failed (try again later)."""

    def __init__(self, message: str, uncertain: bool) -> None:
        super().__init__(message)
        self.uncertain = uncertain


class KlantinteractiesClient:
    """A thin synchronous client (one keep-alive connection pool) for one register."""

    def __init__(
        self,
        url: str,
        token: str,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        base = url.rstrip("/")
        if not base.endswith(BASE_PATH):
            base += BASE_PATH
        self.base = base
        self._http = httpx.Client(
            base_url=base,
            headers={"Authorization": f"Token {token}", "Accept": "application/json"},
            timeout=timeout,
            transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    def create(self, collection: str, body: dict[str, Any]) -> str:
        """POST; the new resource's uuid."""
        answer = self._call("POST", f"/{collection}", collection, json=body)
        return str(answer["uuid"])

    def update(self, collection: str, uuid: str, body: dict[str, Any]) -> None:
        self._call("PATCH", f"/{collection}/{uuid}", collection, json=body)

    def find(self, collection: str, params: Mapping[str, str]) -> list[dict[str, Any]]:
        """Every resource matching the filters (follows `next` pages)."""
        found: list[dict[str, Any]] = []
        answer = self._call("GET", f"/{collection}", collection, params=dict(params))
        found.extend(answer.get("results", []))
        while answer.get("next"):
            answer = self._call("GET", str(answer["next"]), collection)
            found.extend(answer.get("results", []))
        return found

    def _call(self, method: str, path: str, resource: str, **kwargs: Any) -> dict[str, Any]:
        writes = method != "GET"
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.ConnectError as exc:  # nothing was sent
            raise Unavailable(f"cannot connect: {type(exc).__name__}", uncertain=False) from None
        except httpx.TransportError as exc:  # time-out or broken connection: maybe done
            raise Unavailable(f"{type(exc).__name__} on {resource}", uncertain=writes) from None
        if response.status_code >= 500 or response.status_code in (408, 425, 429):
            raise Unavailable(f"HTTP {response.status_code} on {resource}", uncertain=writes)
        if response.status_code >= 400:
            raise Rejected(resource, response.status_code, _problems(response))
        if not response.content:
            return {}
        try:
            return response.json()
        except ValueError:
            raise Unavailable(f"not JSON from {resource}", uncertain=writes) from None


def _problems(response: httpx.Response) -> list[FieldProblem]:
    """The register's `invalidParams` (Open Klant's error body), or its `detail`."""
    try:
        body = response.json()
    except ValueError:
        return []
    if not isinstance(body, dict):
        return []
    found = [
        FieldProblem(str(p.get("name", "")), str(p.get("code", "")), str(p.get("reason", "")))
        for p in body.get("invalidParams") or []
        if isinstance(p, dict)
    ]
    if not found and body.get("detail"):
        found.append(FieldProblem("", str(body.get("code", "")), str(body["detail"])))
    return found


@dataclass
class Known:
    """What loket knows of the register: remote uuid and state per resource key."""

    uuids: dict[str, str] = field(default_factory=dict)
    states: dict[str, str] = field(default_factory=dict)
    changed: set[str] = field(default_factory=set)  # keys learnt or updated in this send

    def learn(self, key: str, uuid: str, state: str) -> None:
        self.uuids[key] = uuid
        self.states[key] = state
        self.changed.add(key)


def send_plan(
    plan: Iterable[Resource],
    known: Known,
    client: KlantinteractiesClient,
    careful: bool,
) -> int:
    """Make every resource of `plan` exist in the register, in order; returns requests sent.

    A resource with a known uuid is skipped (or PATCHed when its state changed). `careful`
    (the last attempt may have created things we never heard back about): look each one up
    before creating it, and adopt what is found. Raises `Rejected` / `Unavailable`; `known`
    then holds everything made so far, so a retry continues where this one stopped.
    """
    sent = 0
    for resource in plan:
        uuid = known.uuids.get(resource.key)
        if uuid is not None:
            if resource.state and known.states.get(resource.key) != resource.state:
                client.update(resource.collection, uuid, resolve_refs(resource.update, known.uuids))
                known.learn(resource.key, uuid, resource.state)
                sent += 1
            continue
        if careful and resource.lookup:
            found = [
                r
                for r in client.find(resource.collection, lookup_params(resource, known.uuids))
                if matches(r, resource.match)
            ]
            sent += 1
            if found:
                # Adopt it; a state change since then is patched on the next line.
                known.learn(resource.key, str(found[0]["uuid"]), "")
                if resource.state:
                    body = resolve_refs(resource.update, known.uuids)
                    client.update(resource.collection, known.uuids[resource.key], body)
                    known.learn(resource.key, known.uuids[resource.key], resource.state)
                    sent += 1
                continue
        new = client.create(resource.collection, resolve_refs(resource.body, known.uuids))
        known.learn(resource.key, new, resource.state)
        sent += 1
    return sent


def preview(plan: Iterable[Resource], known: Known) -> list[dict[str, Any]]:
    """The requests `send_plan` would send without `careful` (for --dry-run): references to
    resources not made yet appear as `{"uuid": "<new:KEY>"}`."""
    uuids = _Placeholders(known.uuids)
    found: list[dict[str, Any]] = []
    for resource in plan:
        uuid = known.uuids.get(resource.key)
        if uuid is not None:
            if resource.state and known.states.get(resource.key) != resource.state:
                found.append(
                    {
                        "method": "PATCH",
                        "path": f"/{resource.collection}/{uuid}",
                        "body": resolve_refs(resource.update, uuids),
                    }
                )
            continue
        body = resolve_refs(resource.body, uuids)
        found.append({"method": "POST", "path": f"/{resource.collection}", "body": body})
    return found


class _Placeholders(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return f"<new:{key}>"
