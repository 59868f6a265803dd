"""Who owns what: back offices and their teams, SLA defaults, and postcode → district.

The parsers take the already-decoded TOML (a dict) plus the file name to put in errors,
so they stay pure; `loket.reference` reads the files. Every problem is reported at
once, as `<file>: <path>: <message>` (e.g. `data/backoffices.toml: backoffice[2].team[0].sla_days`).
These messages are in English: they are for whoever edits the data files, not for agents.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Any

from loket.domain.errors import DomainError, FieldError

_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_RANGE = re.compile(r"^\s*(\d{4})\s*(?:-\s*(\d{4}))?\s*$")


@dataclass(frozen=True)
class Sla:
    """A deadline rule: working days (due at the end of the office day) or working hours."""

    days: int | None = None
    hours: float | None = None


@dataclass(frozen=True)
class Team:
    id: str
    name: str
    backoffice: str  # id of the back office it belongs to
    sla_days: int | None = None
    sla_hours: float | None = None  # urgent teams: used instead of sla_days
    intake: tuple[str, ...] = ()  # what the front office must ask before routing here


@dataclass(frozen=True)
class BackOffice:
    id: str
    name: str
    teams: tuple[Team, ...] = ()


@dataclass(frozen=True)
class Routing:
    backoffices: tuple[BackOffice, ...] = ()
    _by_id: dict[str, Team] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        for office in self.backoffices:
            for team in office.teams:
                self._by_id[team.id] = team

    def teams(self) -> list[Team]:
        """Every team, in file order."""
        return list(self._by_id.values())

    def team_ids(self) -> set[str]:
        """For `apply_action(..., teams=...)`."""
        return set(self._by_id)

    def get_team(self, team_id: str) -> Team | None:
        return self._by_id.get(team_id)

    def team(self, team_id: str) -> Team:
        """The team, or DomainError on field "team" (Dutch: an agent may have picked it)."""
        found = self._by_id.get(team_id)
        if found is None:
            raise DomainError(FieldError("team", f"Onbekend team '{team_id}'."))
        return found

    def backoffice_of(self, team_id: str) -> BackOffice:
        team = self.team(team_id)
        return next(o for o in self.backoffices if o.id == team.backoffice)

    def sla_for(self, team_id: str, product_sla_days: int | None = None) -> Sla:
        """The deadline rule for a routed question.

        A product's own `sla_days` (kb article) wins: the article knows its legal term.
        Otherwise the team's `sla_hours` (urgent teams), else its `sla_days`.
        """
        team = self.team(team_id)
        if product_sla_days is not None:
            return Sla(days=product_sla_days)
        if team.sla_hours is not None:
            return Sla(hours=team.sla_hours)
        return Sla(days=team.sla_days)


class _Errors:
    """Collects `<source>: <path>` errors so a file's every problem is reported at once."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.items: list[FieldError] = []

    def add(self, path: str, message: str) -> None:
        self.items.append(FieldError(f"{self.source}: {path}", message))

    def raise_any(self) -> None:
        if self.items:
            raise DomainError(self.items)


def _text(errs: _Errors, item: dict[str, Any], key: str, path: str, slug: bool = False) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value.strip():
        errs.add(f"{path}.{key}", "required, a non-empty string")
        return ""
    if slug and not _SLUG.match(value):
        errs.add(f"{path}.{key}", f"'{value}' must be lower-case letters, digits and dashes")
    return value


def _table_list(errs: _Errors, data: dict[str, Any], key: str, path: str) -> list[dict[str, Any]]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        errs.add(f"{path}{key}", f"must be an array of tables ([[{key}]])")
        return []
    return value


def parse_backoffices(data: dict[str, Any], source: str) -> Routing:
    """Build the routing from decoded backoffices.toml; DomainError lists every problem."""
    errs = _Errors(source)
    offices = []
    seen: set[str] = set()
    tables = _table_list(errs, data, "backoffice", "")
    if not tables and not errs.items:
        errs.add("backoffice", "no back offices defined")
    for i, raw in enumerate(tables):
        path = f"backoffice[{i}]"
        office_id = _text(errs, raw, "id", path, slug=True)
        name = _text(errs, raw, "name", path)
        teams = []
        for j, raw_team in enumerate(_table_list(errs, raw, "team", f"{path}.")):
            team = _parse_team(errs, raw_team, f"{path}.team[{j}]", office_id)
            if team.id in seen:
                errs.add(f"{path}.team[{j}].id", f"duplicate team id '{team.id}'")
            seen.add(team.id)
            teams.append(team)
        offices.append(BackOffice(id=office_id, name=name, teams=tuple(teams)))
    errs.raise_any()
    return Routing(tuple(offices))


