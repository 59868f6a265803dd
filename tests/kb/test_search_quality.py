"""Search quality on the real kb: resident-style queries (eval_queries.tsv) -> expected article.

The queries were written before any tuning and are never edited to make a test pass; when
this fails, improve the engine or the kb's synonyms, not the queries.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from loket.kb import KnowledgeBase
from loket.kb.quality import evaluate, load_queries
from loket.paths import default_kb_dir

EVAL_FILE = Path(__file__).with_name("eval_queries.tsv")
TOP1_MIN = 0.85
TOP3_MIN = 0.95


@pytest.fixture(scope="module")
def real_kb() -> KnowledgeBase:
    return KnowledgeBase.open(default_kb_dir())


def test_eval_set_is_broad_and_points_at_real_articles(real_kb: KnowledgeBase) -> None:
    queries = load_queries(EVAL_FILE)
    assert len(queries) >= 170
    unknown = {i for q in queries for i in q.expected if real_kb.get(i) is None}
    assert not unknown, f"eval_queries.tsv names ids that are not in kb/: {sorted(unknown)}"


def test_top1_and_top3(real_kb: KnowledgeBase) -> None:
    report = evaluate(real_kb, EVAL_FILE)
    message = report.summary() + "\nmisses:\n" + "\n".join(report.misses)
    assert report.top1_rate >= TOP1_MIN, message
    assert report.top3_rate >= TOP3_MIN, message
