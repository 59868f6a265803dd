"""Run the central store inside this process: for `loket demo`, tests and benchmarks."""

from __future__ import annotations

import logging
import socket
import threading
import time
from types import TracebackType
from typing import Any

import uvicorn

from loket.server.app import AppConfig, close_streams, create_app
from loket.server.bsn import BsnKeys
from loket.server.deps import Runtime
from loket.server.services import CentralStore
from loket.server.timeouts import timed_protocol


class LoketUvicorn(uvicorn.Server):
    """uvicorn that ends live-event streams first, so stopping never waits on open streams."""

    def handle_exit(self, sig: int, frame: Any) -> None:
        close_streams(self.config.app)
        super().handle_exit(sig, frame)


def uvicorn_config(
    app: Any,
    log_level: str = "warning",
    access_log: bool = False,
    header_timeout: float = 10.0,
    body_timeout: float = 30.0,
) -> uvicorn.Config:
    """uvicorn settings shared by `loket serve`, the demo and tests (see server.timeouts)."""
    config = uvicorn.Config(
        app,
        http=timed_protocol(header_timeout, body_timeout),
        log_level=log_level,
        access_log=access_log,
        lifespan="on",
        timeout_graceful_shutdown=3,
        server_header=False,
    )
    access = logging.getLogger("uvicorn.access")  # configured by Config() just now
    if not any(isinstance(f, WithoutQuery) for f in access.filters):
        access.addFilter(WithoutQuery())
    return config


class WithoutQuery(logging.Filter):
    """The request log shows the path without its query string: a query can carry a token
    (`?token=`) or personal data (`?phone=`), and the log must hold neither."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], args[2].split("?", 1)[0], *args[3:])
        return True


def http_impl() -> str:
    """Which event loop and HTTP parser uvicorn's "auto" picks here (uvloop/httptools when
    installed: `uvicorn[standard]`), for benchmark output."""
    import importlib.util

    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    return f"{loop}+{http}"


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening socket with TCP_NODELAY (inherited by accepted connections).

    Without it a keep-alive client waits ~40 ms per request: uvicorn writes headers and
    body separately, and Nagle holds the body until the client's delayed ACK.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(2048)
    return sock


class EmbeddedServer:
    """The central store in a background thread, listening on `host:port` (0 = a free port).

    `start()` returns once the server accepts connections; `url` is then its base URL.
    BSN keys: `bsn_keys`, or `bsn_key_file` (made on first start); with neither, a key
    ring made for this server alone (tests, benchmarks: what it writes no later server
    reads).
    """

    def __init__(
        self,
        db_url: str,
        host: str = "127.0.0.1",
        port: int = 0,
        bsn_keys: BsnKeys | None = None,
        bsn_key_file: str = "",
        max_body_bytes: int = 1_000_000,
        heartbeat_seconds: float = 15.0,
        poll_seconds: float | None = None,
        log_level: str = "warning",
        data_dir: str | None = None,
        export_url: str = "",
        export_token: str = "",
        header_timeout: float = 10.0,
        body_timeout: float = 30.0,
        access_log: bool = False,
    ) -> None:
        self.access_log = access_log
        self.config = AppConfig(
            db_url=db_url,
            bsn_keys=bsn_keys if bsn_keys or bsn_key_file else BsnKeys.generate(),
            bsn_key_file=bsn_key_file,
            max_body_bytes=max_body_bytes,
            heartbeat_seconds=heartbeat_seconds,
            poll_seconds=poll_seconds,
            data_dir=data_dir,
            export_url=export_url,
            export_token=export_token,
        )
        self.host = host
        self.port = port
        self.log_level = log_level
        self.timeouts = (header_timeout, body_timeout)
        self.app = create_app(self.config)
        self._server: LoketUvicorn | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def store(self) -> CentralStore:
        """The running server's services (tests and the demo make users through them)."""
        runtime: Runtime | None = getattr(self.app.state, "runtime", None)
        if runtime is None:
            raise RuntimeError("the central store is not running")
        return runtime.store

    def start(self, timeout: float = 15.0) -> EmbeddedServer:
        sock = bind_socket(self.host, self.port)
        self.port = sock.getsockname()[1]
        self._socket = sock
        header_timeout, body_timeout = self.timeouts
        config = uvicorn_config(
            self.app,
            self.log_level,
            access_log=self.access_log,
            header_timeout=header_timeout,
            body_timeout=body_timeout,
        )
        self._server = LoketUvicorn(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="loket-server", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("central store failed to start (see the log above)")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"central store did not start within {timeout} s")
            time.sleep(0.01)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        close_streams(self.app)
        server.should_exit = True
        thread.join(timeout)
        if thread.is_alive():
            server.force_exit = True
            thread.join(timeout)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None

    def __enter__(self) -> EmbeddedServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
