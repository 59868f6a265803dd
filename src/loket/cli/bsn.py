"""`loket bsn init-key | rotate-key | reencrypt`: the central store's BSN keys.

Rotation: `rotate-key` adds a key and makes it current (older keys stay and still
decrypt); restart the servers with the new file; `reencrypt` moves every stored BSN to
the current key (and re-hashes them after a hash-key change); then the keys it reports
as unused may be removed from the file.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import typer

from loket.cli.common import fail, settings_or_exit

app = typer.Typer(no_args_is_help=True, help="BSN encryption keys of the central store.")

FileOption = typer.Option(
    None, "--file", help="The BSN key file; default from settings (bsn_key_file)."
)
DbOption = typer.Option(
    None, "--db", help="Database URL (sqlite:///path or postgresql://...); default from settings."
)


def _key_file(path: Path | None) -> Path:
    return path or settings_or_exit().bsn_key_path()


@app.command("init-key")
def init_key(file: Path | None = FileOption) -> None:
    """Create a new key file (mode 0600); refuses to overwrite one."""
    from loket.server.bsn import BsnKeys, write_key_file

    path = _key_file(file)
    try:
        write_key_file(path, BsnKeys.generate(), new=True)
    except FileExistsError:
        fail(f"{path} exists; use `loket bsn rotate-key` to add a key")
    except OSError as exc:
        fail(f"cannot write {path}: {exc.strerror}")
    typer.echo(f"created {path}: keep it secret and backed up")


@app.command("rotate-key")
def rotate_key(
    file: Path | None = FileOption,
    hash_key: bool = typer.Option(
        False, "--hash-key", help="Also replace the hash key (reencrypt then re-hashes)."
    ),
) -> None:
    """Add a new encryption key and make it current; older keys stay to decrypt."""
    from loket.server.bsn import BsnKeyError, load_key_file, write_key_file

    path = _key_file(file)
    try:
        keys = load_key_file(path)
    except BsnKeyError as exc:
        fail(str(exc))
    new = keys.rotated(hash_key=secrets.token_bytes(32) if hash_key else None)
    write_key_file(path, new)
    typer.echo(f"{path}: current key is now {new.current} (kept: {', '.join(keys.keys)})")
    typer.echo("restart every server with this file, then run `loket bsn reencrypt`")


@app.command("reencrypt")
def reencrypt(
    db: str | None = DbOption,
    file: Path | None = FileOption,
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Encrypt every stored BSN with the current key (and re-hash after a hash-key change)."""
    from loket.server import bsn_data
    from loket.server.bsn import BsnKeyError, load_key_file
    from loket.server.storage import open_storage

    settings = settings_or_exit()
    path = file or settings.bsn_key_path()
    try:
        keys = load_key_file(path)
        storage = open_storage(db or settings.server_db_url(), pool_size=1)
    except BsnKeyError as exc:
        fail(str(exc))
    except Exception as exc:
        fail(f"cannot open the database: {type(exc).__name__}: {exc}")
    try:
        storage.migrate()
        upgraded = bsn_data.upgrade_plaintext(storage, keys)
        report = bsn_data.reencrypt(storage, keys)
    except BsnKeyError as exc:
        fail(str(exc))
    finally:
        storage.close()
    unused = sorted(set(keys.keys) - set(report.keys_in_use))
    if as_json:
        out = {
            "upgraded": upgraded.contacts,
            "resealed": report.resealed,
            "rehashed": report.rehashed,
            "keys_in_use": report.keys_in_use,
            "unused_keys": unused,
        }
        typer.echo(json.dumps(out))
        return
    typer.echo(
        f"{report.resealed} BSNs re-encrypted with {keys.current}, {report.rehashed} re-hashed"
        + (f", {upgraded.contacts} plaintext BSNs encrypted" if upgraded.contacts else "")
    )
    if unused:
        typer.echo(f"no longer used, may be removed from {path}: {', '.join(unused)}")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="bsn")
