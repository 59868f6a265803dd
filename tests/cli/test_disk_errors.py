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
