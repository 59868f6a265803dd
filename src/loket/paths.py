"""Where loket finds its shipped content (kb/, data/) and keeps its own files.

The content lives at the repository root in a checkout and inside the package
(``loket/_content``) in a built wheel; both are looked up here so nothing else
needs to know how loket was installed.
"""

from __future__ import annotations

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
