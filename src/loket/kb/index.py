"""The SQLite FTS5 index behind search: build it, or reuse a file index while kb/ is unchanged.

Two full-text tables share one rowid per article: `fts` holds stemmed words (unicode61)
with the name and synonyms weighted far above summary and body, `tri` holds the folded
names and synonyms as trigrams, so a word matches inside a Dutch compound
("container" in "afvalcontainer") and a joined or split compound matches either way.
`vocab` (plus its trigram twin) lets the search correct typos against words that exist.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import sqlite3
from collections import Counter
from pathlib import Path

from loket.kb.loader import is_article_file
from loket.kb.models import Article, Problem
from loket.kb.profile import Profile, name_phrases, squashed
from loket.kb.text import normalize, stem, words

SCHEMA_VERSION = "9"
# bm25 column weights: name (title, UPL name, id), synonyms, summary, body.
FTS_WEIGHTS = (10.0, 8.0, 2.0, 1.0)

_SCHEMA = f"""
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE articles (rowid INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, data TEXT NOT NULL);
CREATE TABLE problems (data TEXT NOT NULL);
CREATE TABLE profiles (rowid INTEGER PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE vocab (word TEXT PRIMARY KEY, df INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE stems (stem TEXT PRIMARY KEY, df INTEGER NOT NULL, name_df INTEGER NOT NULL)
    WITHOUT ROWID;
CREATE VIRTUAL TABLE fts USING fts5(
    name, syn, summary, body, content='', tokenize='unicode61 remove_diacritics 2');
INSERT INTO fts(fts, rank) VALUES ('rank', 'bm25({", ".join(map(str, FTS_WEIGHTS))})');
CREATE VIRTUAL TABLE tri USING fts5(name, content='', tokenize='trigram');
CREATE VIRTUAL TABLE vocab_tri USING fts5(word, tokenize='trigram');
"""


def _stems(text: str) -> list[str]:
    return [stem(w) for w in words(text)]


def fingerprint(kb_dir: Path, extra: str = "") -> str:
    """Cheap identity of kb/: file names, sizes and mtimes (no file is read)."""
    digest = hashlib.sha1(f"{SCHEMA_VERSION}|{extra}".encode())
    if kb_dir.is_dir():
        for entry in sorted(os.scandir(kb_dir), key=lambda e: e.name):
            if is_article_file(entry.name) and entry.is_file():
                info = entry.stat()
                digest.update(f"{entry.name}|{info.st_size}|{info.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def connect(path: Path | None) -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:" if path is None else str(path), check_same_thread=False)
    return conn


def stored_fingerprint(conn: sqlite3.Connection) -> str | None:
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = 'fingerprint'").fetchone()
    except sqlite3.DatabaseError:
        return None
    return row[0] if row else None


def build(
    conn: sqlite3.Connection,
    articles: list[Article],
    problems: list[Problem],
    fp: str,
) -> None:
    """Fill an empty database with the index of these articles."""
    conn.executescript(_SCHEMA)
    vocab: Counter[str] = Counter()
    stem_df: Counter[str] = Counter()  # articles with the stem in a name or synonym
    all_df: Counter[str] = Counter()  # articles with the stem anywhere
    fts_rows, tri_rows, article_rows, profile_rows = [], [], [], []
    for rowid, article in enumerate(articles, start=1):
        names = name_phrases(article)
        name_words = [w for p in names for w in words(p)]
        all_words = set(name_words) | set(words(article.summary)) | set(words(article.body))
        vocab.update(all_words)
        name_stems = {stem(w) for w in name_words}
        stem_df.update(name_stems)
        all_df.update({stem(w) for w in all_words})
        fts_rows.append(
            (
                rowid,
                " ".join(_stems(" ".join(names[:3]))),
                " ".join(_stems(" ".join(article.synonyms + article.english))),
                " ".join(_stems(article.summary)),
                " ".join(_stems(article.body)),
            )
        )
        folded = [normalize(p) for p in names]
        tri_rows.append((rowid, " | ".join(folded + [squashed(p) for p in names if " " in p])))
        article_rows.append((rowid, article.id, json.dumps(article.to_dict(), ensure_ascii=False)))
        profile_rows.append((rowid, Profile.of(article).dumps()))
    conn.executemany(
        "INSERT INTO fts(rowid, name, syn, summary, body) VALUES (?,?,?,?,?)", fts_rows
    )
    conn.executemany("INSERT INTO tri(rowid, name) VALUES (?,?)", tri_rows)
    conn.executemany("INSERT INTO articles(rowid, id, data) VALUES (?,?,?)", article_rows)
    conn.executemany("INSERT INTO profiles(rowid, data) VALUES (?,?)", profile_rows)
    conn.executemany("INSERT INTO vocab(word, df) VALUES (?,?)", vocab.items())
    conn.executemany("INSERT INTO vocab_tri(word) VALUES (?)", ((w,) for w in vocab))
    conn.executemany(
        "INSERT INTO stems(stem, df, name_df) VALUES (?,?,?)",
        ((s, df, stem_df.get(s, 0)) for s, df in all_df.items()),
    )
    conn.executemany(
        "INSERT INTO problems(data) VALUES (?)",
        ((json.dumps(_problem_dict(p), ensure_ascii=False),) for p in problems),
    )
    conn.executemany(
        "INSERT INTO meta(key, value) VALUES (?,?)",
        [("fingerprint", fp), ("schema", SCHEMA_VERSION), ("count", str(len(articles)))],
    )
    conn.execute("INSERT INTO fts(fts) VALUES ('optimize')")
    conn.execute("INSERT INTO tri(tri) VALUES ('optimize')")
    conn.commit()


def _problem_dict(problem: Problem) -> dict:
    return {
        "path": str(problem.path),
        "line": problem.line,
        "field": problem.field,
        "message": problem.message,
        "severity": problem.severity,
    }


def load_stored(conn: sqlite3.Connection) -> tuple[list[Article], list[Problem]]:
    """Articles and problems saved with a reused index, so no kb file needs parsing."""
    articles = [
        Article.from_dict(json.loads(data))
        for (data,) in conn.execute("SELECT data FROM articles ORDER BY rowid")
    ]
    problems = []
    for (data,) in conn.execute("SELECT data FROM problems ORDER BY rowid"):
        raw = json.loads(data)
        problems.append(Problem(Path(raw.pop("path")), **raw))
    return articles, problems


def idf(df: int, total: int) -> float:
    """Inverse document frequency in 0.15..1: a word in every name weighs little."""
    if total <= 1:
        return 1.0
    return max(0.15, math.log((total + 1) / (df + 1)) / math.log(total + 1))


def build_file(
    path: Path, articles: list[Article], problems: list[Problem], fp: str
) -> sqlite3.Connection:
    """Build into a temporary file and move it into place, so no reader sees half an index."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    conn = connect(tmp)
    try:
        build(conn, articles, problems, fp)
    finally:
        conn.close()
    os.replace(tmp, path)
    return connect(path)
