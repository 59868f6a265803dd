"""Where loket finds its shipped content (kb/, data/) and keeps its own files.

The content lives at the repository root in a checkout and inside the package
(``loket/_content``) in a built wheel; both are looked up here so nothing else
needs to know how loket was installed.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def _content_dir(name: str) -> Path:
    packaged = _PACKAGE_DIR / "_content" / name
    if packaged.is_dir():
        return packaged
    return _PACKAGE_DIR.parent.parent / name


def default_kb_dir() -> Path:
    """The knowledge base that ships with loket."""
    return _content_dir("kb")


def default_data_dir() -> Path:
    """Reference data that ships with loket: back offices, districts, demo data."""
    return _content_dir("data")


class StateUnusable(OSError):
    """A file loket keeps (store, index, keys) cannot be opened or written; the message
    names the path and why, for one line on the command line."""


def storage_problem(path: Path) -> str | None:
    """Why files cannot be written at or under `path`, if the file system says so:
    read-only or full. None when neither (then the caller's own error is the cause)."""
    import os

    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        stats = os.statvfs(probe)
    except OSError:
        return None
    if stats.f_flag & os.ST_RDONLY:
        return "read-only file system"
    if stats.f_bavail * stats.f_frsize < 64 * 1024:  # SQLite needs room for WAL and journal
        return "no space left on device"
    return None


def unusable(path: Path, exc: BaseException) -> StateUnusable:
    """`exc` (sqlite3 or OS error on `path`) as one line: the path, then the cause."""
    cause = storage_problem(path) or getattr(exc, "strerror", None) or str(exc)
    return StateUnusable(f"{path}: {cause}; nothing was written")


def switch_to_wal(conn: sqlite3.Connection, seconds: float = 10.0) -> None:
    """`journal_mode = WAL`, waiting out a concurrent switch.

    Two connections switching a new file at once deadlock on its locks, and SQLite then
    answers "database is locked" at once instead of calling the busy handler; servers,
    `loket server migrate`, or a console and `loket contact` starting together on a new
    file hit exactly that.
    """
    deadline = time.monotonic() + seconds
    pause = 0.005
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.2)
