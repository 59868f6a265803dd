"""Search behaviour on a small fixed kb: typos, compounds, diacritics, word order, stopwords."""

from __future__ import annotations

from pathlib import Path

import pytest

from loket.kb import KnowledgeBase
from tests.kb.helpers import TEAMS, make_kb


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    kb_dir, upl = make_kb(tmp_path_factory.mktemp("kb"))
    return KnowledgeBase.open(kb_dir, upl_csv=upl, teams=TEAMS)


def top(kb: KnowledgeBase, query: str) -> str | None:
    hits = kb.search(query, limit=3)
    return hits[0].id if hits else None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("paspoot", "paspoort"),  # a letter missing
        ("pasoport", "paspoort"),  # two letters swapped
        ("rijbewjis", "rijbewijs"),
        ("kilko kapot", "afvalcontainer"),
        ("lantarenpaal kapot", "melding-openbare-ruimte-straatverlichting"),  # distance 2
    ],
)
def test_typos(kb: KnowledgeBase, query: str, expected: str) -> None:
    assert top(kb, query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("grof vuil", "afvalinzameling-grofvuil"),  # split by the caller, joined in the kb
        ("straatlamp", "melding-openbare-ruimte-straatverlichting"),  # joined by the caller
        ("container", "afvalcontainer"),  # the head of a compound
        ("volkstuintje", "volkstuinverhuur"),  # a diminutive of a compound's first part
        ("bankstelophalen", "afvalinzameling-grofvuil"),  # two known words run together
    ],
)
def test_compounds(kb: KnowledgeBase, query: str, expected: str) -> None:
    assert top(kb, query) == expected


def test_diacritics_either_way(kb: KnowledgeBase) -> None:
    assert top(kb, "financiele hulp") == "financiele-hulp"
    assert top(kb, "FINANCIËLE HULP") == "financiele-hulp"
    assert top(kb, "kliko’s") == "afvalcontainer"


def test_word_order_does_not_matter(kb: KnowledgeBase) -> None:
    first = kb.search("kliko kapot")
    second = kb.search("kapot kliko")
    assert [h.id for h in first] == [h.id for h in second]
    assert first[0].id == "afvalcontainer"


def test_phone_phrasing(kb: KnowledgeBase) -> None:
    assert top(kb, "Goedemorgen, ik wil graag weten hoe ik mijn kliko kan laten maken") == (
        "afvalcontainer"
    )
    assert top(kb, "waar kan ik mijn bankstel kwijt") == "afvalinzameling-grofvuil"


def test_exact_synonym_beats_a_shared_word(kb: KnowledgeBase) -> None:
    hits = kb.search("lantaarnpaal kapot")
    assert hits[0].id == "melding-openbare-ruimte-straatverlichting"
    assert all(hits[0].score > h.score for h in hits[1:])
    alone = {h.id for h in kb.search("kapot")}  # a weak word alone still finds what it can
    assert {"afvalcontainer", "melding-openbare-ruimte-straatverlichting"} <= alone


def test_results_are_ordered_and_limited(kb: KnowledgeBase) -> None:
    hits = kb.search("aanvragen", limit=2)
    assert len(hits) == 2
    assert hits[0].score >= hits[1].score
    assert kb.search("kliko", limit=0) == []


@pytest.mark.parametrize("query", ["", "   ", "?!", "ik wil de"])
def test_meaningless_queries_do_not_fail(kb: KnowledgeBase, query: str) -> None:
    assert isinstance(kb.search(query), list)


def test_nonsense_finds_nothing(kb: KnowledgeBase) -> None:
    assert kb.search("xqzwv") == []


def test_hit_carries_what_the_console_shows(kb: KnowledgeBase) -> None:
    hit = kb.search("paspoort kwijt")[0]
    assert (hit.id, hit.upl, hit.backoffice) == ("paspoort", "paspoort", "burgerzaken")
    assert hit.title == "Paspoort aanvragen" and hit.summary


def test_search_from_threads(kb: KnowledgeBase) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda q: top(kb, q), ["kliko", "paspoort", "matras"] * 20))
    assert set(results) == {"afvalcontainer", "paspoort", "afvalinzameling-grofvuil"}


def test_tmp_path_unused(tmp_path: Path) -> None:
    """The module fixture wrote its kb elsewhere; nothing leaks into a test's own dir."""
    assert not any(tmp_path.iterdir())


def test_banded_edit_distance_matches_full_table() -> None:
    """The banded typo distance agrees with the textbook full-table computation."""
    import random

    from loket.kb.text import edit_distance

    def full(a: str, b: str) -> int:
        d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
        for i in range(1, len(a) + 1):
            for j in range(1, len(b) + 1):
                d[i][j] = min(
                    d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1])
                )
                if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
        return d[-1][-1]

    rng = random.Random(5)
    for _ in range(3000):
        a = "".join(rng.choice("abc") for _ in range(rng.randint(0, 7)))
        b = "".join(rng.choice("abc") for _ in range(rng.randint(0, 7)))
        for limit in (1, 2):
            assert edit_distance(a, b, limit) == min(full(a, b), limit + 1), (a, b, limit)
