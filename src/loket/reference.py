"""Load the reference data in data/ (back offices, districts, contact pick lists).

The only I/O around the pure parsers in `loket.domain`: read TOML, name the file in
every error. Callers catch `DomainError`; its message already says which file and field.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from loket.domain.contact_lists import ContactLists, parse_contact_lists
from loket.domain.errors import DomainError, FieldError
from loket.domain.queues import QueueDef, parse_queues
from loket.domain.routing import DistrictMap, Routing, parse_backoffices, parse_districts
from loket.paths import default_data_dir

BACKOFFICES_FILE = "backoffices.toml"
DISTRICTS_FILE = "districts.toml"
CONTACT_LISTS_FILE = "contact-lists.toml"
QUEUES_FILE = "queues.toml"


def _read_toml(path: Path, required: bool = True) -> dict[str, Any] | None:
    """Decoded TOML, None for a missing optional file, DomainError naming the file otherwise."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        if not required:
            return None
        raise DomainError(FieldError(str(path), "file not found")) from None
    except tomllib.TOMLDecodeError as exc:
        raise DomainError(FieldError(str(path), f"invalid TOML: {exc}")) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DomainError(FieldError(str(path), f"cannot read: {exc}")) from None


def _path(data_dir: Path | str | None, name: str) -> Path:
    return Path(data_dir or default_data_dir()) / name


def load_routing(data_dir: Path | str | None = None) -> Routing:
    """Back offices and teams from backoffices.toml (required)."""
    path = _path(data_dir, BACKOFFICES_FILE)
    return parse_backoffices(_read_toml(path) or {}, str(path))


def load_districts(data_dir: Path | str | None = None) -> DistrictMap:
    """Postcode → district from districts.toml; an empty map when the file is absent."""
    path = _path(data_dir, DISTRICTS_FILE)
    data = _read_toml(path, required=False)
    return DistrictMap() if data is None else parse_districts(data, str(path))


def load_contact_lists(
    data_dir: Path | str | None = None,
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(channels, outcomes) from contact-lists.toml; the defaults of `models` when absent."""
    lists = load_contact_lists_full(data_dir)
    return lists.channels, lists.outcomes


def load_contact_lists_full(data_dir: Path | str | None = None) -> ContactLists:
    path = _path(data_dir, CONTACT_LISTS_FILE)
    data = _read_toml(path, required=False)
    return ContactLists() if data is None else parse_contact_lists(data, str(path))


def load_queues(data_dir: Path | str | None = None) -> dict[str, QueueDef]:
    """Phone queues and counter services from queues.toml; none when the file is absent."""
    path = _path(data_dir, QUEUES_FILE)
    data = _read_toml(path, required=False)
    return {} if data is None else parse_queues(data, str(path))