def _parse_team(errs: _Errors, raw: dict[str, Any], path: str, office_id: str) -> Team:
    days = raw.get("sla_days")
    hours = raw.get("sla_hours")
    if days is None and hours is None:
        errs.add(f"{path}.sla_days", "set sla_days or sla_hours")
    if days is not None and (isinstance(days, bool) or not isinstance(days, int) or days < 0):
        errs.add(f"{path}.sla_days", f"must be a whole number of working days ≥ 0, not {days!r}")
    bad_hours = isinstance(hours, bool) or not isinstance(hours, int | float) or hours <= 0
    if hours is not None and bad_hours:
        errs.add(f"{path}.sla_hours", f"must be a number of working hours > 0, not {hours!r}")
    intake = raw.get("intake", [])
    if not isinstance(intake, list) or not all(isinstance(q, str) and q.strip() for q in intake):
        errs.add(f"{path}.intake", "must be a list of questions (strings)")
        intake = []
    return Team(
        id=_text(errs, raw, "id", path, slug=True),
        name=_text(errs, raw, "name", path),
        backoffice=office_id,
        sla_days=days if isinstance(days, int) else None,
        sla_hours=float(hours) if isinstance(hours, int | float) else None,
        intake=tuple(intake),
    )


# --- districts -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DistrictMap:
    """Postcode number ranges (inclusive, sorted, non-overlapping) → district (wijk) name."""

    municipality: str = ""
    ranges: tuple[tuple[int, int, str], ...] = ()
    names: tuple[str, ...] = ()  # in file order; derived from ranges when not given

    def district_for(self, postcode: str) -> str | None:
        """The wijk for "7411 AB", "7411ab" or "7411"; None when unknown or outside the map."""
        digits = (postcode or "").strip()[:4]
        if len(digits) != 4 or not digits.isdigit():
            return None
        number = int(digits)
        i = bisect.bisect_right(self.ranges, (number, 10_000, "")) - 1
        if i >= 0 and self.ranges[i][0] <= number <= self.ranges[i][1]:
            return self.ranges[i][2]
        return None

    def districts(self) -> list[str]:
        """District names for pick lists and reports."""
        return list(self.names or dict.fromkeys(name for _, _, name in self.ranges))


def parse_districts(data: dict[str, Any], source: str) -> DistrictMap:
    """Build the map from decoded districts.toml:

    municipality = "Gemeente Voorbeeld"
    [[district]]
    name = "Centrum"
    postcodes = ["7410-7413", "7415"]
    """
    errs = _Errors(source)
    found: list[tuple[int, int, str]] = []
    tables = _table_list(errs, data, "district", "")
    for i, raw in enumerate(tables):
        path = f"district[{i}]"
        name = _text(errs, raw, "name", path)
        postcodes = raw.get("postcodes")
        if not isinstance(postcodes, list) or not postcodes:
            errs.add(f"{path}.postcodes", 'required, e.g. ["7410-7413", "7415"]')
            continue
        for j, item in enumerate(postcodes):
            parsed = _parse_range(item)
            if parsed is None:
                errs.add(
                    f"{path}.postcodes[{j}]", f"{item!r} is not 'NNNN' or 'NNNN-NNNN' (1000-9999)"
                )
            else:
                found.append((*parsed, name))
    _check_overlaps(errs, sorted(found))
    municipality = data.get("municipality", "")
    if not isinstance(municipality, str):
        errs.add("municipality", "must be a string")
        municipality = ""
    errs.raise_any()
    names = tuple(dict.fromkeys(name for _, _, name in found))
    return DistrictMap(municipality, tuple(sorted(found)), names)


def _parse_range(item: object) -> tuple[int, int] | None:
    match = _RANGE.match(item) if isinstance(item, str) else None
    if not match:
        return None
    low = int(match.group(1))
    high = int(match.group(2) or low)
    return (low, high) if 1000 <= low <= high else None


def _check_overlaps(errs: _Errors, ranges: list[tuple[int, int, str]]) -> None:
    """Ranges are sorted; each must start after every earlier one ends."""
    widest: tuple[int, int, str] | None = None
    for low, high, name in ranges:
        if widest and low <= widest[1]:
            errs.add(
                "district", f"{low}-{high} ({name}) overlaps {widest[0]}-{widest[1]} ({widest[2]})"
            )
        if widest is None or high > widest[1]:
            widest = (low, high, name)
