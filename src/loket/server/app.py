"""The ASGI app: thin routes over `CentralStore`, errors turned into the protocol's 4xx body.

Most handlers are plain `def` so FastAPI runs them in its thread pool: storage is
synchronous (sqlite3, psycopg), and a blocked thread never stalls the event loop that
serves the live-event streams. Push is `async def`: it hands the request to the one
writer thread (`PushWriter`, group commit) and awaits the answer, with no thread-pool hop.
"""

import logging
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from loket.domain.errors import FieldError
from loket.server import schemas
from loket.server.auth import User
from loket.server.bsn import BsnKeys
from loket.server.errors import ApiError
from loket.server.events import ChangeFeed, event_stream
from loket.server.limits import BodyLimitMiddleware
from loket.server.metrics import CONTENT_TYPE, Metrics, MetricsMiddleware
from loket.server.service import CentralStore
from loket.server.storage import Storage, open_storage
from loket.server.writer import PushWriter

log = logging.getLogger(__name__)

API = "/api/v1"
QueryText = Annotated[schemas.Text | None, Query(max_length=200)]
Limit = Annotated[int, Query(ge=1, le=1000)]
PathId = Annotated[schemas.Text, Path(min_length=1, max_length=200)]


@dataclass
class AppConfig:
    db_url: str
    bsn_keys: BsnKeys | None = None  # given directly (tests, benchmarks), else ...
    bsn_key_file: str = ""  # ... read from this file, made on first start (loket.server.bsn)
    max_body_bytes: int = 1_000_000
    heartbeat_seconds: float = 15.0
    poll_seconds: float | None = None  # change-log poll without a wake-up; backend default
    data_dir: str | None = None  # back offices, channels, outcomes; default: the shipped data
    kb_dir: str | None = None  # for the export's UPL products; default: the shipped kb
    export_url: str = ""  # a Klantinteracties register: export runs in the background
    export_token: str = ""


def _central_store(config: AppConfig, storage: Storage) -> CentralStore:
    """The rules engine with the same reference data the consoles use (loket.reference):
    a team, channel or outcome a console may choose is one the server accepts."""
    from loket.reference import load_contact_lists, load_routing

    channels, outcomes = load_contact_lists(config.data_dir)
    teams = load_routing(config.data_dir).team_ids()
    return CentralStore(
        storage,
        keys=config.bsn_keys,
        key_file=FilePath(config.bsn_key_file) if config.bsn_key_file else None,
        teams=teams,
        channels=channels,
        outcomes=outcomes,
    )


def create_app(config: AppConfig, storage: Storage | None = None) -> FastAPI:
    """Build the app; the database is opened (and migrated) when the app starts."""
    metrics = Metrics()
    storage = storage or open_storage(config.db_url)
    store = _central_store(config, storage)
    feed = ChangeFeed(storage, poll_interval=config.poll_seconds)
    writer = PushWriter(store)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store.open()
        await feed.start()
        writer.start()
        exporter = _exporter(config, storage, metrics)
        log.info("central store ready (%s)", storage.backend)
        try:
            yield
        finally:
            if exporter is not None:
                await run_in_threadpool(exporter.stop)
            await writer.stop()
            await feed.stop()
            storage.close()

    app = FastAPI(
        title="loket central store",
        version="1",
        openapi_url=f"{API}/openapi.json",
        docs_url=f"{API}/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.store = store
    app.state.feed = feed
    app.state.metrics = metrics
    app.state.config = config
    _error_handlers(app)
    app.include_router(_routes(store, writer, feed, metrics, config))
    app.add_middleware(BodyLimitMiddleware, max_bytes=config.max_body_bytes)
    app.add_middleware(MetricsMiddleware, metrics=metrics)

    @app.get("/healthz", tags=["operations"])
    def healthz() -> dict[str, str]:
        with storage.read() as r:
            r.max_seq()
        return {"status": "ok", "db": storage.backend}

    @app.get("/metrics", tags=["operations"], response_class=Response)
    def metrics_text() -> Response:
        return Response(metrics.render(), media_type=CONTENT_TYPE)

    return app


def _exporter(config: AppConfig, storage: Storage, metrics: Metrics) -> Any:
    """The Klantinteracties export (loket.server.export_queue), when one is configured."""
    if not config.export_url:
        return None
    from loket.server.export_queue import ExportSettings, start_exporter

    settings = ExportSettings(config.export_url, config.export_token)
    return start_exporter(storage, settings, config.data_dir, config.kb_dir, metrics.registry)


# --- errors -----------------------------------------------------------------------------------


def error_response(exc: ApiError) -> JSONResponse:
    body: dict[str, Any] = {"error": exc.body()}
    if exc.current is not None:
        body["error"]["current"] = exc.current
        body["current"] = exc.current
    return JSONResponse(body, status_code=exc.status)


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    409: "conflict",
    413: "too_large",
}


