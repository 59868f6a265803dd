"""`loket kb check|index|search|show`: the knowledge base from the command line."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from loket.cli.common import fail, settings_or_exit

if TYPE_CHECKING:
    from loket.kb import KnowledgeBase
    from loket.kb.quality import Tally

app = typer.Typer(no_args_is_help=True, help="Check, index, search and show the knowledge base.")

INDEX_NAME = "kb-index.sqlite3"


def index_path() -> Path:
    return settings_or_exit().state_dir / INDEX_NAME


def _open(use_index: bool = True) -> KnowledgeBase:
    from loket.kb import KnowledgeBase

    settings = settings_or_exit()
    if not settings.kb_dir.is_dir():
        fail(f"kb directory not found: {settings.kb_dir} (set kb_dir or LOKET_KB_DIR)")
    path = settings.state_dir / INDEX_NAME if use_index else None
    try:
        return KnowledgeBase.open(settings.kb_dir, index_path=path)
    except OSError as exc:
        fail(f"cannot open the kb index {path}: {exc}")


def _display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


@app.command("check")
def check(
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Validate every kb file and the life events; exit code 1 on errors (warnings give 0)."""
    from loket.kb import ERROR, check_kb
    from loket.kb.events import default_events_path
    from loket.kb.loader import kb_files

    settings = settings_or_exit()
    if not settings.kb_dir.is_dir():
        fail(f"kb directory not found: {settings.kb_dir} (set kb_dir or LOKET_KB_DIR)")
    problems = check_kb(settings.kb_dir, events_path=default_events_path())
    errors = sum(p.severity == ERROR for p in problems)
    if as_json:
        rows = [
            {
                "path": _display_path(p.path),
                "line": p.line,
                "field": p.field,
                "severity": p.severity,
                "message": p.message,
            }
            for p in problems
        ]
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        for p in problems:
            field = f" field '{p.field}':" if p.field else ""
            typer.echo(f"{_display_path(p.path)}:{p.line}: {p.severity}:{field} {p.message}")
        files = len(kb_files(settings.kb_dir))
        warnings = len(problems) - errors
        typer.echo(f"{files} files checked: {errors} error(s), {warnings} warning(s)", err=True)
    if errors:
        raise typer.Exit(1)


@app.command("index")
def index() -> None:
    """Build or refresh the search index in the state dir (reused while kb/ is unchanged)."""
    started = time.perf_counter()
    kb = _open()
    elapsed = time.perf_counter() - started
    state = "built" if kb.rebuilt else "up to date"
    typer.echo(f"{len(kb)} articles indexed ({state}) in {elapsed * 1000:.0f} ms: {index_path()}")
    if kb.errors:
        typer.echo(f"{len(kb.errors)} error(s) in kb files; run 'loket kb check'", err=True)


@app.command("search")
def search(
    words: list[str] = typer.Argument(
        ..., help="What the caller asks, e.g. kliko kapot (no quotes needed)."
    ),
    as_json: bool = typer.Option(
        False, "--json", help="JSON list of {id, title, upl, score, confidence, event}."
    ),
    limit: int = typer.Option(10, "--limit", "-n", min=1, max=100, help="Maximum results."),
) -> None:
    """Search the knowledge base, best match first; weak matches are marked as guesses."""
    query = " ".join(words)  # `loket kb search paspoort kwijt`: every word is the query
    result = _open().lookup(query, limit=limit)
    hits = result.hits
    if as_json:
        event = result.event.id if result.event else None
        rows = [
            {
                "id": h.id,
                "title": h.title,
                "upl": h.upl,
                "score": h.score,
                "confidence": "high" if h.strong else "low",
                "event": event if result.event and h.id in result.event.products else None,
            }
            for h in hits
        ]
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not hits:
        typer.echo("no results", err=True)
        return
    if not result.confident:
        typer.echo("no strong match: the results below are guesses", err=True)
    if result.event:
        typer.echo(f"life event: {result.event.title} ({', '.join(result.event.products)})")
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"kb search: {query}")
    for column in ("#", "id", "title", "team", "score", "match"):
        table.add_column(column)
    for number, hit in enumerate(hits, start=1):
        match = "strong" if hit.strong else "guess"
        row = (str(number), hit.id, hit.title, hit.backoffice, f"{hit.score:.3f}", match)
        table.add_row(*row, style=None if hit.strong else "dim")
    Console().print(table)


@app.command("eval")
def evaluate_queries(
    path: Path = typer.Argument(..., help="Query file: 'question<TAB>expected_id' per line."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Measure search quality (top-1, top-3, MRR, confidence) on a file of questions, per style."""
    from loket.kb.quality import evaluate

    try:
        report = evaluate(_open(), path)
    except (OSError, ValueError) as exc:
        fail(str(exc))
    if as_json:
        data = {
            **_tally_json(report.good),
            "no_match": _tally_json(report.no_match),
            "styles": {name: _tally_json(t) for name, t in sorted(report.styles.items())},
            "misses": report.misses,
        }
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return
    typer.echo(report.summary())
    for line in report.style_lines():
        typer.echo(f"  {line}")
    if report.misses:
        typer.echo("misses:")
    for miss in report.misses:
        typer.echo(f"  {miss}")


def _tally_json(tally: Tally) -> dict[str, float | int]:
    """One group's figures; rates are fractions (0..1), low_confidence is the flagged share."""
    return {
        "total": tally.total,
        "top1": tally.top1_rate,
        "top3": tally.top3_rate,
        "mrr3": tally.mrr,
        "low_confidence": tally.weak_rate,
    }


@app.command("show")
def show(article_id: str = typer.Argument(..., help="Article id, e.g. 'afvalcontainer'.")) -> None:
    """Show one article: summary and facts on top, then the body."""
    import difflib

    kb = _open()
    article = kb.get(article_id)
    if article is None:
        ids = [a.id for a in kb.articles()]
        close = difflib.get_close_matches(article_id, ids, n=5, cutoff=0.6)
        close += [h.id for h in kb.search(article_id, limit=5) if h.id not in close]
        hint = f"; did you mean: {', '.join(close[:5])}?" if close else ""
        fail(f"no article with id '{article_id}'{hint}")
    from rich.console import Console
    from rich.markdown import Markdown
    from rich.panel import Panel
    from rich.table import Table

    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold")
    facts.add_column()
    rows = [
        ("UPL", article.upl),
        ("team", article.backoffice),
        ("SLA", f"{article.sla_days} working days" if article.sla_days else None),
        ("channels", ", ".join(article.channels) or None),
        ("costs", article.costs),
        ("lead time", article.lead_time),
        ("online", article.self_service),
        ("synonyms", ", ".join(article.synonyms) or None),
        ("related", ", ".join(article.related) or None),
    ]
    for label, value in rows:
        if value:
            facts.add_row(label, str(value))
    console = Console()
    console.print(f"[bold]{article.title}[/] ({article.id})")
    console.print(article.summary)  # the line the agent reads aloud: never cut off
    console.print(Panel(facts))
    console.print(Markdown(article.body) if article.written else "(no article text yet)")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="kb", help="Knowledge base: check, index, search, show, eval.")
