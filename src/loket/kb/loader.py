"""Read and validate kb files. A broken file is reported as a Problem and skipped, never raised.

Problems name file, line and field so an editor can jump straight to the mistake. Files
whose front matter cannot be turned into an Article (bad YAML, a missing or mistyped
required field, an id that does not match the file name, a duplicate id) are skipped;
softer mistakes (unknown team, UPL mismatch) are reported but the article stays
searchable, so one typo never hides a product from an agent during a call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from loket.kb.models import ERROR, WARNING, Article, Problem

REQUIRED = ("id", "title", "upl", "uri", "summary", "backoffice", "synonyms")
OPTIONAL = ("sla_days", "channels", "costs", "lead_time", "self_service", "related", "english")
STR_FIELDS = {"id", "title", "upl", "uri", "summary", "backoffice", "costs", "lead_time"}
STR_FIELDS |= {"self_service"}
LIST_FIELDS = {"synonyms", "channels", "related", "english"}
BODY_SECTIONS = ("Antwoord", "Voorwaarden", "Vraag na", "Kosten en doorlooptijd", "Zelf regelen")
SUMMARY_MAX = 160
KNOWN_CHANNELS = {"telefoon", "balie", "e-mail", "chat", "web", "post", "social"}

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class LoadResult:
    articles: list[Article] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@dataclass
class _Parsed:
    data: dict[str, Any]
    lines: dict[str, int]  # key -> 1-based line in the file
    body: str
    body_line: int


def _split(text: str) -> tuple[str, str, int] | None:
    """(front matter, body, body's first line) or None when there is no front matter."""
    text = text.removeprefix("\ufeff")
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        return None
    for number, line in enumerate(lines[1:], start=1):
        if line.rstrip() == "---":
            return "\n".join(lines[1:number]), "\n".join(lines[number + 1 :]), number + 2
    return None


def _parse(path: Path, problems: list[Problem]) -> _Parsed | None:
    def bad(line: int, message: str, fld: str = "") -> None:
        problems.append(Problem(path, line, fld, message))

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        bad(0, f"cannot read file: {exc}")
        return None
    split = _split(text)
    if split is None:
        bad(1, "no YAML front matter (the file must start with '---' and close it with '---')")
        return None
    front, body, body_line = split
    loader = _Loader(front)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 2 if mark is not None else 1
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        bad(line, f"invalid YAML: {reason}")
        return None
    finally:
        loader.dispose()
    if node is None or not isinstance(data, dict):
        bad(2, "front matter must be a mapping of 'key: value' lines")
        return None
    lines = {
        str(key.value): key.start_mark.line + 2
        for key, _value in node.value
        if isinstance(key, yaml.ScalarNode)
    }
    return _Parsed({str(k): v for k, v in data.items()}, lines, body, body_line)


def _type_ok(name: str, value: Any) -> str | None:
    """None when fine, else the expected type in words."""
    if name in STR_FIELDS:
        return None if isinstance(value, str) else "a string"
    if name in LIST_FIELDS:
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        return None if ok else "a list of strings"
    if name == "sla_days":
        ok = isinstance(value, int) and not isinstance(value, bool) and value > 0
        return None if ok else "a positive whole number of working days"
    return None


def _check_fields(path: Path, parsed: _Parsed, problems: list[Problem]) -> bool:
    """Structural checks; False when no Article can be built from this file."""
    data, lines = parsed.data, parsed.lines
    usable = True
    for key in data:
        if key not in REQUIRED and key not in OPTIONAL:
            known = ", ".join(REQUIRED + OPTIONAL)
            problems.append(
                Problem(path, lines.get(key, 2), key, f"unknown field (known: {known})", ERROR)
            )
    for name in REQUIRED:
        if name not in data or data[name] is None or data[name] == "":
            line = lines.get(name, 2)
            problems.append(Problem(path, line, name, "required field is missing or empty"))
            usable = False
    for name in REQUIRED + OPTIONAL:
        if name in data and data[name] is not None and data[name] != "":
            expected = _type_ok(name, data[name])
            if expected:
                got = type(data[name]).__name__
                problems.append(
                    Problem(path, lines.get(name, 2), name, f"must be {expected}, got {got}")
                )
                usable = False
    if isinstance(data.get("id"), str) and data["id"] != path.stem:
        problems.append(
            Problem(
                path,
                lines.get("id", 2),
                "id",
                f"id '{data['id']}' does not match the file name '{path.stem}.md'",
            )
        )
        usable = False
    return usable


def _build(path: Path, parsed: _Parsed) -> Article:
    data = parsed.data

    def opt(name: str) -> Any:
        value = data.get(name)
        return value if value not in ("", None) else None

    return Article(
        id=data["id"],
        title=data["title"].strip(),
        upl=data["upl"].strip(),
        uri=data["uri"].strip(),
        synonyms=[s.strip() for s in data["synonyms"] if s.strip()],
        summary=data["summary"].strip(),
        backoffice=data["backoffice"].strip(),
        sla_days=opt("sla_days"),
        channels=list(opt("channels") or []),
        costs=opt("costs"),
        lead_time=opt("lead_time"),
        self_service=opt("self_service"),
        related=list(opt("related") or []),
        english=[s.strip() for s in opt("english") or [] if s.strip()],
        body=parsed.body.strip("\n"),
        path=path,
    )


def _check_content(
    article: Article,
    parsed: _Parsed,
    teams: set[str] | None,
    upl: dict[str, str] | None,
    problems: list[Problem],
) -> None:
    """Checks against the reference lists and the writing rules; the article stays usable."""
    path, lines = article.path or Path(), parsed.lines

    def add(name: str, message: str, severity: str = ERROR) -> None:
        problems.append(Problem(path, lines.get(name, 2), name, message, severity))

    if not _SLUG.fullmatch(article.id):
        add("id", "use lowercase letters, digits and '-' only", WARNING)
    if teams is not None and article.backoffice not in teams:
        add(
            "backoffice",
            f"unknown back-office team '{article.backoffice}' (known: {', '.join(sorted(teams))})",
        )
    if upl is not None:
        if article.upl not in upl:
            add("upl", f"'{article.upl}' is not a name in the UPL list")
        elif article.uri != upl[article.upl]:
            add("uri", f"does not match the UPL name's URI {upl[article.upl]}")
    if article.written and not article.synonyms:
        add("synonyms", "a written article needs synonyms (the words residents use)")
    if len(article.summary) > SUMMARY_MAX:
        add("summary", f"longer than {SUMMARY_MAX} characters ({len(article.summary)})", WARNING)
    for channel in article.channels:
        if channel not in KNOWN_CHANNELS:
            add("channels", f"unknown channel '{channel}'", WARNING)
    if article.written:
        missing = [s for s in BODY_SECTIONS if f"## {s}" not in article.body]
        if missing:
            problems.append(
                Problem(
                    path,
                    parsed.body_line,
                    "body",
                    "missing section(s): " + ", ".join(f"## {s}" for s in missing),
                    WARNING,
                )
            )


def load_file(
    path: Path,
    teams: set[str] | None = None,
    upl: dict[str, str] | None = None,
) -> tuple[Article | None, list[Problem], dict[str, int]]:
    """One file: (article or None when unusable, its problems, key -> line)."""
    problems: list[Problem] = []
    parsed = _parse(path, problems)
    if parsed is None:
        return None, problems, {}
    if not _check_fields(path, parsed, problems):
        return None, problems, parsed.lines
    article = _build(path, parsed)
    _check_content(article, parsed, teams, upl, problems)
    return article, problems, parsed.lines


def is_article_file(name: str) -> bool:
    """Articles are *.md files; README.md and hidden or _-prefixed files are not."""
    return name.endswith(".md") and name.lower() != "readme.md" and not name.startswith((".", "_"))


def kb_files(kb_dir: Path) -> list[Path]:
    return sorted(p for p in kb_dir.glob("*.md") if p.is_file() and is_article_file(p.name))


def load_dir(
    kb_dir: Path,
    teams: set[str] | None = None,
    upl: dict[str, str] | None = None,
) -> LoadResult:
    """Every file in kb_dir, plus checks across files (duplicate ids, unknown related ids)."""
    result = LoadResult()
    if not kb_dir.is_dir():
        result.problems.append(Problem(kb_dir, 0, "", "kb directory not found"))
        return result
    seen: dict[str, Path] = {}  # casefolded id -> file; ids differing only in case clash
    related_lines: dict[str, int] = {}
    for path in kb_files(kb_dir):
        article, problems, lines = load_file(path, teams, upl)
        result.problems.extend(problems)
        if article is None:
            continue
        key = article.id.casefold()
        if key in seen:
            result.problems.append(
                Problem(
                    path,
                    lines.get("id", 2),
                    "id",
                    f"duplicate id '{article.id}' (also in {seen[key].name})",
                )
            )
            continue
        seen[key] = path
        related_lines[article.id] = lines.get("related", 2)
        result.articles.append(article)
    for article in result.articles:
        for other in article.related:
            if other.casefold() not in seen:
                result.problems.append(
                    Problem(
                        article.path or kb_dir,
                        related_lines[article.id],
                        "related",
                        f"unknown article id '{other}'",
                        WARNING,
                    )
                )
    return result
