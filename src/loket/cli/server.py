"""`loket serve` and `loket user add|list|disable`: the central store's operator commands."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TypeVar

import typer

from loket.cli.common import EXIT_ENVIRONMENT, fail, settings_or_exit
from loket.redact import mask_password

T = TypeVar("T")

user_app = typer.Typer(no_args_is_help=True, help="Manage central-store users and tokens.")

DbOption = typer.Option(
    None, "--db", help="Database URL (sqlite:///path or postgresql://...); default from settings."
)


def _db_url(db: str | None) -> str:
    return db or settings_or_exit().server_db_url()


def _cause(db_url: str, exc: BaseException) -> str:
    """What went wrong opening `db_url`: for an SQLite file, a read-only or full disk first
    (SQLite itself says only "unable to open database file" or "disk I/O error")."""
    if db_url.startswith("sqlite:///"):
        from pathlib import Path

        from loket.paths import storage_problem

        path = Path(db_url.removeprefix("sqlite:///"))
        problem = storage_problem(path.parent)
        if problem is not None:
            return f"{path}: {problem}"
    return str(exc)


def _on_database(db_url: str, action: Callable[[], T]) -> T:
    """Run an operator action: bad input exits 1, a database that cannot be used exits 2,
    and so do reference data that cannot be read and a team it does not hold."""
    from loket.domain.errors import DomainError
    from loket.server.admin import UnknownTeam

    try:
        return action()
    except UnknownTeam as exc:
        fail(str(exc), EXIT_ENVIRONMENT)
    except DomainError as exc:  # backoffices.toml missing or broken
        fail(f"reference data: {exc}", EXIT_ENVIRONMENT)
    except ValueError as exc:  # unknown role, bad name, unsupported URL
        fail(str(exc))
    except Exception as exc:  # unreachable or unusable database: its cause, no traceback
        cause = _cause(db_url, exc)
        fail(f"cannot open the database {mask_password(db_url)}: {cause}", EXIT_ENVIRONMENT)


def serve(
    db: str | None = DbOption,
    host: str | None = typer.Option(None, "--host", help="Address to listen on."),
    port: int | None = typer.Option(
        None, "--port", min=1, max=65_535, help="Port to listen on (1-65535)."
    ),
    access_log: bool = typer.Option(
        True, "--access-log/--no-access-log", help="Log one line per request (no bodies)."
    ),
) -> None:
    """Run the central store (API under /api/v1, docs at /api/v1/docs)."""
    settings = settings_or_exit()
    from loket.server.app import AppConfig, check_database, create_app
    from loket.server.embedded import LoketUvicorn, bind_socket, uvicorn_config

    config = AppConfig(
        db_url=db or settings.server_db_url(),
        bsn_key_file=str(settings.bsn_key_path()),
        max_body_bytes=settings.max_body_bytes,
        data_dir=str(settings.data_dir),
        kb_dir=str(settings.kb_dir),
        export_url=settings.export_url,
        export_token=settings.export_token,
    )
    from loket.domain.errors import DomainError

    try:
        app = create_app(config)
    except DomainError as exc:  # broken backoffices.toml or contact-lists.toml
        fail(f"reference data: {exc}", EXIT_ENVIRONMENT)
    from loket.server.bsn import BsnKeyError

    try:
        backend = check_database(config)  # migrations, BSN keys: refuse here, in one line
    except BsnKeyError as exc:
        fail(str(exc))
    except Exception as exc:  # bad URL, unreachable database: a message, not a traceback
        shown = mask_password(config.db_url)
        fail(f"cannot open the database {shown}: {_cause(config.db_url, exc)}", EXIT_ENVIRONMENT)
    host = host or settings.server_host
    port = port if port is not None else settings.server_port
    try:
        sock = bind_socket(host, port)
    except OSError as exc:
        fail(f"cannot listen on {host}:{port}: {exc.strerror}", EXIT_ENVIRONMENT)
    uv = uvicorn_config(
        app,
        log_level=settings.log_level,
        access_log=access_log,
        header_timeout=settings.request_header_timeout,
        body_timeout=settings.request_body_timeout,
    )
    typer.echo(f"loket central store on http://{host}:{port} ({backend})")
    server = LoketUvicorn(uv)
    server.run(sockets=[sock])
    if not server.started:
        fail("the central store did not start (see the log above)")


@user_app.command("add")
def user_add(
    name: str = typer.Argument(..., help="Login name, e.g. 'anna'."),
    role: str = typer.Option(..., "--role", help="agent, backoffice, supervisor or admin."),
    team: list[str] = typer.Option([], "--team", help="Team id (repeatable), for back office."),
    db: str | None = DbOption,
) -> None:
    """Create a user and print its bearer token (shown only this once)."""
    from loket.server.admin import create_user

    settings = settings_or_exit()
    url = db or settings.server_db_url()
    token = _on_database(url, lambda: create_user(url, name, role, team, settings.data_dir))
    typer.echo(token)


@user_app.command("list")
def user_list(
    db: str | None = DbOption,
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """List users with role, teams and whether they are disabled (never tokens)."""
    from loket.server.admin import list_users

    url = _db_url(db)
    users = _on_database(url, lambda: list_users(url))
    if as_json:
        typer.echo(json.dumps(users, indent=2))
        return
    for user in users:
        state = "disabled" if user["disabled"] else "active"
        teams = ",".join(user["teams"]) or "-"
        typer.echo(f"{user['name']:<20} {user['role']:<11} {state:<9} {teams}")


@user_app.command("disable")
def user_disable(
    name: str = typer.Argument(..., help="Login name."),
    db: str | None = DbOption,
) -> None:
    """Disable a user: its token stops working."""
    from loket.server.admin import disable_user

    url = _db_url(db)
    _on_database(url, lambda: disable_user(url, name))
    typer.echo(f"disabled {name}")


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.add_typer(user_app, name="user")
