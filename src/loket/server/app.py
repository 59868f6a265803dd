"""The ASGI app: the routers of `loket.server.routes` over the services, opened and closed
by the app's lifespan.

Most handlers are plain `def` so FastAPI runs them in its thread pool: storage is
synchronous (sqlite3, psycopg), and a blocked thread never stalls the event loop that
serves the live-event streams. Push is `async def`: it hands the request to the one
writer thread (`PushWriter`, group commit) and awaits the answer, with no thread-pool hop.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI
from starlette.concurrency import run_in_threadpool

from loket.server import error_handlers
from loket.server.bsn import BsnKeys
from loket.server.deps import Runtime, known_query
from loket.server.events import ChangeFeed
from loket.server.limits import BodyLimitMiddleware
from loket.server.metrics import Metrics, MetricsMiddleware
from loket.server.routes import RESOURCES, docs, operations
from loket.server.services import CentralStore
from loket.server.storage import Storage, open_storage
from loket.server.writer import PushWriter

log = logging.getLogger(__name__)


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


def store_factory(config: AppConfig) -> Callable[[Storage], CentralStore]:
    """The services with the same reference data the consoles use (loket.reference): a
    team, channel or outcome a console may choose is one the server accepts. Read now, so
    broken reference data stops the app before it listens."""
    from loket.reference import load_contact_lists, load_queues, load_routing

    channels, outcomes = load_contact_lists(config.data_dir)
    teams = load_routing(config.data_dir).team_ids()
    queues = load_queues(config.data_dir)

    def make(storage: Storage) -> CentralStore:
        return CentralStore(
            storage,
            keys=config.bsn_keys,
            key_file=Path(config.bsn_key_file) if config.bsn_key_file else None,
            teams=teams,
            channels=channels,
            outcomes=outcomes,
            queues=queues,
        )

    return make


def check_database(config: AppConfig) -> str:
    """Open the store once (migrations, BSN keys: the key file is made here on first start)
    and close it; the backend name. For `loket serve`, so an unreachable database or wrong
    keys are one clear message before anything listens. Raises `BsnKeyError` for keys."""
    storage = open_storage(config.db_url, pool_size=1)
    try:
        store_factory(config)(storage).open()
        return storage.backend
    finally:
        storage.close()


def create_app(config: AppConfig, storage: Storage | None = None) -> FastAPI:
    """Build the app; the database is opened (and migrated) when the app starts and closed
    when it stops. `storage`: an already built backend to use instead of `config.db_url`."""
    metrics = Metrics()
    make_store = store_factory(config)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        backend = storage or open_storage(config.db_url)
        try:
            store = make_store(backend)
            store.open()
            feed = ChangeFeed(backend, poll_interval=config.poll_seconds)
            writer = PushWriter(store.sync)
            await feed.start()
            writer.start()
            exporter = _exporter(config, backend, metrics)
            app.state.runtime = Runtime(config, store, feed, writer, metrics)
            log.info("central store ready (%s)", backend.backend)
            try:
                yield
            finally:
                if exporter is not None:
                    await run_in_threadpool(exporter.stop)
                await writer.stop()
                await feed.stop()
                del app.state.runtime
        finally:
            backend.close()

    app = FastAPI(
        title="loket central store",
        version="1",
        openapi_url=None,  # served by routes.docs, which pass the app's dependencies
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        dependencies=[Depends(known_query)],  # unknown query parameters: 400, never ignored
    )
    error_handlers.install(app)
    for router in RESOURCES:
        app.include_router(router, responses=error_handlers.ERROR_RESPONSES)
    app.include_router(operations.router)
    app.include_router(docs.router)
    app.add_middleware(BodyLimitMiddleware, max_bytes=config.max_body_bytes)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    return app


def _exporter(config: AppConfig, storage: Storage, metrics: Metrics) -> Any:
    """The Klantinteracties export (loket.server.export_queue), when one is configured."""
    if not config.export_url:
        return None
    from loket.server.export_queue import ExportSettings, start_exporter

    settings = ExportSettings(config.export_url, config.export_token)
    return start_exporter(storage, settings, config.data_dir, config.kb_dir, metrics.registry)


def close_streams(app: object) -> None:
    """End the live-event streams of a running app (from any thread), so it stops promptly;
    nothing for an app that is not loket's or not running."""
    rt: Runtime | None = getattr(getattr(app, "state", None), "runtime", None)
    if rt is not None:
        rt.feed.close_threadsafe()
