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
    chart: bool = typer.Option(
        False, "--chart", help="The report screen's charts in this terminal (with --date)."
    ),
) -> None:
    """Figures of one day, or with --from/--to management figures over a period."""
    from loket.services import ConsoleServices
    from loket.sync import SyncError

    if chart:
        _charts(day, local, as_json, first or last)
        return
    if first or last:
        _period_report(first, last, by, fmt, day, local)
        return
    chosen = _parse_day(day)
    settings = settings_or_exit()
    if not local:
        _need_server(settings.server_url, offline_hint=True)
    services = ConsoleServices.open(settings)
    try:
        figures = services.figures.daily(chosen, central=not local)
    except SyncError as exc:
        fail(_no_figures(exc, settings.server_url, offline_hint=True))
    finally:
        services.close()
    if as_json:
        print(json.dumps(figures, indent=2, ensure_ascii=False))
    else:
        _print_report(figures, source="local store" if local else "central store")


_LOCAL_HINT = ", or use --local for this console's own figures of one day"


def _need_server(url: str, offline_hint: bool = False) -> None:
    """The figures come from the central store: say how to name it when none is set."""
    if not url:
        hint = _LOCAL_HINT if offline_hint else ""
        fail(
            "no central store is configured: set LOKET_SERVER_URL (or server_url in the"
            f" config file) and LOKET_TOKEN to a supervisor's or admin's token{hint}"
        )


def _no_figures(exc: Exception, url: str, offline_hint: bool = False) -> str:
    """What went wrong asking the central store, and what to do about it (in English,
    as the CLI's other messages; the sync layer's own text is Dutch, for the console)."""
    from loket.sync.client import AuthError, Offline, RequestRefused

    hint = _LOCAL_HINT if offline_hint else ""
    if isinstance(exc, Offline):
        return (
            f"the central store at {url} cannot be reached: check that it runs and that"
            f" LOKET_SERVER_URL is right, then try again{hint}"
        )
    if isinstance(exc, AuthError):
        return (
            f"the central store at {url} refused the token: figures are for supervisors and"
            " admins; check LOKET_TOKEN"
        )
    if isinstance(exc, RequestRefused):
        return f"the central store at {url} refused the request (HTTP {exc.status})"
    return f"the central store at {url} gave no figures (a server error); try again later{hint}"


def _charts(day: str, local: bool, as_json: bool, period: str) -> None:
    """`--chart`: the central store's chart series, drawn as on the report screen."""
    import shutil
    import sys

    from loket.report_charts import render
    from loket.services import ConsoleServices
    from loket.sync import SyncError

    if local or period:
        fail("--chart: cannot be combined with --local, --from or --to", 2)
    chosen = _parse_day(day)
    settings = settings_or_exit()
    _need_server(settings.server_url)
    services = ConsoleServices.open(settings)
    try:
        data = services.figures.charts(chosen)
    except SyncError as exc:
        fail(_no_figures(exc, settings.server_url))
    finally:
        services.close()
    if as_json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return
    width = min(120, shutil.get_terminal_size((80, 24)).columns)
    print(render(data, width=width, color=sys.stdout.isatty()))


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
    settings = settings_or_exit()
    _need_server(settings.server_url)
    services = ConsoleServices.open(settings)
    try:
        figures = services.figures.period(start, end, by)
    except SyncError as exc:
        fail(_no_figures(exc, settings.server_url))
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
