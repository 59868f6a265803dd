"""Settings, ports and databases that cannot be used: one clear line, exit 2, no traceback.

Each command runs as a real `loket` process, so the exit code and stderr are what an
operator sees.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.conftest import PG_ENV, free_port


def loket(*args: str, env: dict[str, str] | None = None, home: Path) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("LOKET_")}
    base.update({"LOKET_CONFIG": str(home / "none.toml"), "LOKET_STATE_DIR": str(home)})
    base.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "loket", *args],
        env=base,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def one_error_line(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    errors = [line for line in lines if line.startswith("error: ")]
    assert errors == lines[-1:] and "Traceback" not in result.stderr, result.stderr
    return errors[0]


@pytest.mark.parametrize(
    ("var", "raw", "words"),
    [
        ("LOKET_MAX_BODY_BYTES", "0", "'max_body_bytes' must be a whole number from 4096"),
        ("LOKET_SYNC_INTERVAL", "-1", "'sync_interval' must be a number from 0.1"),
        ("LOKET_STATE_DIR", "", "'state_dir' must be a directory path"),
    ],
)
def test_bad_setting_stops_every_command(tmp_path: Path, var: str, raw: str, words: str) -> None:
    for command in (["config", "show"], ["serve"], ["contact", "list"]):
        line = one_error_line(loket(*command, env={var: raw}, home=tmp_path))
        assert f"${var}" in line and words in line


def test_config_pointing_at_a_directory_or_at_invalid_utf8(tmp_path: Path) -> None:
    line = one_error_line(
        loket("config", "show", env={"LOKET_CONFIG": str(tmp_path)}, home=tmp_path)
    )
    assert str(tmp_path) in line and "not a settings file" in line
    cfg = tmp_path / "config.toml"
    cfg.write_bytes(b"log_level = 'info'\nserver_url = '\xc3\x28'\n")
    line = one_error_line(loket("config", "show", env={"LOKET_CONFIG": str(cfg)}, home=tmp_path))
    assert str(cfg) in line and "not UTF-8" in line


def test_config_show_masks_url_passwords(tmp_path: Path) -> None:
    env = {
        "LOKET_SERVER_DB": "postgresql://loket:s3cret@db/loket",
        "LOKET_SERVER_URL": "https://anna:hunter2@loket.example",
    }
    result = loket("config", "show", "--json", env=env, home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "s3cret" not in result.stdout and "hunter2" not in result.stdout
    assert "postgresql://loket:****@db/loket" in result.stdout


def test_unsupported_database_url_masks_its_password(tmp_path: Path) -> None:
    result = loket("user", "list", "--db", "mysql://root:s3cret@db/loket", home=tmp_path)
    assert "s3cret" not in result.stderr and "mysql://root:****@db/loket" in result.stderr
    assert "unsupported database URL" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("port", ["99999", "0", "-1"])
def test_serve_refuses_a_port_out_of_range(tmp_path: Path, port: str) -> None:
    result = loket("serve", "--port", port, home=tmp_path)
    assert result.returncode == 2 and "--port" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_names_a_port_in_use(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        line = one_error_line(loket("serve", "--port", port, home=tmp_path))
    assert f"cannot listen on 127.0.0.1:{port}" in line and "in use" in line


def _pg_url(**changes: str) -> str:
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"needs {PG_ENV}")
    return urlunsplit(urlsplit(base)._replace(**changes))


@pytest.mark.pg
@pytest.mark.parametrize("command", [["serve"], ["user", "add", "bob", "--role", "admin"]])
def test_unreachable_postgresql_fails_at_once_with_the_cause(
    tmp_path: Path, command: list[str]
) -> None:
    refused = _pg_url(netloc=f"postgres@127.0.0.1:{free_port()}")
    result = loket(*command, "--db", refused, home=tmp_path)
    line = one_error_line(result)
    assert "Connection refused" in line and "WARNING" not in result.stderr


@pytest.mark.pg
def test_unreachable_postgresql_is_refused_without_waiting_for_the_pool() -> None:
    from loket.server.storage import open_storage
    from loket.server.storage.postgres import DatabaseUnreachable

    refused = _pg_url(netloc=f"postgres@127.0.0.1:{free_port()}")
    started = time.monotonic()
    with pytest.raises(DatabaseUnreachable, match="Connection refused"):
        open_storage(refused)
    assert time.monotonic() - started < 3  # the pool used to retry for 10 s


@pytest.mark.pg
def test_unknown_database_and_unknown_role_are_named(tmp_path: Path) -> None:
    base = urlsplit(_pg_url())
    line = one_error_line(loket("user", "list", "--db", _pg_url(path="/no_such_db"), home=tmp_path))
    assert 'database "no_such_db" does not exist' in line
    stranger = f"nobody:pw@{base.hostname}:{base.port or 5432}"
    line = one_error_line(loket("user", "list", "--db", _pg_url(netloc=stranger), home=tmp_path))
    assert 'role "nobody" does not exist' in line and "pw@" not in line
