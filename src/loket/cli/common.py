"""Helpers every command shares: loading settings and failing without a traceback."""

from __future__ import annotations

from typing import NoReturn

import typer

from loket.config import ConfigError, Settings, load_settings


def fail(message: str, code: int = 1) -> NoReturn:
    """Print a clear error on stderr and exit; user mistakes never show a traceback."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


# Exit code for a setting, file, port or database that cannot be used (1 is a user's
# mistake in the command itself, 2 the environment it runs in).
EXIT_ENVIRONMENT = 2


def settings_or_exit() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        fail(str(exc), EXIT_ENVIRONMENT)
