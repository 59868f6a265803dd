"""The API's own description: the OpenAPI document and its Swagger page.

Served as ordinary routes (FastAPI's built-in ones are plain Starlette routes), so they
pass the app-wide dependencies too: an undeclared query parameter is refused here as on
every other route."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

from loket.protocol import API_PREFIX

OPENAPI_PATH = f"{API_PREFIX}/openapi.json"

router = APIRouter(include_in_schema=False)


@router.get(OPENAPI_PATH)
async def openapi(request: Request) -> JSONResponse:
    return JSONResponse(request.app.openapi())


@router.get(f"{API_PREFIX}/docs")
async def swagger(request: Request) -> HTMLResponse:
    return get_swagger_ui_html(openapi_url=OPENAPI_PATH, title=f"{request.app.title} API")
