"""Helpers every command shares: loading settings and failing without a traceback."""

from __future__ import annotations

import errno
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


_WRITE_ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EACCES, errno.EPERM}
_SQLITE_WRITE_ERRORS = ("SQLITE_FULL", "SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_IOERR")


def environment_problem(exc: BaseException) -> str | None:
    """One line for an error of the machine rather than of loket (a read-only or full
    disk under the state dir), or None when `exc` is something else (a bug: traceback)."""
    from loket.paths import StateUnusable, storage_problem

    if isinstance(exc, StateUnusable):
        return str(exc)
    if isinstance(exc, OSError) and exc.errno in _WRITE_ERRNOS:
        return f"{exc.filename or 'a file'}: {exc.strerror}; nothing was written"
    name = getattr(exc, "sqlite_errorname", "") or ""  # sqlite3.Error, without importing it
    if name.startswith(_SQLITE_WRITE_ERRORS):
        try:
            state_dir = load_settings().state_dir
        except ConfigError:
            return None
        cause = storage_problem(state_dir) or str(exc)
        return f"{state_dir}: {cause}; the last change was not saved (earlier ones are intact)"
    return None
