"""`check_kb` names file, line and field; a broken file is skipped, never fatal."""

from __future__ import annotations

from pathlib import Path

from loket.kb import ERROR, WARNING, KnowledgeBase, Problem, check_kb
from tests.kb.helpers import BODY, TEAMS, front, make_kb


def _check(tmp_path: Path, files: dict[str, str]) -> list[Problem]:
    kb_dir, upl = make_kb(tmp_path, files)
    return check_kb(kb_dir, upl_csv=upl, teams=TEAMS)


def _only(problems: list[Problem], name: str) -> list[Problem]:
    return [p for p in problems if p.path.name == name]


def test_clean_kb_has_no_problems(tmp_path: Path) -> None:
    assert _check(tmp_path, {}) == []


def test_bad_yaml_names_file_and_line(tmp_path: Path) -> None:
    text = '---\nid: kapot\ntitle: "Kapot"\nsynonyms: [een, twee\nsummary: "x"\n---\n'
    problems = _only(_check(tmp_path, {"kapot.md": text}), "kapot.md")
    assert len(problems) == 1
    assert problems[0].severity == ERROR
    assert "invalid YAML" in problems[0].message
    assert problems[0].line in (4, 5)  # the unclosed list on line 4, reported where it breaks


def test_readme_and_hidden_files_are_not_articles(tmp_path: Path) -> None:
    files = {"README.md": "# How to write kb files\n", "_draft.md": "nothing yet\n"}
    assert _check(tmp_path, files) == []


def test_no_front_matter(tmp_path: Path) -> None:
    problems = _only(_check(tmp_path, {"leeg.md": "Alleen tekst\n"}), "leeg.md")
    assert [(p.line, p.field) for p in problems] == [(1, "")]
    assert "front matter" in problems[0].message


def test_missing_required_field(tmp_path: Path) -> None:
    text = front("paspoort", "Paspoort", "paspoort", ["pas"], team="burgerzaken")
    text = text.replace('summary: "Een korte samenvatting."\n', "")
    problems = _only(_check(tmp_path, {"paspoort.md": text}), "paspoort.md")
    assert [(p.field, p.severity) for p in problems] == [("summary", ERROR)]
    assert problems[0].line == 2  # the front matter, since the field has no line of its own


def test_unknown_field_and_wrong_type_point_at_their_line(tmp_path: Path) -> None:
    text = front(
        "paspoort",
        "Paspoort",
        "paspoort",
        ["pas"],
        team="burgerzaken",
        extra="colour: red\nsla_days: soon\n",
    )
    problems = _only(_check(tmp_path, {"paspoort.md": text}), "paspoort.md")
    by_field = {p.field: p for p in problems}
    assert by_field["colour"].line == 9
    assert "unknown field" in by_field["colour"].message
    assert by_field["sla_days"].line == 10
    assert "whole number" in by_field["sla_days"].message


def test_synonyms_must_be_a_list(tmp_path: Path) -> None:
    text = front("paspoort", "Paspoort", "paspoort", team="burgerzaken").replace(
        "synonyms: []", 'synonyms: "pas"'
    )
    problems = _only(_check(tmp_path, {"paspoort.md": text}), "paspoort.md")
    assert [(p.field, p.line) for p in problems] == [("synonyms", 6)]


def test_id_must_match_file_name(tmp_path: Path) -> None:
    text = front("paspoortje", "Paspoort", "paspoort", ["pas"], team="burgerzaken")
    problems = _only(_check(tmp_path, {"paspoort.md": text}), "paspoort.md")
    assert [(p.field, p.line) for p in problems] == [("id", 2)]
    assert "paspoort.md" in problems[0].message


def test_unknown_team_bad_upl_and_uri(tmp_path: Path) -> None:
    text = front("paspoort", "Paspoort", "paspoort", ["pas"], team="reisburo")
    text = text.replace("owms/terms/paspoort", "owms/terms/pasport")
    other = front("fiets", "Fiets", "fietsenstalling", ["fiets"], team="afval")
    problems = _check(tmp_path, {"paspoort.md": text, "fiets.md": other})
    found = {(p.path.name, p.field, p.line) for p in problems}
    assert ("paspoort.md", "backoffice", 8) in found
    assert ("paspoort.md", "uri", 5) in found
    assert ("fiets.md", "upl", 4) in found
    assert all(p.severity == ERROR for p in problems)


def test_duplicate_id_differing_in_case(tmp_path: Path) -> None:
    text = front("Paspoort", "Paspoort", "paspoort", ["pas"], team="burgerzaken")
    problems = _check(tmp_path, {"Paspoort.md": text})
    duplicates = [p for p in problems if "duplicate id" in p.message]
    assert [(p.path.name, p.field, p.line, p.severity) for p in duplicates] == [
        ("paspoort.md", "id", 2, ERROR)
    ]
    assert "Paspoort.md" in duplicates[0].message
    assert ("Paspoort.md", "id", WARNING) in {(p.path.name, p.field, p.severity) for p in problems}


def test_written_article_rules(tmp_path: Path) -> None:
    no_synonyms = front("paspoort", "Paspoort", "paspoort", [], team="burgerzaken") + BODY
    half_body = front(
        "rijbewijs", "Rijbewijs", "rijbewijs", ["rijbewijs kwijt"], team="burgerzaken"
    )
    half_body += "## Antwoord\nZo.\n"
    problems = _check(tmp_path, {"paspoort.md": no_synonyms, "rijbewijs.md": half_body})
    found = {(p.path.name, p.field, p.severity) for p in problems}
    assert ("paspoort.md", "synonyms", ERROR) in found
    body = [p for p in problems if p.field == "body"]
    assert [(b.path.name, b.severity, b.line) for b in body] == [("rijbewijs.md", WARNING, 10)]
    assert "## Vraag na" in body[0].message and "## Antwoord" not in body[0].message


def test_broken_file_is_skipped_and_search_still_works(tmp_path: Path) -> None:
    kb_dir, upl = make_kb(tmp_path, {"kapot.md": "---\nid: [\n---\n"})
    kb = KnowledgeBase.open(kb_dir, upl_csv=upl, teams=TEAMS)
    assert kb.get("kapot") is None
    assert any(p.path.name == "kapot.md" for p in kb.errors)
    assert kb.search("kliko")[0].id == "afvalcontainer"
    assert len(kb) == 7


def test_article_fields(tmp_path: Path) -> None:
    kb_dir, upl = make_kb(tmp_path)
    kb = KnowledgeBase.open(kb_dir, upl_csv=upl, teams=TEAMS)
    article = kb.get("afvalcontainer")
    assert article is not None and article.written
    assert article.synonyms[0] == "kliko"
    assert article.path == kb_dir / "afvalcontainer.md"
    grofvuil = kb.get("afvalinzameling-grofvuil")
    assert grofvuil is not None and not grofvuil.written
    assert kb.get("bestaat-niet") is None
