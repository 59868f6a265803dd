"""The edge of the API: every refusal, malformed request or crash becomes the protocol's
error body (docs/sync-protocol.md, "Errors") with its 4xx/5xx status."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from loket.domain.errors import FieldError
from loket.server.errors import STATUS, ApiError
from loket.server.responses import ErrorOut

log = logging.getLogger(__name__)

_HTTP_CODES = {status: code for code, status in STATUS.items() if code != "validation"}

# The error answers every route may give, for the OpenAPI document.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut} for status in (400, 401, 403, 404, 409, 413, 422, 500)
}


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
