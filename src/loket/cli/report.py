"""`loket report`: the day's figures for supervisors and management.

By default from the central store (`GET /api/v1/stats`, a supervisor's or admin's token);
with `--local` from this console's own store, which works offline.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import typer

from loket.cli.common import fail, settings_or_exit


def register(app: typer.Typer) -> None:
    app.command("report")(report)


def _parse_day(text: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"--date: expected YYYY-MM-DD, got {text!r}")


def report(
    day: str = typer.Option("", "--date", help="Day as YYYY-MM-DD (default: today)."),
    local: bool = typer.Option(False, "--local", help="From this console's store (offline)."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Figures of one day: contacts, first-contact resolution, handling time, queues."""
    from loket.services import ConsoleServices
    from loket.sync import SyncError

    chosen = _parse_day(day)
    services = ConsoleServices.open(settings_or_exit())
    try:
        figures = services.figures.daily(chosen, central=not local)
    except SyncError as exc:
        fail(f"the central store gave no figures: {exc}")
    finally:
        services.close()
    if as_json:
        print(json.dumps(figures, indent=2, ensure_ascii=False))
    else:
        _print_report(figures, source="local store" if local else "central store")


def _minutes(seconds: float | None) -> str:
    return "–" if seconds is None else f"{seconds / 60:.1f} min"


def _print_report(figures: dict[str, Any], source: str) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    fcr = figures.get("fcr")
    handling = figures.get("handling") or {}
    console.print(f"[bold]Figures for {figures['day']}[/] ({source})")
    console.print(
        f"contacts {figures['contacts']} · questions {figures['questions']} · "
        f"first-contact resolution {'–' if fcr is None else f'{fcr:.0%}'} "
        f"({figures['fcr_resolved']}/{figures['fcr_counted']}) · handling time mean "
        f"{_minutes(handling.get('mean_seconds'))}, p90 {_minutes(handling.get('p90_seconds'))}"
    )
    for title, key in (("channel", "per_channel"), ("district", "per_district")):
        counts = figures.get(key) or {}
        if counts:
            table = Table(title=f"contacts per {title}")
            table.add_column(title)
            table.add_column("contacts", justify="right")
            for name, count in counts.items():
                table.add_row(name or "–", str(count))
            console.print(table)
    _print_queues(console, figures.get("queues") or [])


def _print_queues(console: Any, queues: list[dict[str, Any]]) -> None:
    from rich.table import Table

    if not queues:
        return
    table = Table(title="back-office queues (now)")
    for column in ("team", "open", "claimed", "overdue", "at risk", "returned"):
        table.add_column(column, justify="left" if column == "team" else "right")
    for q in queues:
        cells = (q["open"], q["claimed"], q["overdue"], q["at_risk"], q["returned"])
        table.add_row(q["team"], *(str(c) for c in cells))
    console.print(table)
