"""`loket export klantinteracties|status|retry`: the Klantinteracties export by hand.

The central store exports in the background when `export_url` is set; these commands run
or preview one pass, show the queue (rejected records with the register's field errors),
and put rejected records back after a fix.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import typer

from loket.cli.common import fail, settings_or_exit

app = typer.Typer(no_args_is_help=True, help="Export to a Klantinteracties register (Open Klant).")

DbOption = typer.Option(None, "--db", help="Central-store database URL; default from settings.")
JsonOption = typer.Option(False, "--json", help="Machine-readable output.")


@contextmanager
def _storage(db: str | None) -> Iterator[Any]:
    from loket.server.storage import open_storage

    settings = settings_or_exit()
    try:
        storage = open_storage(db or settings.server_db_url(), pool_size=2)
        storage.migrate()
    except Exception as exc:  # bad URL, unreachable database: a message, not a traceback
        fail(f"cannot open the database: {exc}")
    try:
        yield storage
    finally:
        storage.close()


def _since(value: str | None) -> str | None:
    if not value:
        return None
    from loket.domain.sla import AMSTERDAM
    from loket.server.storage.base import db_time

    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        fail(f"--since: expected a date (YYYY-MM-DD) or an ISO 8601 time, got '{value}'")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=AMSTERDAM)
    return db_time(moment)


@app.command("klantinteracties")
def run(
    since: str | None = typer.Option(
        None, "--since", help="Only contacts started on or after this date (YYYY-MM-DD)."
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Show what would be sent; send nothing, change nothing remote."
    ),
    url: str | None = typer.Option(None, "--url", help="Register URL; default export_url."),
    token: str | None = typer.Option(None, "--token", help="API key; default export_token."),
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Export every closed contact and routed task that is due, now (or preview it)."""
    from loket.domain.errors import DomainError
    from loket.server.export_queue import Exporter, ExportSettings, load_context

    settings = settings_or_exit()
    since_at = _since(since)
    url = url or settings.export_url
    if not url and not dry_run:
        fail("no register configured: set export_url (or LOKET_EXPORT_URL), or pass --url")
    try:
        context = load_context(settings.data_dir, settings.kb_dir)
    except DomainError as exc:
        fail(f"reference data: {exc}")
    with _storage(db) as storage:
        exporter = Exporter(
            storage,
            ExportSettings(url or "http://dry-run.invalid", token or settings.export_token),
            context,
        )
        try:
            holder = exporter.queue.lease_holder()
            if not dry_run and not exporter.queue.take_lease(exporter.holder):
                fail(f"the exporter of a running server holds the export ({holder}); see status")
            report = exporter.run_once(since_at, dry_run=dry_run, retry_now=True)
        finally:
            if not dry_run:
                exporter.queue.release_lease(exporter.holder)
            exporter.client.close()
    if dry_run:
        if as_json:
            typer.echo(json.dumps(report.previews, indent=2, ensure_ascii=False))
            return
        for request in report.previews:
            typer.echo(f"{request['method']} {request['path']}  (contact {request['contact_id']})")
        typer.echo(f"{len(report.previews)} requests would be sent")
        return
    if as_json:
        typer.echo(json.dumps({**report.as_dict(), "error": exporter.last_error or None}))
    else:
        typer.echo(
            f"exported {report.exported}, rejected {report.rejected}, waiting {report.waiting},"
            f" {report.requests} requests"
        )
        if report.failed:
            typer.echo(f"register unavailable ({exporter.last_error}); the rest waits", err=True)
    if report.failed:
        raise typer.Exit(2)


@app.command("status")
def status(db: str | None = DbOption, as_json: bool = JsonOption) -> None:
    """The export queue: records per state, lag, and every rejected record's field errors."""
    from loket.server.export_queue import ExportQueue

    with _storage(db) as storage:
        found = ExportQueue(storage).status()
        found["exporter"] = ExportQueue(storage).lease_holder()
    if as_json:
        typer.echo(json.dumps(found, indent=2, ensure_ascii=False))
        return
    counts = found["records"]
    typer.echo(
        "records: "
        + ", ".join(f"{state} {count}" for state, count in counts.items())
        + f"; register resources {found['resources']}; change log behind {found['changes_behind']}"
    )
    typer.echo(f"exporter: {found['exporter'] or 'not running'}")
    for row in found["retrying"]:
        message = (row["error"] or {}).get("message", "")
        typer.echo(f"retrying {row['contact_id']} (attempt {row['attempts']}): {message}")
    for row in found["rejected"]:
        error = row["error"] or {}
        fields = "; ".join(f"{f['name']}: {f['reason']}" for f in error.get("fields", []))
        typer.echo(
            f"REJECTED {row['contact_id']} at {row['updated_at']}: {error.get('resource', '')}"
            f" HTTP {error.get('status', '')} {fields}"
        )


@app.command("retry")
def retry(
    contact_ids: list[str] = typer.Argument(None, help="Contact ids; none with --all."),
    all_: bool = typer.Option(False, "--all", help="Every rejected record."),
    db: str | None = DbOption,
) -> None:
    """Put rejected records back in the queue after the cause was fixed."""
    from loket.server.export_queue import ExportQueue

    if not contact_ids and not all_:
        fail("name the contact ids to retry, or pass --all")
    with _storage(db) as storage:
        count = ExportQueue(storage).retry(contact_ids or [])
    typer.echo(f"{count} record(s) queued again")


def register(app_: typer.Typer) -> None:
    app_.add_typer(app, name="export")
