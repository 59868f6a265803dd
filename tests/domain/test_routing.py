"""Back offices, SLA rules, districts and contact lists: parsing and loading from data/."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loket.domain.contact_lists import parse_contact_lists
from loket.domain.errors import DomainError
from loket.domain.models import DEFAULT_CHANNELS, DEFAULT_OUTCOMES
from loket.domain.routing import DistrictMap, Sla, parse_backoffices, parse_districts
from loket.paths import default_data_dir
from loket.reference import load_contact_lists, load_districts, load_routing

SRC = "data/backoffices.toml"
SAMPLE: dict[str, Any] = {
    "backoffice": [
        {
            "id": "sociaal",
            "name": "Sociaal domein",
            "team": [
                {"id": "wmo", "name": "Wmo", "sla_days": 5, "intake": ["Alleen?"]},
                {"id": "crisis", "name": "Crisis", "sla_hours": 4},
            ],
        },
        {"id": "kcc", "name": "KCC", "team": [{"id": "kcc", "name": "KCC 2e lijn", "sla_days": 2}]},
    ]
}


def messages(exc: pytest.ExceptionInfo[DomainError]) -> list[str]:
    return [str(e) for e in exc.value.errors]


def test_parse_backoffices_builds_lookup() -> None:
    routing = parse_backoffices(SAMPLE, SRC)
    assert [t.id for t in routing.teams()] == ["wmo", "crisis", "kcc"]
    assert routing.team_ids() == {"wmo", "crisis", "kcc"}
    assert routing.team("wmo").intake == ("Alleen?",)
    assert routing.backoffice_of("crisis").id == "sociaal"
    assert routing.get_team("nope") is None
    with pytest.raises(DomainError) as exc:
        routing.team("nope")
    assert exc.value.errors[0].field == "team"


def test_sla_for_prefers_product_then_hours_then_days() -> None:
    routing = parse_backoffices(SAMPLE, SRC)
    assert routing.sla_for("wmo", None) == Sla(days=5)
    assert routing.sla_for("wmo", 12) == Sla(days=12)
    assert routing.sla_for("crisis", None) == Sla(hours=4.0)
    assert routing.sla_for("crisis", 1) == Sla(days=1)
    with pytest.raises(DomainError):
        routing.sla_for("nope", 3)


def test_every_error_named_with_file_and_path() -> None:
    data = copy.deepcopy(SAMPLE)
    data["backoffice"][1]["team"][0]["sla_days"] = "twee"
    data["backoffice"][0]["team"][1]["id"] = "Crisis Team"
    data["backoffice"][0]["team"][0]["intake"] = "Alleen?"
    data["backoffice"].append(
        {"id": "x", "name": "X", "team": [{"id": "wmo", "name": "dup", "sla_days": 1}]}
    )
    with pytest.raises(DomainError) as exc:
        parse_backoffices(data, SRC)
    text = messages(exc)
    assert any(
        m.startswith("data/backoffices.toml: backoffice[1].team[0].sla_days: ") for m in text
    )
    assert any(m.startswith(f"{SRC}: backoffice[0].team[1].id: ") for m in text)
    assert any(m.startswith(f"{SRC}: backoffice[0].team[0].intake: ") for m in text)
    assert any(m.startswith(f"{SRC}: backoffice[2].team[0].id: duplicate") for m in text)
    assert len(text) == 4


@pytest.mark.parametrize(
    "team",
    [
        {"id": "t", "name": "T"},
        {"id": "t", "name": "T", "sla_days": -1},
        {"id": "t", "name": "T", "sla_days": True},
        {"id": "t", "name": "T", "sla_hours": 0},
        {"id": "t", "sla_days": 1},
    ],
)
def test_bad_team_refused(team: dict[str, Any]) -> None:
    with pytest.raises(DomainError) as exc:
        parse_backoffices({"backoffice": [{"id": "b", "name": "B", "team": [team]}]}, SRC)
    assert all(e.field.startswith(f"{SRC}: backoffice[0].team[0].") for e in exc.value.errors)


def test_no_backoffices_refused() -> None:
    with pytest.raises(DomainError):
        parse_backoffices({}, SRC)
    with pytest.raises(DomainError):
        parse_backoffices({"backoffice": "nope"}, SRC)


# --- districts -------------------------------------------------------------------------------

DISTRICTS = {
    "municipality": "Gemeente Test",
    "district": [
        {"name": "Noord", "postcodes": ["7414-7418"]},
        {"name": "Centrum", "postcodes": ["7410-7413", "7420"]},
    ],
}


@pytest.mark.parametrize(
    ("postcode", "want"),
    [
        ("7410 AB", "Centrum"),
        ("7413ab", "Centrum"),
        ("7414", "Noord"),
        ("7418 ZZ", "Noord"),
        ("7419 AA", None),
        ("7420 AA", "Centrum"),
        ("7409", None),
        ("", None),
        ("74", None),
        ("abcd", None),
    ],
)
def test_district_for(postcode: str, want: str | None) -> None:
    assert parse_districts(DISTRICTS, "d.toml").district_for(postcode) == want


def test_districts_keep_file_order() -> None:
    dmap = parse_districts(DISTRICTS, "d.toml")
    assert dmap.districts() == ["Noord", "Centrum"]
    assert dmap.municipality == "Gemeente Test"


@given(st.integers(1000, 9999))
def test_district_for_agrees_with_linear_scan(number: int) -> None:
    dmap = parse_districts(DISTRICTS, "d.toml")
    want = next((n for lo, hi, n in dmap.ranges if lo <= number <= hi), None)
    assert dmap.district_for(f"{number} AB") == want


def test_overlapping_and_bad_ranges_refused() -> None:
    data = {
        "district": [
            {"name": "A", "postcodes": ["7400-7450"]},
            {"name": "B", "postcodes": ["7410", "7460-7470"]},
            {"name": "C", "postcodes": ["7420-7425", "999", "7439-7430"]},
            {"name": "D"},
        ]
    }
    with pytest.raises(DomainError) as exc:
        parse_districts(data, "d.toml")
    text = messages(exc)
    assert sum("overlaps" in m for m in text) == 2
    assert any(m.startswith("d.toml: district[2].postcodes[1]:") for m in text)
    assert any(m.startswith("d.toml: district[2].postcodes[2]:") for m in text)
    assert any(m.startswith("d.toml: district[3].postcodes:") for m in text)


def test_empty_district_map_knows_nothing() -> None:
    assert DistrictMap().district_for("7411 AB") is None
    assert DistrictMap().districts() == []


# --- contact lists ---------------------------------------------------------------------------


def test_contact_lists_defaults_and_checks() -> None:
    lists = parse_contact_lists({}, "c.toml")
    assert (lists.channels, lists.outcomes) == (DEFAULT_CHANNELS, DEFAULT_OUTCOMES)
    custom = parse_contact_lists({"channels": ["telefoon", "whatsapp"]}, "c.toml")
    assert custom.channels == ("telefoon", "whatsapp")
    bad = {"channels": ["x" * 51, "a", "a"], "outcomes": ["klaar"]}
    with pytest.raises(DomainError) as exc:
        parse_contact_lists(bad, "c.toml")
    assert len(exc.value.errors) == 3
    assert all(m.startswith("c.toml: ") for m in messages(exc))


# --- loading the shipped files ---------------------------------------------------------------


def test_shipped_reference_data_loads() -> None:
    routing = load_routing()
    assert "wmo" in routing.team_ids() and len(routing.teams()) >= 10
    districts = load_districts()
    assert set(districts.districts()) == {
        "Centrum",
        "Noord",
        "Oost",
        "Zuid",
        "West",
        "Havenkwartier",
        "Dorp Achterveld",
    }
    assert districts.district_for("7411 AB") is not None
    channels, outcomes = load_contact_lists()
    assert "telefoon" in channels and "doorgezet naar backoffice" in outcomes


def test_shipped_contact_lists_match_model_defaults() -> None:
    with (default_data_dir() / "contact-lists.toml").open("rb") as handle:
        data = tomllib.load(handle)
    assert tuple(data["channels"]) == DEFAULT_CHANNELS
    assert tuple(data["outcomes"]) == DEFAULT_OUTCOMES


def test_bad_toml_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "backoffices.toml").write_text('[[backoffice]]\nid = "x\n', encoding="utf-8")
    with pytest.raises(DomainError) as exc:
        load_routing(tmp_path)
    assert str(tmp_path / "backoffices.toml") in str(exc.value)
    assert "invalid TOML" in str(exc.value)


def test_missing_files(tmp_path: Path) -> None:
    with pytest.raises(DomainError) as exc:
        load_routing(tmp_path)
    assert "backoffices.toml" in str(exc.value)
    assert load_districts(tmp_path).district_for("7411") is None
    assert load_contact_lists(tmp_path) == (DEFAULT_CHANNELS, DEFAULT_OUTCOMES)


def test_invalid_content_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "districts.toml").write_text(
        '[[district]]\nname = "A"\npostcodes = ["12"]\n', encoding="utf-8"
    )
    with pytest.raises(DomainError) as exc:
        load_districts(tmp_path)
    assert f"{tmp_path / 'districts.toml'}: district[0].postcodes[0]" in str(exc.value)
