"""Search quality: how often a set of resident questions finds the expected article.

Used by the test suite (tests/kb/eval_queries.tsv), by `loket kb eval FILE` for kb editors
after changing synonyms, and for the held-out set in bench/. A query file has one
`question<TAB>expected_id` per line (`id1|id2` when two answers are equally right);
lines starting with # are comments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from loket.kb import KnowledgeBase


@dataclass
class Report:
    total: int = 0
    top1: int = 0
    top3: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def top1_rate(self) -> float:
        return self.top1 / self.total if self.total else 0.0

    @property
    def top3_rate(self) -> float:
        return self.top3 / self.total if self.total else 0.0

    def summary(self) -> str:
        return (
            f"top-1 {self.top1}/{self.total} ({self.top1_rate:.1%}), "
            f"top-3 {self.top3}/{self.total} ({self.top3_rate:.1%})"
        )


def load_queries(path: Path) -> list[tuple[str, set[str]]]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        query, sep, expected = line.partition("\t")
        if not sep or not expected.strip():
            raise ValueError(f"{path}:{number}: expected 'question<TAB>id', got {line!r}")
        rows.append((query, set(expected.strip().split("|"))))
    return rows


def evaluate(kb: KnowledgeBase, path: Path) -> Report:
    report = Report()
    for query, expected in load_queries(path):
        hits = [h.id for h in kb.search(query, limit=3)]
        report.total += 1
        if hits[:1] and hits[0] in expected:
            report.top1 += 1
        else:
            rank = next((i + 1 for i, h in enumerate(hits) if h in expected), None)
            report.misses.append(
                f"{query!r}: expected {'|'.join(sorted(expected))}, "
                f"got {hits} ({'top-' + str(rank) if rank else 'not in top 3'})"
            )
        if expected & set(hits):
            report.top3 += 1
    return report
