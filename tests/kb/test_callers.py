"""Search for the way callers talk (issue 14): inflections, spoken openers, English, life
events and the confidence signal, on a small kb written here so each case is visible."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from loket.cli import app
from loket.kb import KnowledgeBase, check_kb
from loket.kb.events import load_events, match_event, trigger_stems
from loket.kb.text import clean_spoken, lemma, looks_english, stem
from tests.kb.helpers import TEAMS, front, make_kb

EVENTS = """
[[event]]
id = "overlijden"
title = "Overlijden"
products = ["overlijdensaangifte", "grafuitgifte"]
triggers = ["overlijden", "pass away", "geen werk"]
"""

EXTRA = {
    "overlijdensaangifte.md": front(
        "overlijdensaangifte",
        "Overlijden aangeven",
        "overlijdensaangifte",
        ["aangifte doen"],
        team="burgerzaken",
        extra='english: ["register a death"]\n',
    ),
    "grafuitgifte.md": front(
        "grafuitgifte",
        "Graf kopen of reserveren",
        "grafuitgifte",
        ["begraafplaats"],
        team="burgerzaken",
    ),
    "hondenbelasting.md": front(
        "hondenbelasting",
        "Hondenbelasting: hond aanmelden of afmelden",
        "hondenbelasting",
        ["hond afmelden"],
        team="burgerzaken",
        extra='english: ["dog tax"]\n',
    ),
    "afvalpas.md": front(
        "afvalpas",
        "Afvalpas aanvragen of vervangen",
        "afvalpas",
        ["pasje milieustraat"],
        extra='english: ["waste pass", "recycling pass"]\n',
    ),
}


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    root = tmp_path_factory.mktemp("kb")
    kb_dir, upl = make_kb(root, EXTRA)
    events = root / "events.toml"
    events.write_text(EVENTS, encoding="utf-8")
    return KnowledgeBase.open(kb_dir, upl_csv=upl, teams=TEAMS, events_path=events)


def test_lemmas_from_simplemma() -> None:
    assert lemma("opgehaald") == "ophalen"
    assert lemma("gestolen") == "stelen"
    assert lemma("lost", "en") == "lose"
    assert lemma("kat") == "kat"  # short words stay as they are


def test_participle_finds_the_infinitive_in_a_title(kb: KnowledgeBase) -> None:
    # "reserveerde" shares no stem with "reserveren"; only the lemma connects them.
    assert kb.search("ik reserveerde", limit=1)[0].id == "grafuitgifte"


def test_caller_name_and_greeting_are_not_searched() -> None:
    assert clean_spoken("ja hallo, met mevrouw Pas, mijn kliko").strip() == "mijn kliko"
    assert clean_spoken("goedemorgen met de heer Bos, ik").strip() == "ik"
    assert clean_spoken("uittreksel met gezag") == "uittreksel met gezag"  # no greeting


def test_long_sentence_with_filler_finds_the_question(kb: KnowledgeBase) -> None:
    query = "hallo met Pas, ehm, sorry dat ik stoor hoor, maar gisteren is de kliko kapot gegaan"
    result = kb.lookup(query, limit=3)
    assert result.hits[0].id == "afvalcontainer" and result.confident


def test_english_sentence_finds_the_english_name(kb: KnowledgeBase) -> None:
    assert looks_english("I lost my recycling pass") and not looks_english("paspoort kwijt")
    assert kb.search("I lost my recycling pass", limit=1)[0].id == "afvalpas"
    assert kb.search("how much is the dog tax", limit=1)[0].id == "hondenbelasting"


def test_life_event_puts_its_products_first(kb: KnowledgeBase) -> None:
    result = kb.lookup("mijn vader is vannacht overleden", limit=5)
    assert result.event is not None and result.event.id == "overlijden"
    assert [h.id for h in result.hits[:2]] == ["overlijdensaangifte", "grafuitgifte"]
    assert result.confident
    english = kb.lookup("my father passed away", limit=3)
    assert english.event is not None and english.hits[0].id == "overlijdensaangifte"


def test_a_clear_product_beats_the_event(kb: KnowledgeBase) -> None:
    result = kb.lookup("ons hondje is overleden, hond afmelden hondenbelasting", limit=3)
    assert result.hits[0].id == "hondenbelasting"


def test_trigger_needs_all_its_words() -> None:
    events = load_events_from(EVENTS)
    assert match_event(events, set(trigger_stems("ik heb geen werk"))) is not None
    assert match_event(events, set(trigger_stems("werk aan de weg"))) is None


def load_events_from(text: str, tmp: Path | None = None) -> list:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "events.toml"
        path.write_text(text, encoding="utf-8")
        return load_events(path)


def test_no_match_is_flagged_low(kb: KnowledgeBase) -> None:
    result = kb.lookup("wat is de hoofdstad van frankrijk", limit=3)
    assert not result.confident and all(not h.strong for h in result.hits)
    assert kb.lookup("kliko kapot", limit=3).confident


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[event]]\nid = 'x'\n", "field 'title': missing"),
        ("[[event]]\nid = 'x'\ntitle = 'X'\nproducts = []\ntriggers = ['a']\n", "'products'"),
        ("[[event]\n", "events.toml"),
    ],
)
def test_broken_events_file_names_event_and_field(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_events_from(text)


def test_check_warns_about_event_products_the_kb_lacks(tmp_path: Path) -> None:
    kb_dir, upl = make_kb(tmp_path)
    events = tmp_path / "events.toml"
    events.write_text(EVENTS, encoding="utf-8")
    problems = check_kb(kb_dir, upl_csv=upl, teams=TEAMS, events_path=events)
    assert any("grafuitgifte" in p.message and p.severity == "warning" for p in problems)
    events.write_text("[[event]\n", encoding="utf-8")
    broken = check_kb(kb_dir, upl_csv=upl, teams=TEAMS, events_path=events)
    assert any(p.severity == "error" and p.path == events for p in broken)


def test_search_json_carries_confidence_and_event(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kb_dir, _ = make_kb(tmp_path, EXTRA)
    monkeypatch.setenv("LOKET_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("LOKET_KB_DIR", str(kb_dir))
    monkeypatch.setenv("LOKET_STATE_DIR", str(tmp_path / "state"))
    runner = CliRunner()
    strong = json.loads(runner.invoke(app, ["kb", "search", "kliko kapot", "--json"]).stdout)
    assert strong[0]["confidence"] == "high"
    weak = runner.invoke(app, ["kb", "search", "wat is de hoofdstad van frankrijk", "--json"])
    assert all(row["confidence"] == "low" for row in json.loads(weak.stdout))
    event = json.loads(
        runner.invoke(app, ["kb", "search", "er is iemand overleden", "--json"]).stdout
    )
    assert event[0]["id"] == "overlijdensaangifte" and event[0]["event"] == "overlijden"


def test_eval_reports_per_style_and_no_match(tmp_path: Path, kb: KnowledgeBase) -> None:
    from loket.kb.quality import evaluate

    queries = tmp_path / "q.tsv"
    queries.write_text(
        "kliko kapot\tafvalcontainer\tshort\n"
        "I lost my recycling pass\tafvalpas\tenglish\n"
        "wat is de hoofdstad van frankrijk\t-\tnomatch\n",
        encoding="utf-8",
    )
    report = evaluate(kb, queries)
    assert report.total == 2 and report.top1_rate == 1.0
    assert report.no_match.total == 1 and report.no_match.weak == 1
    assert set(report.styles) == {"short", "english", "nomatch"}
    assert "flagged low 100.0%" in "\n".join(report.style_lines())


def test_verb_root_gives_the_noun_form() -> None:
    from loket.kb.text import verb_root

    assert verb_root("verliezen") == "verlies"  # z -> s
    assert verb_root("verhuizen") == "verhuis"  # as in "verhuismelding"
    assert verb_root("ophalen") == "ophaal"  # open syllable: the vowel doubles
    assert verb_root("stoppen") == "stop"  # double consonant halves
    assert verb_root("wegslepen") == "wegsleep"  # a prefix does not count as a syllable
    assert verb_root("inzamelen") is None  # unstressed -elen stays (inzamel = stem already)
    assert verb_root("paspoort") is None


def test_plural_diminutive_stems_like_the_singular() -> None:
    from loket.kb.text import stem

    assert stem("bankjes") == stem("bankje")
    assert stem("pasjes") == stem("pasje")


def test_unknown_compound_is_split_into_kb_words(kb: KnowledgeBase) -> None:
    searcher = kb._searcher
    searcher.warm_up()
    # "pasje" and "milieustraat" are kb words; the caller glued a plural and a name together.
    parts = searcher._parts("pasjesmilieustraat")
    assert parts is not None and [stem(p) for p in parts] == [stem("pasje"), stem("milieustraat")]
    assert searcher._parts("hondxyzqwk") is None  # no split into words the kb has
    # a word no article knows, whose parts are: found through its parts, not as a typo
    hits = kb.search("milieustraatpasje", limit=1)
    assert hits and hits[0].id == "afvalpas"


def test_participle_of_a_real_word_is_not_corrected_into_another_word() -> None:
    from loket.paths import default_kb_dir

    searcher = KnowledgeBase.open(default_kb_dir())._searcher  # has "rijbewijs gestolen"
    searcher.warm_up(profiles=False)
    concept = searcher._concepts("gestorven")[0]
    # within the typo distance of "gestolen" (rijbewijs gestolen), but a dictionary word
    assert all("gestol" not in s for s in concept.stems)
    assert "sterv" in concept.stems  # the lemma sterven


def test_a_country_reads_as_abroad() -> None:
    from loket.kb.text import ABROAD, COUNTRIES

    assert {"spanje", "marokko", "germany"} <= COUNTRIES and ABROAD == "buitenland"


EVENT_ORDER_EVENTS = """
[[event]]
id = "overlijden"
title = "Overlijden"
products = ["overlijdensaangifte", "grafuitgifte"]
triggers = ["overlijden", "begraven"]
"""


def test_only_the_event_named_keeps_the_checklist_order(tmp_path: Path) -> None:
    # "begraven" is in the name of the second product; a caller who only says the event
    # still gets the checklist's first product first, ...
    extra = dict(EXTRA)
    extra["grafuitgifte.md"] = front(
        "grafuitgifte",
        "Graf kopen of reserveren",
        "grafuitgifte",
        ["begraven op de begraafplaats", "graf kopen"],
        team="burgerzaken",
    )
    kb_dir, upl = make_kb(tmp_path, extra)
    events = tmp_path / "events.toml"
    events.write_text(EVENT_ORDER_EVENTS, encoding="utf-8")
    kb = KnowledgeBase.open(kb_dir, upl_csv=upl, teams=TEAMS, events_path=events)
    only_event = kb.lookup("mijn moeder wordt begraven", limit=2)
    assert [h.id for h in only_event.hits] == ["overlijdensaangifte", "grafuitgifte"]
    # ... while one who names what a product has gets that product.
    named = kb.lookup("mijn moeder wordt begraven, ik wil een graf kopen", limit=2)
    assert named.hits[0].id == "grafuitgifte"


def test_separable_verb_is_joined_only_at_the_end_of_its_clause() -> None:
    from loket.kb.text import join_particles

    assert join_particles(["ik", "meld", "mijn", "hond", "af"]) == [
        "ik",
        "afmelden",
        "mijn",
        "hond",
    ]
    assert "rondkomen" in join_particles(["ik", "kom", "niet", "rond", "met", "mijn", "geld"])
    assert "ophalen" in join_particles(["haal", "het", "grofvuil", "op"])
    # a preposition before its noun is no particle: "vraag over de bon" is no "overvragen"
    assert join_particles(["een", "vraag", "over", "de", "parkeerbon"]) == [
        "een",
        "vraag",
        "over",
        "de",
        "parkeerbon",
    ]
    assert join_particles(["ik", "kom", "op", "maandag"]) == ["ik", "kom", "op", "maandag"]


def test_lemma_of_a_separable_verb_has_no_underscore() -> None:
    assert lemma("afgewezen") == "afwijzen"  # simplemma itself gives "af_wijzen"


def test_question_of_only_small_words_is_not_confident() -> None:
    from loket.paths import default_kb_dir

    real = KnowledgeBase.open(default_kb_dir())
    result = real.lookup("wat voor weer wordt het morgen", limit=3)  # only stopwords
    assert result.hits and not result.confident


def test_a_compound_matched_by_its_object_part_is_confident() -> None:
    from loket.paths import default_kb_dir

    # "defect" is in no product name, "lantaarnpaal" is: the caller's one word is about it
    real = KnowledgeBase.open(default_kb_dir())
    result = real.lookup("lantaarnpaaldefect", limit=3)
    assert result.hits[0].id == "melding-openbare-ruimte-straatverlichting"
    assert result.confident
