"""Search quality: how often a set of resident questions finds the expected article.

Used by the test suite (tests/kb/eval_queries.tsv), by `loket kb eval FILE` for kb editors
after changing synonyms, and for the held-out sets in bench/. A query file has one
`question<TAB>expected_id[<TAB>style]` per line: `id1|id2` when either answer is right,
`-` when no product fits (the search should then say it has no strong match); the optional
style ("long", "english", ...) groups the figures. Lines starting with # are comments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from loket.kb import KnowledgeBase

NO_MATCH = "-"


@dataclass(frozen=True)
class Query:
    text: str
    expected: frozenset[str]  # empty: no product fits
    style: str = ""


@dataclass
class Tally:
    """Figures of one group of queries."""

    total: int = 0
    top1: int = 0
    top3: int = 0
    reciprocal: float = 0.0  # sum of 1/rank within the top 3, for MRR@3
    weak: int = 0  # answered with low confidence
    no_match: bool = False  # a group of queries no product fits

    @property
    def top1_rate(self) -> float:
        return self.top1 / self.total if self.total else 0.0

    @property
    def top3_rate(self) -> float:
        return self.top3 / self.total if self.total else 0.0

    @property
    def mrr(self) -> float:
        return self.reciprocal / self.total if self.total else 0.0

    @property
    def weak_rate(self) -> float:
        return self.weak / self.total if self.total else 0.0


@dataclass
class Report:
    good: Tally = field(default_factory=Tally)  # queries with an expected article
    no_match: Tally = field(default_factory=lambda: Tally(no_match=True))
    styles: dict[str, Tally] = field(default_factory=dict)
    misses: list[str] = field(default_factory=list)

    # The figures most callers want, on the queries that have an answer.
    @property
    def total(self) -> int:
        return self.good.total

    @property
    def top1_rate(self) -> float:
        return self.good.top1_rate

    @property
    def top3_rate(self) -> float:
        return self.good.top3_rate

    def summary(self) -> str:
        g = self.good
        text = (
            f"top-1 {g.top1}/{g.total} ({g.top1_rate:.1%}), "
            f"top-3 {g.top3}/{g.total} ({g.top3_rate:.1%}), MRR@3 {g.mrr:.3f}, "
            f"low confidence {g.weak_rate:.1%}"
        )
        if self.no_match.total:
            n = self.no_match
            text += f"; no-match queries flagged low {n.weak}/{n.total} ({n.weak_rate:.1%})"
        return text

    def style_lines(self) -> list[str]:
        lines = []
        for style, t in sorted(self.styles.items()):
            if t.no_match:
                lines.append(f"{style:<12} {t.total:>4}  flagged low {t.weak_rate:.1%}")
            else:
                lines.append(
                    f"{style:<12} {t.total:>4}  top-1 {t.top1_rate:.1%}  top-3 {t.top3_rate:.1%}"
                    f"  MRR@3 {t.mrr:.3f}  low {t.weak_rate:.1%}"
                )
        return lines


def load_queries(path: Path) -> list[Query]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        text, sep, rest = line.partition("\t")
        expected, _, style = rest.partition("\t")
        if not sep or not expected.strip():
            raise ValueError(f"{path}:{number}: expected 'question<TAB>id', got {line!r}")
        ids = frozenset() if expected.strip() == NO_MATCH else frozenset(expected.split("|"))
        rows.append(Query(text, frozenset(i.strip() for i in ids), style.strip()))
    return rows


def evaluate(kb: KnowledgeBase, path: Path) -> Report:
    report = Report()
    for query in load_queries(path):
        result = kb.lookup(query.text, limit=3)
        hits = [h.id for h in result.hits]
        groups = [report.no_match if not query.expected else report.good]
        if query.style:
            groups.append(report.styles.setdefault(query.style, Tally(no_match=not query.expected)))
        rank = next((i + 1 for i, h in enumerate(hits) if h in query.expected), None)
        for tally in groups:
            tally.total += 1
            tally.weak += not result.confident
            if rank:
                tally.top1 += rank == 1
                tally.top3 += 1
                tally.reciprocal += 1 / rank
        if query.expected and rank != 1:
            report.misses.append(
                f"{query.text!r}: expected {'|'.join(sorted(query.expected))}, "
                f"got {hits} ({'top-' + str(rank) if rank else 'not in top 3'})"
            )
        elif not query.expected and result.confident:
            report.misses.append(f"{query.text!r}: no product fits, but {hits[:1]} was confident")
    return report
