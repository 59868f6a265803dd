"""The OpenAPI document describes what the server really answers."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from loket.server.app import AppConfig, create_app

# Answers that are not JSON documents: the stream, the metrics text, the docs themselves.
NOT_JSON = {"/api/v1/events", "/metrics", "/api/v1/openapi.json", "/api/v1/docs"}


def _spec() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        return create_app(AppConfig(db_url=f"sqlite:///{Path(tmp) / 'spec.sqlite3'}")).openapi()


def test_every_json_answer_has_a_described_shape() -> None:
    """A route answering a bare dict passes schemathesis's response-schema check whatever
    it sends; every JSON answer must name its model instead."""
    vague = []
    for path, operations in _spec()["paths"].items():
        if path in NOT_JSON:
            continue
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if not status.startswith("2"):
                    continue
                body = response.get("content", {}).get("application/json", {}).get("schema", {})
                if "$ref" not in body:
                    vague.append(f"{method.upper()} {path} {status}: {body}")
    assert not vague


def test_the_stream_and_the_metrics_name_their_content_type() -> None:
    paths = _spec()["paths"]
    stream = paths["/api/v1/events"]["get"]["responses"]["200"]["content"]
    metrics = paths["/metrics"]["get"]["responses"]["200"]["content"]
    assert list(stream) == ["text/event-stream"] and list(metrics) == ["text/plain"]
