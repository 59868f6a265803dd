"""`loket config show`."""

from __future__ import annotations

import json

import typer

from loket.cli.common import fail, settings_or_exit
from loket.config import config_file

app = typer.Typer(no_args_is_help=True)


@app.command("show")
def show(as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """Print every effective setting with its source (default, file or environment)."""
    settings = settings_or_exit()
    rows = settings.public_items()
    if as_json:
        print(json.dumps([{"name": n, "value": str(v), "source": s} for n, v, s in rows], indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"loket settings (file: {config_file()})")
    for column in ("setting", "value", "source"):
        table.add_column(column)
    for name, value, source in rows:
        table.add_row(name, str(value), source)
    Console().print(table)


@app.command("path")
def path() -> None:
    """Print where the settings file is read from."""
    print(config_file())


__all__ = ["app", "fail"]
