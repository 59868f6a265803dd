"""A Klantinteracties register for tests: answers like Open Klant, over real HTTP.

Every request is validated against the standard's OpenAPI document (copied beside this
file) with openapi-core; a request it refuses is answered 400 with `invalidParams`, as the
real register does, and recorded in `violations` so a test can assert there were none.
Resources get uuids and urls; POST answers 201, PATCH 200, GET lists are paginated and
filter on the parameters the exporter uses. The register's own checks beyond the schema
(digital address per kind, references that must exist) answer 400 too.

Faults: `FakeOpenKlant.stop()` (down: the port refuses), `delay` (seconds before answering),
`slow_after_create` (create, then answer too late: the client times out not knowing),
`fail_next` (that many 500s), `reject` (a callable: (collection, body) -> invalidParams
or None, for "this one record is refused").
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid as uuidlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openapi_core import OpenAPI
from openapi_core.testing import MockRequest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

SPEC_PATH = Path(__file__).with_name("klantinteracties-openapi.yaml")
BASE = "/klantinteracties/api/v1"
PAGE_SIZE = 100
TOKEN = "test-register-key"
_PHONE = re.compile(r"^(0[1-9][0-9]{8}|\+[0-9]{9,15}|00[0-9]{7,13})$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
COLLECTIONS = (
    "actoren",
    "actorklantcontacten",
    "betrokkenen",
    "digitaleadressen",
    "internetaken",
    "klantcontacten",
    "onderwerpobjecten",
)
# Reference fields a body may carry: field -> collection the uuid must exist in.
_REFERENCES = {
    "actor": "actoren",
    "klantcontact": "klantcontacten",
    "hadKlantcontact": "klantcontacten",
    "verstrektDoorBetrokkene": "betrokkenen",
    "aanleidinggevendKlantcontact": "klantcontacten",
    "toegewezenAanActoren": "actoren",
}
_SPEC: OpenAPI | None = None
_SPEC_LOCK = threading.Lock()


def spec() -> OpenAPI:
    """The parsed OpenAPI document (parsed once per test process)."""
    global _SPEC
    with _SPEC_LOCK:
        if _SPEC is None:
            _SPEC = OpenAPI.from_file_path(str(SPEC_PATH))
        return _SPEC


@dataclass
class Faults:
    delay: float = 0.0
    slow_after_create: float = 0.0
    fail_next: int = 0
    reject: Callable[[str, dict[str, Any]], list[dict[str, str]] | None] | None = None


@dataclass
class Register:
    """The register's state: resources per collection, every request seen, violations."""

    faults: Faults = field(default_factory=Faults)
    data: dict[str, dict[str, dict[str, Any]]] = field(
        default_factory=lambda: {c: {} for c in COLLECTIONS}
    )
    requests: list[tuple[str, str, int]] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    base_url: str = ""
    validate: bool = True  # off only for the benchmark's floor figure

    def created(self) -> Counter[str]:
        with self.lock:
            return Counter({c: len(items) for c, items in self.data.items()})

    def items(self, collection: str) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.data[collection].values())


def _validate(register: Register, request: Request, body: bytes) -> list[dict[str, str]]:
    """openapi-core's verdict on one request; problems as Open Klant's invalidParams."""
    mock = MockRequest(
        register.base_url or "http://127.0.0.1",
        request.method.lower(),
        request.url.path,
        args=dict(request.query_params),
        data=body.decode() if body else None,
        headers=dict(request.headers),
        content_type=request.headers.get("content-type", "application/json").split(";")[0],
    )
    try:
        spec().validate_request(mock)
    except Exception as exc:
        errors = getattr(exc.__cause__, "schema_errors", None) or ()
        reasons = [getattr(e, "message", str(e)) for e in errors] or [str(exc)]
        register.violations.append(f"{request.method} {request.url.path}: {'; '.join(reasons)}")
        return [{"name": "nonFieldErrors", "code": "invalid", "reason": r} for r in reasons]
    return []


def _error(status: int, params: list[dict[str, str]], title: str = "Invalid input.") -> Response:
    body = {
        "type": "https://open-klant/ref/fouten/ValidationError/",
        "code": "invalid" if status == 400 else "error",
        "title": title,
        "status": status,
        "detail": "",
        "instance": f"urn:uuid:{uuidlib.uuid4()}",
        "invalidParams": params,
    }
    return JSONResponse(body, status_code=status)


def _rules(register: Register, collection: str, body: dict[str, Any]) -> list[dict[str, str]]:
    """Checks the real register makes beyond the schema."""
    problems = []
    for name, target in _REFERENCES.items():
        refs = body.get(name)
        for ref in refs if isinstance(refs, list) else [refs] if refs else []:
            if ref.get("uuid") not in register.data[target]:
                problems.append({"name": name, "code": "does_not_exist", "reason": "Bestaat niet."})
    if collection == "digitaleadressen":
        soort, adres = body.get("soortDigitaalAdres"), str(body.get("adres", ""))
        if soort == "telefoonnummer" and not _PHONE.match(adres):
            problems.append({"name": "adres", "code": "invalid", "reason": "Ongeldig nummer."})
        if soort == "email" and not _EMAIL.match(adres):
            problems.append({"name": "adres", "code": "invalid", "reason": "Ongeldig adres."})
    return problems


