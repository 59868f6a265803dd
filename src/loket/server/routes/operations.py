"""Health and metrics for operators (outside the API prefix, no token)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from loket.server.deps import Running, Store
from loket.server.metrics import CONTENT_TYPE
from loket.server.responses import HealthOut

router = APIRouter(tags=["operations"])


@router.get(
    "/healthz",
    response_model=HealthOut,
    response_model_exclude_none=True,
    responses={503: {"model": HealthOut}},
)
def healthz(store: Store) -> Any:
    """ok only when the database answers and can take writes (503 on a full disk)."""
    with store.storage.read() as r:
        r.max_seq()
    backend = store.storage.backend
    problem = store.storage.write_problem()
    if problem is not None:
        body = {"status": "unavailable", "db": backend, "reason": problem}
        return JSONResponse(body, status_code=503)
    return {"status": "ok", "db": backend}


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {
            "description": "Prometheus metrics in the text exposition format",
            "content": {CONTENT_TYPE.split(";")[0]: {"schema": {"type": "string"}}},
        }
    },
)
def metrics_text(rt: Running) -> Response:
    return Response(rt.metrics.render(), media_type=CONTENT_TYPE)
