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
from loket.domain.period import GROUPINGS, PeriodError, parse_period

FORMATS = ("table", "csv", "json")


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
    first: str = typer.Option("", "--from", help="Period start YYYY-MM-DD (with --to)."),
    last: str = typer.Option("", "--to", help="Period end YYYY-MM-DD, inclusive."),
    by: str = typer.Option("channel", "--by", help=f"Group by: {'|'.join(GROUPINGS)}."),
    fmt: str = typer.Option("table", "--format", help="table, csv or json (with --from)."),
) -> None:
    """Figures of one day, or with --from/--to management figures over a period."""
    from loket.services import ConsoleServices
    from loket.sync import SyncError

    if first or last:
        _period_report(first, last, by, fmt, day, local)
        return
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


def _period_report(first: str, last: str, by: str, fmt: str, day: str, local: bool) -> None:
    """`--from/--to`: the central store's aggregate figures (docs/metrics.md)."""
    from loket.services import ConsoleServices
    from loket.sync import SyncError

    if day or local:
        fail("--from/--to: cannot be combined with --date or --local", 2)
    if fmt not in FORMATS:
        fail(f"--format: expected one of {', '.join(FORMATS)}, got {fmt!r}", 2)
    try:
        start, end = parse_period(first, last, by, ("--from", "--to", "--by"))
    except PeriodError as exc:
        fail(str(exc), 2)
    services = ConsoleServices.open(settings_or_exit())
    try:
        figures = services.figures.period(start, end, by)
    except SyncError as exc:
        fail(f"the central store gave no figures: {exc}")
    finally:
        services.close()
    if fmt == "json":
        print(json.dumps(figures, indent=2, ensure_ascii=False))
    elif fmt == "csv":
        _print_csv(figures)
    else:
        _print_period_table(figures)


# The table's columns (CSV and JSON carry every figure of a group).
COLUMNS = (
    "contacts",
    "questions",
    "without_outcome",
    "fcr_questions",
    "fcr_contacts",
    "share_routed",
    "mean_seconds",
    "median_seconds",
    "p90_seconds",
    "talk_mean_seconds",
    "wrapup_mean_seconds",
    "satisfaction_mean",
    "tasks",
    "on_time",
    "late",
    "open_overdue",
    "open_in_time",
    "sla_on_time",
    "resolve_median_seconds",
    "callback_norm",
)


def _print_csv(figures: dict[str, Any]) -> None:
    import csv
    import sys

    groups = figures["groups"]
    columns = [c for c in groups[0] if c != "group"] if groups else list(COLUMNS)
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow([figures["by"], *columns])
    for group in groups:
        writer.writerow([group["group"], *("" if group[c] is None else group[c] for c in columns)])


def _cell(column: str, value: Any) -> str:
    if value is None:
        return "–"
    if column.startswith("resolve_"):
        return f"{value / 3600:.0f} h"
    if column.endswith("_seconds"):
        return _minutes(value)
    if column == "satisfaction_mean":
        return f"{value:.1f}"
    if isinstance(value, float):
        return f"{value:.0%}"
    return str(value)


def _print_period_table(figures: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Figures {figures['from']} – {figures['to']} by {figures['by']}")
    table.add_column(figures["by"])
    for column in COLUMNS:
        label = column.replace("_seconds", "").replace("_mean", "").replace("_", " ")
        table.add_column(label, justify="right")
    for group in figures["groups"]:
        table.add_row(group["group"], *(_cell(c, group[c]) for c in COLUMNS))
    console = Console(width=240)
    console.print(table)
    queues = [q for q in figures.get("queues", []) if q["answered"] or q["abandoned"]]
    if queues:
        calls = Table(title="Phone queues")
        for label in ("queue", "answered", "abandoned", "service level", "target", "abandoned %"):
            calls.add_column(label, justify="left" if label == "queue" else "right")
        for q in queues:
            calls.add_row(
                q["queue"],
                str(q["answered"]),
                str(q["abandoned"]),
                _cell("service_level", q["service_level"]),
                f"{q['sl_target']:.0%} in {q['sl_seconds']:.0f} s",
                _cell("abandon_rate", q["abandon_rate"]),
            )
        console.print(calls)
