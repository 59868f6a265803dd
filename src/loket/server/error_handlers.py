"""The edge of the API: every refusal, malformed request or crash becomes the protocol's
error body (docs/sync-protocol.md, "Errors") with its 4xx/5xx status."""

from __future__ import annotations

import errno
import logging
import sqlite3
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from loket.domain.errors import FieldError
from loket.server.errors import STATUS, ApiError
from loket.server.responses import ErrorOut
from loket.server.storage.changes import ItemFailed

log = logging.getLogger(__name__)

_HTTP_CODES = {status: code for code, status in STATUS.items() if code != "validation"}

# The error answers every route may give, for the OpenAPI document.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut} for status in (400, 401, 403, 404, 409, 413, 422, 500, 503)
}

RETRY_AFTER_SECONDS = 30  # a full disk is an operator's job: come back in a while
NO_SPACE = "no space left on device"

# Where a database error comes from: SQLite, the OS, PostgreSQL (when installed).
_STORAGE_ERRORS: list[type[Exception]] = [sqlite3.Error, OSError, ItemFailed]
try:
    import psycopg

    _STORAGE_ERRORS.append(psycopg.Error)
except ImportError:  # pragma: no cover - psycopg is a dependency
    pass


def write_refused(request: Request, exc: BaseException) -> str | None:
    """Why the store could not write, when that is the disk (full, read-only) rather than
    a bug: from the error or what caused it, else from the storage's own check now."""
    seen: BaseException | None = exc
    while seen is not None:
        if getattr(seen, "sqlite_errorname", "") == "SQLITE_FULL":
            return NO_SPACE
        if isinstance(seen, OSError) and seen.errno in (errno.ENOSPC, errno.EDQUOT):
            return NO_SPACE
        if getattr(seen, "sqlstate", None) == "53100":  # PostgreSQL: disk_full
            return "the database server's disk is full"
        seen = seen.__cause__ or seen.__context__
    runtime = getattr(request.app.state, "runtime", None)
    return runtime.store.storage.write_problem() if runtime is not None else None


def unavailable(reason: str) -> JSONResponse:
    message = (
        f"The central store cannot write now: {reason}. Nothing of this request was saved"
        " and nothing saved before is lost; try again later."
    )
    body = {"error": {"code": "unavailable", "message": message, "fields": []}}
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    return JSONResponse(body, status_code=503, headers=headers)


def error_response(exc: ApiError) -> JSONResponse:
    body: dict[str, Any] = {"error": exc.body()}
    if exc.current is not None:
        body["error"]["current"] = exc.current
        body["current"] = exc.current
    return JSONResponse(body, status_code=exc.status)


def install(app: FastAPI) -> None:
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

    async def storage_error(request: Request, exc: Exception) -> JSONResponse:
        """A full or read-only disk: 503 with Retry-After (the transaction was rolled
        back); any other database error goes on to `crash`."""
        reason = write_refused(request, exc)
        if reason is None:
            raise exc
        log.error("write refused on %s: %s", request.url.path, reason)
        return unavailable(reason)

    for error in _STORAGE_ERRORS:
        app.add_exception_handler(error, storage_error)

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