def _complete(register: Register, collection: str, body: dict[str, Any]) -> dict[str, Any]:
    """The stored resource: the body plus what the register makes (uuid, url, read-only)."""
    new = str(uuidlib.uuid4())
    item = {**body, "uuid": new, "url": f"{register.base_url}{BASE}/{collection}/{new}"}
    for name in _REFERENCES:
        refs = item.get(name)
        if isinstance(refs, dict):
            refs["url"] = f"{register.base_url}{BASE}/{_REFERENCES[name]}/{refs['uuid']}"
    if collection == "internetaken":
        item["toegewezenOp"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    if collection == "betrokkenen":
        item.setdefault("digitaleAdressen", [])
        item["volledigeNaam"] = " ".join((item.get("contactnaam") or {}).values())
    if collection == "klantcontacten":
        for name in ("gingOverOnderwerpobjecten", "hadBetrokkenActoren", "omvatteBijlagen"):
            item[name] = []
        item["hadBetrokkenen"], item["leiddeTotInterneTaken"] = [], []
    return item


def _lookup(item: dict[str, Any], name: str) -> Any:
    """A filter's value in a resource: `a__b` is item[a][b]; `actoridentificatorObjectId` is
    item[actoridentificator][objectId] (the register's flattened names)."""
    if "__" in name:
        value: Any = item
        for part in name.split("__"):
            value = value.get(part) if isinstance(value, dict) else None
        return value
    for group in ("actoridentificator", "onderwerpobjectidentificator"):
        if name.startswith(group) and name != group:
            rest = name[len(group) :]
            return (item.get(group) or {}).get(rest[0].lower() + rest[1:])
    return item.get(name)


def create_app(register: Register) -> Starlette:
    async def handle(request: Request) -> Response:
        collection = request.path_params["collection"]
        item_id = request.path_params.get("uuid")
        body = await request.body()
        response = await _answer(register, request, collection, item_id, body)
        register.requests.append((request.method, request.url.path, response.status_code))
        return response

    routes = [
        Route(f"{BASE}/{{collection}}", handle, methods=["GET", "POST"]),
        Route(f"{BASE}/{{collection}}/{{uuid}}", handle, methods=["GET", "PATCH"]),
    ]
    return Starlette(routes=routes)


async def _answer(
    register: Register, request: Request, collection: str, item_id: str | None, raw: bytes
) -> Response:
    import asyncio

    faults = register.faults
    if faults.delay:
        await asyncio.sleep(faults.delay)
    if request.headers.get("authorization") != f"Token {TOKEN}":
        return JSONResponse({"detail": "Authenticatiegegevens zijn niet opgegeven."}, 401)
    if collection not in COLLECTIONS:
        return JSONResponse({"detail": "Niet gevonden."}, 404)
    problems = _validate(register, request, raw) if register.validate else []
    if problems:
        return _error(400, problems)
    if faults.fail_next > 0:
        faults.fail_next -= 1
        return _error(500, [], "Server error.")
    body = json.loads(raw) if raw else {}
    if request.method == "GET":
        return _list(register, request, collection, item_id)
    if request.method == "PATCH":
        with register.lock:
            item = register.data[collection].get(item_id or "")
            if item is None:
                return JSONResponse({"detail": "Niet gevonden."}, 404)
            item.update(body)
        return JSONResponse(item)
    problems = _rules(register, collection, body)
    if not problems and faults.reject is not None:
        problems = faults.reject(collection, body) or []
    if problems:
        return _error(400, problems)
    with register.lock:
        item = _complete(register, collection, body)
        register.data[collection][item["uuid"]] = item
    if faults.slow_after_create:
        await asyncio.sleep(faults.slow_after_create)
    return JSONResponse(item, status_code=201)


def _list(register: Register, request: Request, collection: str, item_id: str | None) -> Response:
    with register.lock:
        if item_id is not None:
            item = register.data[collection].get(item_id)
            return JSONResponse(item) if item else JSONResponse({"detail": "Niet gevonden."}, 404)
        filters = {k: v for k, v in request.query_params.items() if k != "page"}
        found = [
            item
            for item in register.data[collection].values()
            if all(str(_lookup(item, k)) == v for k, v in filters.items())
        ]
    page = int(request.query_params.get("page", "1"))
    chunk = found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    more = page * PAGE_SIZE < len(found)
    url = request.url.include_query_params(page=page + 1) if more else None
    return JSONResponse(
        {"count": len(found), "next": str(url) if url else None, "previous": None, "results": chunk}
    )


class FakeOpenKlant:
    """The register on 127.0.0.1 in a background thread; `stop()` then `start()` again on
    the same port simulates an outage (the state survives, like a real register's)."""

    def __init__(self, register: Register | None = None, port: int = 0) -> None:
        self.register = register or Register()
        self.port = port
        self._server: Any = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeOpenKlant:
        import uvicorn

        from loket.server.embedded import bind_socket

        sock = bind_socket("127.0.0.1", self.port)
        self.port = sock.getsockname()[1]
        self.register.base_url = self.url
        config = uvicorn.Config(
            create_app(self.register), log_level="warning", access_log=False, lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("fake register did not start")
            time.sleep(0.01)
        self._socket = sock
        return self

    def stop(self) -> None:
        if self._server is None or self._thread is None:
            return
        self._server.should_exit = True
        self._thread.join(10)
        self._socket.close()
        self._server = self._thread = None
