"""Benchmark kb search: latency per query, index build time and peak memory.

    /work/venv/bin/python bench/search.py [--rounds 5] [--products 10000]

(a) the real kb/ with the resident queries of tests/kb/eval_queries.tsv, and again with
the caller-style sentences of tests/kb/eval_callers.tsv + bench/holdout_callers.tsv
(timing only; quality is `loket kb eval`), plus the typo distance (rapidfuzz) against the
hand-written Python one it replaced, on the word pairs those searches compare;
(b) a generated kb of N products (words, compounds and phrase lengths drawn from the real
kb, so the text looks like the real thing) with the same queries plus typo'd synonyms.
The floor is a raw FTS5 MATCH (OR of the query's stems, top 10 by bm25) on the same index:
what SQLite alone costs, without query analysis or reranking.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from itertools import accumulate
from pathlib import Path

from loket.kb import KnowledgeBase
from loket.kb.quality import load_queries
from loket.kb.reference import load_teams
from loket.kb.text import stem, words
from loket.paths import default_kb_dir

ROOT = Path(__file__).resolve().parent.parent


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def time_queries(kb: KnowledgeBase, queries: list[str], rounds: int) -> list[float]:
    """Per query, the median of its rounds: filters out other processes on a shared machine."""
    per_query: list[list[float]] = [[] for _ in queries]
    for _ in range(rounds):
        for i, query in enumerate(queries):
            started = time.perf_counter()
            kb.search(query, limit=10)
            per_query[i].append((time.perf_counter() - started) * 1000)
    return [statistics.median(t) for t in per_query]


def time_floor(kb: KnowledgeBase, queries: list[str], rounds: int) -> list[float]:
    conn = kb._conn  # the bench measures the engine's own table
    sql = "SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY rank LIMIT 10"
    matches = []
    for query in queries:
        stems = sorted({stem(w) for w in words(query)})
        if stems:
            matches.append(" OR ".join(f'"{s}"' for s in stems))
    per_query: list[list[float]] = [[] for _ in matches]
    for _ in range(rounds):
        for i, match in enumerate(matches):
            started = time.perf_counter()
            conn.execute(sql, (match,)).fetchall()
            per_query[i].append((time.perf_counter() - started) * 1000)
    return [statistics.median(t) for t in per_query]


def typo(text: str, rng: random.Random) -> str:
    chars = list(text)
    letters = [i for i, c in enumerate(chars) if c.isalpha()]
    if len(letters) < 5:
        return text
    i = rng.choice(letters[1:-1])
    kind = rng.randrange(3)
    if kind == 0:
        del chars[i]
    elif kind == 1 and i + 1 < len(chars):
        chars[i], chars[i + 1] = chars[i + 1], chars[i]
    else:
        chars.insert(i, rng.choice("aeiou"))
    return "".join(chars)


def python_osa(a: str, b: str, limit: int) -> int:
    """The hand-written banded OSA distance loket used before rapidfuzz: the peer figure.

    Only a band of width 2 * limit + 1 around the diagonal is computed: typo checks use
    limit 1 or 2, so this stays cheap for long Dutch compounds.
    """
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    big = limit + 1
    width = len(b) + 1
    previous2: list[int] = []
    previous = [j if j <= limit else big for j in range(width)]
    for i in range(1, len(a) + 1):
        ca = a[i - 1]
        current = [big] * width
        if i <= limit:
            current[0] = i
        row_min = current[0]
        for j in range(max(1, i - limit), min(len(b), i + limit) + 1):
            cb = b[j - 1]
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
            row_min = min(row_min, value)
        if row_min > limit:
            return big
        previous2, previous = previous, current
    return min(previous[len(b)], big)


def time_typo_distance(kb: KnowledgeBase, queries: list[str], rounds: int) -> None:
    """Both typo distances over the word pairs the search really compares, same run."""
    import loket.kb.search as search_module

    pairs: list[tuple[str, str, int]] = []
    real = search_module.edit_distance

    def record(a: str, b: str, limit: int) -> int:
        pairs.append((a, b, limit))
        return real(a, b, limit)

    search_module.edit_distance = record
    try:
        searcher = KnowledgeBase.open(kb.kb_dir, upl_csv=Path("/nonexistent"))
        for query in queries:
            searcher.search(query)
        searcher.close()
    finally:
        search_module.edit_distance = real
    differ = sum(real(a, b, n) != python_osa(a, b, n) for a, b, n in pairs)
    results = {}
    for name, fn in (("rapidfuzz OSA", real), ("python banded OSA", python_osa)):
        best = float("inf")
        for _ in range(rounds):
            started = time.perf_counter()
            for a, b, n in pairs:
                fn(a, b, n)
            best = min(best, time.perf_counter() - started)
        results[name] = best / max(1, len(pairs)) * 1e6
    print(
        f"typo distance over {len(pairs)} pairs the search computed ({differ} results differ): "
        + ", ".join(f"{name} {us:.2f} us/pair" for name, us in results.items())
    )


def generate_kb(target: Path, n: int, seed: int = 7) -> list[str]:
    """N synthetic products in `target`; returns extra queries (synonyms, some with typos)."""
    rng = random.Random(seed)
    source = KnowledgeBase.open(default_kb_dir())
    counts: Counter[str] = Counter()
    for article in source.articles():
        counts.update(words(f"{article.title} {' '.join(article.synonyms)} {article.summary}"))
        counts.update(words(article.body))
    vocab = [w for w, _ in counts.most_common() if len(w) > 2]
    cumulative = list(accumulate(counts[w] ** 0.6 for w in vocab))  # flatter than Zipf
    teams = sorted(load_teams())

    def phrase(lo: int, hi: int) -> str:
        chosen = rng.choices(vocab, cum_weights=cumulative, k=rng.randint(lo, hi))
        if len(chosen) > 1 and rng.random() < 0.3:  # Dutch glues words into compounds
            chosen = [chosen[0] + chosen[1], *chosen[2:]]
        return " ".join(chosen)

    queries = []
    for i in range(n):
        product_id = f"product-{i:05d}"
        title = phrase(1, 4).capitalize()
        synonyms = [phrase(1, 3) for _ in range(rng.randint(2, 10))]
        summary = phrase(12, 25).capitalize() + "."
        body = ""
        if rng.random() < 0.3:
            sections = ["Antwoord", "Voorwaarden", "Vraag na", "Kosten en doorlooptijd"]
            body = "\n\n".join(f"## {s}\n{phrase(25, 70)}." for s in sections)
        syn = ", ".join(f'"{s}"' for s in synonyms)
        (target / f"{product_id}.md").write_text(
            f'---\nid: {product_id}\ntitle: "{title}"\nupl: "{title.lower()}"\n'
            f'uri: http://example/{product_id}\nsynonyms: [{syn}]\nsummary: "{summary}"\n'
            f"backoffice: {rng.choice(teams)}\n---\n{body}\n",
            encoding="utf-8",
        )
        if i % 50 == 0:
            pick = rng.choice(synonyms)
            queries.append(typo(pick, rng) if rng.random() < 0.5 else pick)
    return queries


def measure(label: str, kb_dir: Path, queries: list[str], rounds: int) -> dict[str, float]:
    started = time.perf_counter()
    kb = KnowledgeBase.open(kb_dir, upl_csv=Path("/nonexistent"))
    build_s = time.perf_counter() - started
    started = time.perf_counter()
    kb.warm_up()  # the console does this in a background thread after opening
    warm_s = time.perf_counter() - started
    first = []
    for query in queries[:50]:  # the first time these queries run (after warm-up)
        started = time.perf_counter()
        kb.search(query)
        first.append((time.perf_counter() - started) * 1000)
    timings = time_queries(kb, queries, rounds)
    floor = time_floor(kb, queries, rounds)
    with tempfile.TemporaryDirectory() as tmp:
        index = Path(tmp) / "kb.sqlite3"
        KnowledgeBase.open(kb_dir, index_path=index, upl_csv=Path("/nonexistent")).close()
        started = time.perf_counter()
        KnowledgeBase.open(kb_dir, index_path=index, upl_csv=Path("/nonexistent")).close()
        reuse_s = time.perf_counter() - started
    kb.close()
    tracemalloc.start()
    traced = KnowledgeBase.open(kb_dir, upl_csv=Path("/nonexistent"))
    for query in queries:
        traced.search(query)
    peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    traced.close()
    row = {
        "articles": len(traced),
        "queries": len(timings) * rounds,
        "p50_ms": statistics.median(timings),
        "p95_ms": percentile(timings, 95),
        "qps": len(timings) / (sum(timings) / 1000),  # from the per-query medians
        "floor_p50_ms": statistics.median(floor),
        "floor_p95_ms": percentile(floor, 95),
        "build_s": build_s,
        "warm_s": warm_s,
        "first_p95_ms": percentile(first, 95),
        "reuse_s": reuse_s,
        "peak_mb": peak_mb,
    }
    print(
        f"{label:<14} {row['articles']:>6} articles  search p50 {row['p50_ms']:.2f} ms  "
        f"p95 {row['p95_ms']:.2f} ms  {row['qps']:.0f} queries/s  (first run p95 "
        f"{row['first_p95_ms']:.2f} ms)  |  raw FTS5 floor "
        f"p50 {row['floor_p50_ms']:.3f} ms  p95 {row['floor_p95_ms']:.3f} ms  |  build "
        f"{row['build_s']:.2f} s  warm-up {row['warm_s']:.2f} s  reuse {row['reuse_s']:.2f} s  "
        f"|  peak {row['peak_mb']:.1f} MB"
    )
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="Times each query is run.")
    parser.add_argument("--products", type=int, default=10_000, help="Size of generated kb.")
    args = parser.parse_args()
    queries = [q.text for q in load_queries(ROOT / "tests" / "kb" / "eval_queries.tsv")]
    callers = [
        q.text
        for path in (
            ROOT / "tests" / "kb" / "eval_callers.tsv",
            ROOT / "bench" / "holdout_callers.tsv",
        )
        for q in load_queries(path)
    ]
    print(f"python {sys.version.split()[0]}, {len(queries)} eval queries x {args.rounds} rounds")
    measure("real kb", default_kb_dir(), queries, args.rounds)
    measure("real, callers", default_kb_dir(), callers, args.rounds)
    kb = KnowledgeBase.open(default_kb_dir())
    time_typo_distance(kb, queries + callers, args.rounds)
    kb.close()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        extra = generate_kb(Path(tmp), args.products)
        print(f"(generated {args.products} products in {time.perf_counter() - started:.1f} s)")
        measure(f"generated {args.products // 1000}k", Path(tmp), queries + extra, args.rounds)


if __name__ == "__main__":
    main()
