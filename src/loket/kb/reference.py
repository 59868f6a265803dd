"""Reference lists the kb is checked against: back-office teams and the UPL product names."""

from __future__ import annotations

import csv
from pathlib import Path

UPL_CSV_NAME = "UPL-gemeente-2023-09.csv"
UPL_PLACEHOLDER = "UPL-naam nog niet beschikbaar"


def default_upl_csv() -> Path:
    from loket.paths import default_data_dir

    return default_data_dir() / "upl" / UPL_CSV_NAME


def load_teams() -> set[str]:
    """Team ids of the shipped back offices, validated by the same loader the server uses."""
    from loket.reference import load_routing

    return load_routing().team_ids()


def load_upl(path: Path | None = None) -> dict[str, str]:
    """UPL name -> URI, without the placeholder row."""
    path = path or default_upl_csv()
    with path.open(encoding="utf-8", newline="") as handle:
        return {
            row["UniformeProductnaam"].strip(): row["URI"].strip()
            for row in csv.DictReader(handle)
            if row.get("UniformeProductnaam", "").strip() not in ("", UPL_PLACEHOLDER)
        }
