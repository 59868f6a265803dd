"""BSNs at rest: after a real `loket serve` run that registered contacts with BSNs over
HTTP, no raw BSN is in the database (SQLite file bytes; every PostgreSQL table, change log
included), the server log or /metrics; old plaintext databases are upgraded in place; the
server refuses to start without the right key; keys rotate."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from loket.server.admin import create_user
from loket.server.bsn import BsnKeys, load_key_file
from loket.server.storage import open_storage
from tests.conftest import BACKENDS, free_port
from tests.server.helpers import API, contact, create, pull_all, push, save, task, with_customer

pytestmark = pytest.mark.parametrize("backend", BACKENDS, indirect=True)

# Valid BSNs (elfproef), written three ways by the agents.
BSNS = ["111222333", "123456782", "999999990"]
TYPED = ["111222333", "1234.56.782", "999 999 990"]


class Serve:
    """`loket serve` in its own process, all of its output in one log file."""

    def __init__(self, db_url: str, state: Path, key_file: Path | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = state / "server.log"
        env = {
            **os.environ,
            "LOKET_CONFIG": str(state / "none.toml"),
            "LOKET_STATE_DIR": str(state),
            "LOKET_LOG_LEVEL": "debug",
        }
        if key_file is not None:
            env["LOKET_BSN_KEY_FILE"] = str(key_file)
        self.cmd = [
            sys.executable,
            "-m",
            "loket",
            "serve",
            "--db",
            db_url,
            "--port",
            str(self.port),
        ]
        self.env = env
        self.proc: subprocess.Popen[bytes] | None = None

    def run_to_end(self, timeout: float = 30) -> subprocess.CompletedProcess[str]:
        """For a server expected to refuse to start."""
        return subprocess.run(
            self.cmd, env=self.env, capture_output=True, text=True, timeout=timeout, check=False
        )

    def __enter__(self) -> Serve:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(self.cmd, env=self.env, stdout=out, stderr=out)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log.read_text()
            try:
                if httpx.get(f"{self.url}/healthz", timeout=0.5).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.05)
        raise AssertionError(f"loket serve did not start: {self.log.read_text()}")

    def __exit__(self, *exc: object) -> None:
        assert self.proc is not None
        self.proc.terminate()
        self.proc.wait(15)


@pytest.fixture
def state(tmp_path: Path) -> Path:
    path = tmp_path / "state"
    path.mkdir()
    return path


def _client(url: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=10)


def _register(url: str, db_url: str, suffix: str = "") -> dict[str, str]:
    """Contacts with BSNs, a routed task, edits, lookups, show-BSN, pulls: over HTTP."""
    agent, supervisor = f"anna{suffix}", f"sam{suffix}"
    tokens = {
        agent: create_user(db_url, agent, "agent"),
        supervisor: create_user(db_url, supervisor, "supervisor"),
    }
    ids = {}
    with _client(url, tokens[agent]) as anna, _client(url, tokens[supervisor]) as sam:
        for bsn, typed in zip(BSNS, TYPED, strict=True):
            data = with_customer(contact(agent), bsn=typed)
            routed = task(agent, contact_id=data["id"])
            assert {r["status"] for r in push(anna, save(data), create(routed))} == {"applied"}
            data["rev"] = 2
            data["customer"]["name"] = "J. Jansen"
            assert push(anna, save(data))[0]["status"] == "applied"
            ids[bsn] = data["id"]
        for bsn in BSNS:
            found = anna.post(f"{API}/customers/lookup", json={"bsn": bsn}).json()["items"]
            assert [c["id"] for c in found] == [ids[bsn]]
            shown = sam.post(f"{API}/contacts/{ids[bsn]}/bsn", json={"reason": "BRP-controle"})
            assert shown.json()["bsn"] == bsn
            assert anna.get(f"{API}/contacts/{ids[bsn]}").status_code == 200
        pull_all(anna)
        pull_all(sam)
        sam.get(f"{API}/contacts")
    return ids


def _database_text(db_url: str) -> bytes:
    """Everything a copy of the database holds: SQLite's files byte for byte; every
    PostgreSQL table of the schema, row by row."""
    if db_url.startswith("sqlite:///"):
        path = Path(db_url.removeprefix("sqlite:///"))
        files = [p for p in path.parent.glob(path.name + "*") if p.is_file()]
        assert files
        return b"".join(p.read_bytes() for p in files)
    import psycopg

    with psycopg.connect(db_url, autocommit=True) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = current_schema()"
            )
        ]
        assert "changes" in tables and "contacts" in tables
        dump = [str(row[0]) for t in tables for row in conn.execute(f"SELECT t::text FROM {t} t")]
    return "\n".join(dump).encode()


def _hits(blob: bytes) -> list[str]:
    """The BSNs found in `blob`, as normalised or as the agents typed them."""
    return [
        bsn
        for bsn, typed in zip(BSNS, TYPED, strict=True)
        if bsn.encode() in blob or typed.encode() in blob
    ]


def test_no_raw_bsn_in_database_log_or_metrics(db_url, state):
    with Serve(db_url, state) as server:
        ids = _register(server.url, db_url)
        metrics = httpx.get(f"{server.url}/metrics").text
    log = server.log.read_bytes()
    assert b"POST /api/v1/sync/push" in log  # the request log was on
    assert _hits(_database_text(db_url)) == []
    assert _hits(log) == []
    assert _hits(metrics.encode()) == []
    # The contacts are there, with everything but the raw BSN.
    text = _database_text(db_url)
    assert all(contact_id.encode() in text for contact_id in ids.values())
    assert b"*****2333" in text and b"J. Jansen" in text
    key_file = state / "bsn-keys.toml"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.read_bytes() not in text


def _old_database(db_url: str) -> tuple[str, dict[str, str]]:
    """A database as loket wrote it before BSN encryption: raw BSNs in contacts.data and
    in the change log, the hash key in its secrets table."""
    old_key = "ab" * 32
    storage = open_storage(db_url, pool_size=1)
    ids = {}
    try:
        storage.migrate()
        with storage.write() as tx:
            tx.set_secret_if_absent("bsn_hash_key", old_key)
            for n, bsn in enumerate(BSNS):
                data = with_customer(contact("anna"), bsn=bsn)
                ids[bsn] = data["id"]
                text = json.dumps(data)
                digest = hmac.new(old_key.encode(), bsn.encode(), hashlib.sha256).hexdigest()
                tx.run(
                    "INSERT INTO contacts (id, agent, channel, started_at, status, rev,"
                    " has_customer, phone, email, bsn_hash, district, data)"
                    " VALUES (?, 'anna', 'telefoon', ?, 'open', 1, 1, NULL, NULL, ?, NULL, ?)",
                    (data["id"], f"2026-11-2{n}T09:00:00.000000+00:00", digest, text),
                )
                for _ in range(2):  # two saves in the log
                    tx.run(
                        "INSERT INTO changes (entity, entity_id, at, owner, status, data)"
                        " VALUES ('contact', ?, '2026-11-23T09:00:00+00:00', 'anna', 'open', ?)",
                        (data["id"], text),
                    )
            tx.add_user("anna", "agent", [], hashlib.sha256(b"t-anna").hexdigest(), "now")
    finally:
        storage.close()
    assert _hits(_database_text(db_url)) == BSNS  # the test's premise: plaintext today
    return old_key, ids


def test_existing_plaintext_is_encrypted_on_start(db_url, state):
    old_key, ids = _old_database(db_url)
    with Serve(db_url, state) as server, _client(server.url, "t-anna") as anna:
        for bsn in BSNS:
            found = anna.post(f"{API}/customers/lookup", json={"bsn": bsn}).json()["items"]
            assert [c["id"] for c in found] == [ids[bsn]]
            shown = anna.post(f"{API}/contacts/{ids[bsn]}/bsn", json={"reason": "na upgrade"})
            assert shown.json()["bsn"] == bsn
        entries, _ = pull_all(anna)
        assert len(entries) == 6
        assert all(e["data"]["customer"]["bsn"].startswith("*****") for e in entries)
    text = _database_text(db_url)
    assert _hits(text) == []
    assert old_key.encode() not in text
    assert b"encrypted" in server.log.read_bytes()  # the upgrade said what it did
    # A second start finds nothing left to do and still reads everything.
    with Serve(db_url, state) as server, _client(server.url, "t-anna") as anna:
        shown = anna.post(f"{API}/contacts/{ids[BSNS[0]]}/bsn", json={"reason": "tweede start"})
        assert shown.json()["bsn"] == BSNS[0]


def test_refuses_to_start_without_the_key_or_with_another(db_url, state, tmp_path):
    with Serve(db_url, state) as server:
        _register(server.url, db_url)
    moved = tmp_path / "elsewhere.toml"
    (state / "bsn-keys.toml").rename(moved)
    missing = Serve(db_url, state).run_to_end()
    assert missing.returncode == 1
    assert "Traceback" not in missing.stderr
    lines = missing.stderr.strip().splitlines()
    assert len(lines) == 1 and "BSN key file" in lines[0] and "does not exist" in lines[0]
    assert not (state / "bsn-keys.toml").exists()  # no new key made over sealed data

    other = tmp_path / "other.toml"
    other.write_text(BsnKeys.generate().to_toml())
    wrong = Serve(db_url, state, key_file=other).run_to_end()
    assert wrong.returncode == 1 and "Traceback" not in wrong.stderr
    assert "does not have" in wrong.stderr or "hash_key" in wrong.stderr
    with Serve(db_url, state, key_file=moved) as server:  # the right one works again
        assert httpx.get(f"{server.url}/healthz").status_code == 200


def _cli(state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LOKET_CONFIG": str(state / "none.toml"), "LOKET_STATE_DIR": str(state)}
    cmd = [sys.executable, "-m", "loket", *args]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60, check=False)


def test_key_rotation_old_keys_decrypt_reencrypt_moves_everything(db_url, state):
    with Serve(db_url, state) as server:
        first = _register(server.url, db_url, "1")
    key_file = state / "bsn-keys.toml"
    old = load_key_file(key_file)
    rotated = _cli(state, "bsn", "rotate-key")
    assert rotated.returncode == 0, rotated.stderr
    new = load_key_file(key_file)
    assert new.current != old.current and set(old.keys) < set(new.keys)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    with Serve(db_url, state) as server:
        second = _register(server.url, db_url, "2")  # sealed with the new key
    done = _cli(state, "bsn", "reencrypt", "--db", db_url, "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["resealed"] == len(BSNS)  # the first run's, not the second's
    assert report["keys_in_use"] == [new.current]
    assert report["unused_keys"] == [old.current]
    # Without the old key, everything still opens.
    key_file.write_text(new.without({old.current}).to_toml())
    with Serve(db_url, state) as server:
        sam = create_user(db_url, "sam3", "supervisor")
        with _client(server.url, sam) as client:
            for bsn in BSNS:
                for ids in (first, second):
                    url = f"{API}/contacts/{ids[bsn]}/bsn"
                    assert client.post(url, json={"reason": "na rotatie"}).json()["bsn"] == bsn


def test_hash_key_rotation_rehashes(db_url, state):
    with Serve(db_url, state) as server:
        ids = _register(server.url, db_url)
    assert _cli(state, "bsn", "rotate-key", "--hash-key").returncode == 0
    refused = Serve(db_url, state).run_to_end()
    assert refused.returncode == 1 and "reencrypt" in refused.stderr
    done = _cli(state, "bsn", "reencrypt", "--db", db_url, "--json")
    assert json.loads(done.stdout)["rehashed"] == len(BSNS)
    with Serve(db_url, state) as server:
        token = create_user(db_url, "anna9", "supervisor")
        with _client(server.url, token) as client:
            for bsn in BSNS:
                found = client.post(f"{API}/customers/lookup", json={"bsn": bsn}).json()
                assert [c["id"] for c in found["items"]] == [ids[bsn]]
