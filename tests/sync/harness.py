"""Shared helpers for the sync fault tests: a killable central store, consoles, checks."""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import httpx

from loket.config import Settings
from loket.retry import Backoff
from loket.services import ConsoleServices, UserInfo

ROOT = Path(__file__).resolve().parents[2]


def open_console(
    base: Path,
    name: str,
    url: str,
    token: str,
    *,
    user: UserInfo | None = None,
    direct_url: str | None = None,
) -> ConsoleServices:
    """A console with its own store and a fast backoff (tests must not sleep for long)."""
    settings = Settings(state_dir=base / name, server_url=url, token=token)
    if user is None:  # who the token belongs to, asked past the fault proxy
        me_url = (direct_url or url) + "/api/v1/me"
        me = httpx.get(me_url, headers={"Authorization": f"Bearer {token}"}).json()
        user = UserInfo(me["name"], me["role"], me["teams"])
    services = ConsoleServices.open(settings, user=user)
    services.engine.backoff = Backoff(base=0.02, cap=0.3)
    services.engine.idle_backoff = Backoff(base=0.05, cap=0.5)
    services.engine.stream_backoff = Backoff(base=0.05, cap=0.5)
    return services


def sync_until_idle(consoles: Iterable[ConsoleServices], deadline: float) -> None:
    """Sync every console until each has an empty outbox and reads nothing new."""
    pending = list(consoles)
    last: dict[str, object] = {}
    while pending and time.monotonic() < deadline:
        still = []
        for console in pending:
            report = console.sync.now(timeout=max(0.5, min(5.0, deadline - time.monotonic())))
            if report.error or not report.idle or report.moved():
                still.append(console)
                last[console.user.name] = report
        pending = still
    assert not pending, f"{len(pending)} console(s) did not converge: " + ", ".join(
        f"{c.user.name}: outbox {c.sync.state().outbox}, {last.get(c.user.name)}" for c in pending
    )


def api_items(url: str, token: str, path: str) -> list[dict[str, Any]]:
    """Every item of a paged list endpoint (contacts, tasks), straight from the server."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    with httpx.Client(
        base_url=url + "/api/v1", timeout=10, headers={"Authorization": f"Bearer {token}"}
    ) as http:
        while True:
            params: dict[str, Any] = {"limit": 1000}
            if cursor:
                params["cursor"] = cursor
            response = http.get(path, params=params)
            response.raise_for_status()
            body = response.json()
            items.extend(body["items"])
            cursor = body.get("next_cursor")
            if not cursor:
                return items