def _error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(request_error(exc.errors()))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "bad_request")
        body = {"error": {"code": code, "message": str(exc.detail), "fields": []}}
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception) -> JSONResponse:
        # Never the exception text: it may hold personal data from the request.
        log.error("internal error on %s: %s", request.url.path, type(exc).__name__)
        body = {"error": {"code": "internal", "message": "Internal server error.", "fields": []}}
        return JSONResponse(body, status_code=500)


def request_error(errors: Any) -> ApiError:
    """FastAPI's 422 as the protocol's error: malformed JSON is 400, the rest names fields."""
    fields = []
    malformed = False
    for err in errors:
        loc = [p for p in err.get("loc", ()) if p not in ("body",)]
        if loc and loc[0] in ("query", "path", "header"):
            loc = loc[1:]
        if err.get("type") == "json_invalid":
            malformed = True
        path = ""
        for part in loc:
            path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
        fields.append(FieldError(path or "body", err.get("msg", "invalid")))
    if malformed:
        return ApiError("bad_request", "Request body is not valid JSON.", fields)
    message = f"{fields[0].field}: {fields[0].message}" if fields else "Invalid request."
    return ApiError("validation", message, fields)


# --- routes ------------------------------------------------------------------------------------


def _routes(
    store: CentralStore,
    writer: PushWriter,
    feed: ChangeFeed,
    metrics: Metrics,
    config: AppConfig,
) -> APIRouter:
    bearer = HTTPBearer(auto_error=False)

    async def current_user(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> User:
        # async: a cached caller costs no thread hop; a lookup goes to the thread pool.
        if credentials is None or not credentials.credentials:
            raise ApiError("unauthorized", "Missing bearer token.")
        token = credentials.credentials
        return store.cached_user(token) or await run_in_threadpool(store.authenticate, token)

    def admin_user(user: Annotated[User, Depends(current_user)]) -> User:
        store.require_admin(user)
        return user

    Caller = Annotated[User, Depends(current_user)]
    Admin = Annotated[User, Depends(admin_user)]
    r = APIRouter(prefix=API)

    @r.get("/me", tags=["identity"])
    def me(user: Caller) -> dict[str, Any]:
        return user.as_dict()

    @r.post("/sync/push", tags=["sync"])
    async def push(body: schemas.PushIn, user: Caller) -> dict[str, Any]:
        results = await writer.push(user, body.changes)
        for status, count in Counter(r["status"] for r in results).items():
            metrics.pushes.labels(status).inc(count)
        # A plain JSON response: the results are JSON-ready dicts, so FastAPI's
        # response-model pass (jsonable_encoder over every item) would only cost time.
        return JSONResponse({"results": results})  # type: ignore[return-value]

    @r.get("/sync/pull", tags=["sync"])
    def pull(
        user: Caller,
        since: Annotated[int, Query(ge=0, le=schemas.VERSION_MAX)] = 0,
        limit: Limit = 500,
    ) -> dict[str, Any]:
        return store.pull(user, since, limit)

    @r.get("/events", tags=["sync"], response_class=StreamingResponse)
    async def events(
        user: Caller,
        since: Annotated[int | None, Query(ge=0, le=schemas.VERSION_MAX)] = None,
        last_event_id: Annotated[str | None, Header(max_length=32)] = None,
    ) -> StreamingResponse:
        start = since
        if last_event_id and last_event_id.strip().isdigit():
            start = int(last_event_id.strip())

        async def body() -> AsyncIterator[str]:
            metrics.sse_clients.inc()
            try:
                async for chunk in event_stream(feed, user, start, config.heartbeat_seconds):
                    yield chunk
            finally:
                metrics.sse_clients.dec()

        headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        return StreamingResponse(body(), media_type="text/event-stream", headers=headers)

    @r.get("/contacts", tags=["contacts"])
    def contacts(
        user: Caller,
        since: QueryText = None,
        until: QueryText = None,
        channel: QueryText = None,
        agent: QueryText = None,
        outcome: QueryText = None,
        limit: Limit = 100,
        cursor: QueryText = None,
    ) -> dict[str, Any]:
        filters = {
            "since": since,
            "until": until,
            "channel": channel,
            "agent": agent,
            "outcome": outcome,
        }
        return store.list_contacts(user, filters, limit, cursor)

    @r.get("/contacts/{contact_id}", tags=["contacts"])
    def contact(contact_id: PathId, user: Caller) -> dict[str, Any]:
        return store.get_contact(user, contact_id)

    @r.post("/contacts/{contact_id}/bsn", tags=["contacts"])
    def show_bsn(contact_id: PathId, body: schemas.ShowBsnIn, user: Caller) -> JSONResponse:
        """The full BSN, with a reason; recorded in the access log as `show_bsn`."""
        found = store.show_bsn(user, contact_id, body.reason)
        return JSONResponse(found, headers={"Cache-Control": "no-store"})

    @r.post("/customers/lookup", tags=["contacts"])
    def lookup(body: schemas.LookupIn, user: Caller) -> dict[str, Any]:
        return store.lookup(user, body)

    @r.get("/tasks", tags=["tasks"])
    def tasks(
        user: Caller,
        team: QueryText = None,
        status: QueryText = None,
        assignee: QueryText = None,
        limit: Limit = 100,
        cursor: QueryText = None,
    ) -> dict[str, Any]:
        filters = {"team": team, "status": status, "assignee": assignee}
        return store.list_tasks(user, filters, limit, cursor)

    @r.get("/tasks/{task_id}", tags=["tasks"])
    def task(task_id: PathId, user: Caller) -> dict[str, Any]:
        return store.get_task(user, task_id)

    _task_actions(r, store, Caller)

    @r.get("/stats", tags=["supervision"])
    def stats(user: Caller, date: date | None = None) -> dict[str, Any]:
        return store.stats(user, date)

    @r.get("/users", tags=["admin"])
    def users(user: Admin) -> dict[str, Any]:
        return {"items": store.list_users()}

    @r.post("/users", tags=["admin"], status_code=201)
    def add_user(body: schemas.UserIn, user: Admin) -> dict[str, Any]:
        token = store.add_user(body.name, body.role, body.teams)
        return {"name": body.name, "role": body.role, "teams": body.teams, "token": token}

    @r.post("/users/{name}/disable", tags=["admin"])
    def disable_user(name: PathId, user: Admin) -> dict[str, Any]:
        store.disable_user(name)
        return {"name": name, "disabled": True}

    @r.get("/access-log", tags=["admin"])
    def access_log(
        user: Admin,
        limit: Limit = 100,
        before: Annotated[int | None, Query(ge=0, le=schemas.VERSION_MAX)] = None,
    ) -> dict[str, Any]:
        return store.access_log(limit, before)

    return r


def _task_actions(r: APIRouter, store: CentralStore, caller: Any) -> None:
    """One route per task action; each is the same `CentralStore.act` as push's task.action."""

    @r.post("/tasks/{task_id}/claim", tags=["tasks"])
    def claim(task_id: PathId, body: schemas.VersionIn, user: caller) -> dict[str, Any]:
        return store.act(user, task_id, "claim", body.version, {})

    @r.post("/tasks/{task_id}/unclaim", tags=["tasks"])
    def unclaim(task_id: PathId, body: schemas.VersionIn, user: caller) -> dict[str, Any]:
        return store.act(user, task_id, "unclaim", body.version, {})

    @r.post("/tasks/{task_id}/notes", tags=["tasks"])
    def note(task_id: PathId, body: schemas.NoteIn, user: caller) -> dict[str, Any]:
        return store.act(user, task_id, "note", body.version, {"note": body.note})

    @r.post("/tasks/{task_id}/callback-attempts", tags=["tasks"])
    def callback(task_id: PathId, body: schemas.CallbackAttemptIn, user: caller) -> dict[str, Any]:
        fields = {"note": body.note, "reached": body.reached}
        return store.act(user, task_id, "callback_attempt", body.version, fields)

    @r.post("/tasks/{task_id}/resolve", tags=["tasks"])
    def resolve(task_id: PathId, body: schemas.ResolveIn, user: caller) -> dict[str, Any]:
        fields = {"resolution": body.resolution}
        return store.act(user, task_id, "resolve", body.version, fields)

    @r.post("/tasks/{task_id}/return", tags=["tasks"])
    def return_(task_id: PathId, body: schemas.ReturnIn, user: caller) -> dict[str, Any]:
        return store.act(user, task_id, "return", body.version, {"note": body.note})

    @r.post("/tasks/{task_id}/forward", tags=["tasks"])
    def forward(task_id: PathId, body: schemas.ForwardIn, user: caller) -> dict[str, Any]:
        fields = {"team": body.team, "note": body.note}
        return store.act(user, task_id, "forward", body.version, fields)
