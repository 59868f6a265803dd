"""Health and metrics for operators (outside the API prefix, no token)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from loket.server.deps import Running, Store
from loket.server.metrics import CONTENT_TYPE
from loket.server.responses import HealthOut

router = APIRouter(tags=["operations"])


@router.get("/healthz", response_model=HealthOut)
def healthz(store: Store) -> dict[str, str]:
    with store.storage.read() as r:
        r.max_seq()
    return {"status": "ok", "db": store.storage.backend}


@router.get("/metrics", response_class=Response)
def metrics_text(rt: Running) -> Response:
    return Response(rt.metrics.render(), media_type=CONTENT_TYPE)
