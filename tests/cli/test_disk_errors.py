"""A read-only or full disk under the state dir: one line naming the path, exit 2, and what
was saved before is still there. Uses real tmpfs mounts (skipped where mount is refused)."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.cli.test_environment_errors import loket, one_error_line


def _mount(target: Path, options: str) -> None:
    target.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(target)],
        capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.decode().strip()}")


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    disk = tmp_path / f"disk-{uuid.uuid4().hex[:6]}"
    _mount(disk, "size=4m")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=False)


@pytest.fixture
def read_only_disk(tmp_path: Path) -> Iterator[Path]:
    disk = tmp_path / f"ro-{uuid.uuid4().hex[:6]}"
    _mount(disk, "size=1m,ro")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=False)


def fill(disk: Path) -> Path:
    """Fill the disk to the last byte; delete the returned file to free it again."""
    filler = disk / "filler"
    with filler.open("wb") as out:
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError:
            pass
    return filler


NEW = ["contact", "new", "--channel", "telefoon", "--resolve", "--question"]


def test_read_only_state_dir(read_only_disk: Path, tmp_path: Path) -> None:
    env = {"LOKET_STATE_DIR": str(read_only_disk)}
    line = one_error_line(loket(*NEW, "Paspoort", env=env, home=tmp_path))
    assert str(read_only_disk) in line and "read-only file system" in line
    line = one_error_line(loket("serve", env=env, home=tmp_path))
    assert str(read_only_disk / "central.sqlite3") in line and "read-only file system" in line


def test_full_disk_refuses_with_path_and_keeps_what_was_saved(
    small_disk: Path, tmp_path: Path
) -> None:
    env = {"LOKET_STATE_DIR": str(small_disk / "state")}
    first = loket(*NEW, "Paspoort verlopen", env=env, home=tmp_path)
    assert first.returncode == 0, first.stderr
    filler = fill(small_disk)
    line = one_error_line(loket(*NEW, "Rijbewijs kwijt", env=env, home=tmp_path))
    assert str(small_disk / "state") in line and "no space left on device" in line
    filler.unlink()
    listed = loket("contact", "list", env=env, home=tmp_path)
    assert listed.returncode == 0 and "Paspoort verlopen" in listed.stdout
    assert "Rijbewijs kwijt" not in listed.stdout


def test_healthz_is_not_ok_while_the_disk_is_full(small_disk: Path) -> None:
    from loket.server.embedded import EmbeddedServer

    with EmbeddedServer(f"sqlite:///{small_disk / 'central.sqlite3'}") as server:
        assert httpx.get(f"{server.url}/healthz").json() == {"status": "ok", "db": "sqlite"}
        filler = fill(small_disk)
        full = httpx.get(f"{server.url}/healthz")
        assert full.status_code == 503
        assert full.json() == {
            "status": "unavailable",
            "db": "sqlite",
            "reason": "no space left on device",
        }
        filler.unlink()
        assert httpx.get(f"{server.url}/healthz").status_code == 200


def _long_contact() -> dict[str, object]:
    from tests.server.helpers import contact

    record = contact("anna")
    record["questions"][0]["notes"] = "Inwoner belt over de verlenging. " * 25
    return record


def test_a_push_while_the_disk_is_full_is_503_and_loses_nothing(small_disk: Path) -> None:
    from loket.server.embedded import EmbeddedServer
    from tests.conftest import TEST_BSN_KEYS
    from tests.server.helpers import API, contact, save

    db_url = f"sqlite:///{small_disk / 'central.sqlite3'}"
    with EmbeddedServer(db_url, bsn_keys=TEST_BSN_KEYS) as server:
        token = server.store.users.add("anna", "agent", [])
        client = httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        kept = save(contact("anna"))
        first = client.post(f"{API}/sync/push", json={"changes": [kept]})
        assert first.json()["results"][0]["status"] == "applied"
        filler = fill(small_disk)
        # Several, so one of them surely needs a new page and meets the full disk.
        batch = [save(_long_contact()) for _ in range(100)]
        full = client.post(f"{API}/sync/push", json={"changes": batch})
        assert full.status_code == 503, full.text
        assert int(full.headers["Retry-After"]) > 0
        error = full.json()["error"]
        assert error["code"] == "unavailable" and "no space left on device" in error["message"]
        filler.unlink()
        assert [c["id"] for c in client.get(f"{API}/contacts").json()["items"]] == [
            kept["payload"]["contact"]["id"]
        ]
        again = client.post(f"{API}/sync/push", json={"changes": batch})
        assert {r["status"] for r in again.json()["results"]} == {"applied"}
        stored = client.get(f"{API}/contacts", params={"limit": 500}).json()["items"]
        assert len(stored) == 101
        client.close()


@pytest.mark.pg
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_push_refused_by_a_full_postgresql_disk_is_503(live_server, monkeypatch) -> None:
    """PostgreSQL's disk cannot be filled from here: its disk_full error (SQLSTATE 53100),
    raised where the server's write would meet it, must come out as 503 too."""
    import psycopg.errors

    from tests.server.helpers import API, contact, save

    _, token = live_server.make_user("agent", name="anna")
    client = live_server.client(token)
    kept = save(contact("anna"))
    assert client.post(f"{API}/sync/push", json={"changes": [kept]}).status_code == 200
    storage = live_server.server.store.storage

    def full(*args: object, **kwargs: object) -> None:
        raise psycopg.errors.DiskFull("could not extend file: No space left on device")

    monkeypatch.setattr(storage, "write", full)
    refused = client.post(f"{API}/sync/push", json={"changes": [save(contact("anna"))]})
    assert refused.status_code == 503 and refused.headers["Retry-After"] == "30"
    assert "disk is full" in refused.json()["error"]["message"]
    monkeypatch.undo()
    listed = client.get(f"{API}/contacts").json()["items"]
    assert [c["id"] for c in listed] == [kept["payload"]["contact"]["id"]]
