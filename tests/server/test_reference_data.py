"""The server accepts exactly the pick lists and teams the consoles are configured with."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import httpx

from loket.paths import default_data_dir
from loket.server.admin import create_user
from loket.server.embedded import EmbeddedServer
from tests.server.helpers import API, change, contact


def _push_channel(url: str, token: str, channel: str) -> dict[str, Any]:
    body = {"changes": [change("contact.save", {"contact": contact("anna", channel=channel)})]}
    headers = {"Authorization": f"Bearer {token}"}
    response = httpx.post(f"{url}{API}/sync/push", json=body, headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["results"][0]


def test_a_configured_channel_is_accepted_and_an_unknown_one_named(
    tmp_path: Path, live_server: Any
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(default_data_dir() / "backoffices.toml", data)
    lists = (default_data_dir() / "contact-lists.toml").read_text(encoding="utf-8")
    (data / "contact-lists.toml").write_text(
        lists.replace('"social"]', '"social", "whatsapp"]'), encoding="utf-8"
    )
    db_url = f"sqlite:///{tmp_path / 'configured.sqlite3'}"
    with EmbeddedServer(db_url, data_dir=str(data)) as server:
        token = create_user(db_url, "anna", "agent", ["kcc"])
        assert _push_channel(server.url, token, "whatsapp")["status"] == "applied"

    _, default_token = live_server.make_user("agent", ["kcc"], name="anna")
    refused = _push_channel(live_server.url, default_token, "whatsapp")
    assert refused["status"] == "rejected"
    assert any(f["field"].endswith("channel") for f in refused["error"]["fields"])
