"""Property-based fuzzing of the whole API from its own OpenAPI spec: no input, however
odd, may produce a server error, and every answer (status, content type, headers, body)
must be one the OpenAPI document describes. Each generated request is sent as an admin
and as an agent (different code paths).

Then header and query fuzzing of what that cannot reach or rarely hits: the live-event
stream (it never ends, so schemathesis' call would hang) with its `since` query and
`Last-Event-ID` header, and the day of `/stats` across the whole calendar range. No
value may give a server error or a broken stream; a refusal names the field."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
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


FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
)

header_values = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40),
    st.sampled_from(["", " ", "9" * 40, str(2**63), str(2**63 - 1), "-1", "0x10", "1e9"]),
)


@pytest.fixture(scope="module")
def fuzz_token(fuzz_server: dict[str, Any]) -> str:
    return fuzz_server["tokens"]["agent"]


def _refusal_names_a_field(response: httpx.Response) -> None:
    assert 400 <= response.status_code < 500, response.status_code
    error = response.json()["error"]
    assert error["fields"] and error["fields"][0]["field"], error


@settings(FUZZ, max_examples=30)
@given(case=schema["/api/v1/events"]["GET"].as_strategy(), last_event_id=header_values)
def test_the_event_stream_takes_any_header_and_query_without_breaking(
    case: Any, last_event_id: str, fuzz_server: dict[str, Any], fuzz_token: str
) -> None:
    """200 and a stream that stays open past its backlog, or a refusal naming the field."""
    headers = {"Authorization": f"Bearer {fuzz_token}", "Last-Event-ID": last_event_id}
    timeout = httpx.Timeout(5.0, read=0.3)
    with (
        httpx.Client(base_url=fuzz_server["url"], timeout=timeout) as client,
        client.stream("GET", "/api/v1/events", headers=headers, params=case.query) as response,
    ):
        if response.status_code != 200:
            response.read()
            _refusal_names_a_field(response)
            return
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = response.iter_lines()
        assert next(lines) == ": connected"
        with contextlib.suppress(httpx.ReadTimeout):  # open and quiet: as it should be
            for _ in lines:  # the backlog, if any; a broken stream raises here
                pass


@FUZZ
@given(day=st.one_of(st.dates(), st.sampled_from([date.min, date.max])))
def test_stats_for_any_calendar_day_answer_or_name_the_date(
    day: date, fuzz_server: dict[str, Any]
) -> None:
    headers = {"Authorization": f"Bearer {fuzz_server['tokens']['admin']}"}
    response = httpx.get(
        f"{fuzz_server['url']}/api/v1/stats", params={"date": day.isoformat()}, headers=headers
    )
    if response.status_code != 200:
        _refusal_names_a_field(response)
        assert response.json()["error"]["fields"][0]["field"] == "date"
