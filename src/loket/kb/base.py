"""KnowledgeBase: the one object the console and the CLI use to load, check and search kb/."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from loket.kb import index as kb_index
from loket.kb.events import check_events, default_events_path, load_events
from loket.kb.loader import load_dir
from loket.kb.models import ERROR, Article, LifeEvent, Problem, SearchHit, SearchResult
from loket.kb.reference import default_upl_csv, load_teams, load_upl
from loket.kb.search import Searcher

WARM_PROFILES_MAX = 20_000  # beyond this, profiles load on first use only


def _reference(
    upl_csv: Path | None, teams: set[str] | None
) -> tuple[dict[str, str] | None, set[str] | None, str]:
    """The UPL list, the team ids and a fingerprint of both (they change what a check finds)."""
    upl_path = upl_csv or default_upl_csv()
    upl = load_upl(upl_path) if upl_path.is_file() else None
    if teams is None:
        try:
            teams = load_teams()
        except (OSError, ValueError):
            teams = None
    extra = f"{sorted(teams) if teams is not None else None}|{upl_path}|"
    if upl_path.is_file():
        info = upl_path.stat()
        extra += f"{info.st_size}|{info.st_mtime_ns}"
    return upl, teams, extra


class KnowledgeBase:
    """Loaded, checked and indexed kb/. Open with `KnowledgeBase.open(kb_dir, ...)`."""

    def __init__(
        self,
        kb_dir: Path,
        conn: sqlite3.Connection,
        articles: list[Article],
        problems: list[Problem],
        rebuilt: bool,
        events: list[LifeEvent] | None = None,
    ) -> None:
        self.kb_dir = kb_dir
        self.problems = problems
        self.rebuilt = rebuilt  # False when a file index was reused as it was
        self._conn = conn
        self._articles = articles
        self._by_id = {a.id: a for a in articles}
        self.events = events or []
        self._searcher = Searcher(conn, articles, self.events)

    @classmethod
    def open(
        cls,
        kb_dir: Path,
        index_path: Path | None = None,
        upl_csv: Path | None = None,
        teams: set[str] | None = None,
        events_path: Path | None = None,
    ) -> KnowledgeBase:
        """Load and index kb_dir; a file index is reused while kb/ is unchanged.

        Life events come from events_path (default: the shipped data/life-events.toml); a
        missing or broken file means search without events, and `loket kb check` says why.
        """
        kb_dir = Path(kb_dir)
        events = _events(events_path)
        upl, teams, extra = _reference(upl_csv, teams)
        fp = kb_index.fingerprint(kb_dir, extra)
        if index_path is not None and index_path.is_file():
            conn = kb_index.connect(index_path)
            if kb_index.stored_fingerprint(conn) == fp:
                try:
                    articles, problems = kb_index.load_stored(conn)
                    return cls(kb_dir, conn, articles, problems, False, events)
                except (sqlite3.DatabaseError, ValueError, TypeError, KeyError):
                    pass  # a damaged index is simply rebuilt
            conn.close()
        result = load_dir(kb_dir, teams, upl)
        if index_path is None:
            conn = kb_index.connect(None)
            kb_index.build(conn, result.articles, result.problems, fp)
        else:
            conn = kb_index.build_file(index_path, result.articles, result.problems, fp)
        return cls(kb_dir, conn, result.articles, result.problems, True, events)

    def search(self, query: str, limit: int = 10) -> list[SearchHit]:
        """Best matches first; an empty or meaningless query gives an empty list."""
        return self._searcher.search(query, limit).hits

    def lookup(self, query: str, limit: int = 10) -> SearchResult:
        """Like `search`, with whether the best hit is a strong match and the life event."""
        return self._searcher.search(query, limit)

    def warm_up(self) -> None:
        """Do the work of a first search ahead of time; call it from a background thread
        after opening, so the agent's first search during a call is as fast as the rest."""
        self._searcher.warm_up(profiles=len(self._articles) <= WARM_PROFILES_MAX)

    def get(self, article_id: str) -> Article | None:
        return self._by_id.get(article_id)

    def articles(self) -> list[Article]:
        return list(self._articles)

    def __len__(self) -> int:
        return len(self._articles)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    def close(self) -> None:
        self._conn.close()


def check_kb(
    kb_dir: Path,
    upl_csv: Path | None = None,
    teams: set[str] | None = None,
    events_path: Path | None = None,
) -> list[Problem]:
    """Every problem in kb_dir (and in the life events file, when given); nothing is indexed."""
    upl, teams, _ = _reference(upl_csv, teams)
    result = load_dir(Path(kb_dir), teams, upl)
    if events_path is None:
        return result.problems
    return result.problems + check_events(events_path, {a.id for a in result.articles})


def _events(path: Path | None) -> list[LifeEvent]:
    try:
        return load_events(path or default_events_path())
    except (OSError, ValueError):
        return []
