"""Property-based fuzzing of the whole API from its own OpenAPI spec: no input, however
odd, may produce a server error, and every answer (status, content type, headers, body)
must be one the OpenAPI document describes. Each generated request is sent as an admin
and as an agent (different code paths)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from loket.server.app import AppConfig, create_app
from loket.server.embedded import EmbeddedServer
from tests.server.helpers import contact, create, save, task

EXAMPLES_PER_OPERATION = 15
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def _spec() -> dict:
    """The app's OpenAPI document, built without serving anything."""
    with tempfile.TemporaryDirectory() as tmp:
        return create_app(AppConfig(db_url=f"sqlite:///{Path(tmp) / 'spec.sqlite3'}")).openapi()


# The live stream never ends by itself; it has its own tests.
schema = schemathesis.openapi.from_dict(_spec()).exclude(path="/api/v1/events")


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    db = tmp_path_factory.mktemp("fuzz") / "central.sqlite3"
    server = EmbeddedServer(f"sqlite:///{db}").start()
    store = server.store
    tokens = {role: store.users.add(role, role, ["burgerzaken"]) for role in ("admin", "agent")}
    # Some real records, so generated requests can also reach existing rows.
    headers = {"Authorization": f"Bearer {tokens['agent']}"}
    record = contact("agent")
    body = {"changes": [save(record), create(task("agent", contact_id=record["id"]))]}
    httpx.post(f"{server.url}/api/v1/sync/push", json=body, headers=headers).raise_for_status()
    try:
        yield {"url": server.url, "tokens": tokens}
    finally:
        server.stop()


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_answers_conform_to_the_spec(case, fuzz_server):
    for role in ("admin", "agent"):
        headers = {"Authorization": f"Bearer {fuzz_server['tokens'][role]}"}
        case.call_and_validate(
            base_url=fuzz_server["url"], headers=headers, checks=CHECKS, timeout=10
        )
