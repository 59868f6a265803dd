"""Search: find candidates in both FTS5 tables, then rerank them in Python.

FTS5's bm25 alone ranks a long article that repeats a common word above the short
product whose name is exactly what the caller said. So the ranking is mostly *coverage*:
how many of the caller's meaningful words (weighted by rarity) the product's name and
synonyms contain, as a whole word, a stem, a typo-corrected word, or inside a compound.
bm25 and a few bonuses break ties.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass, field

from loket.kb.events import match_event
from loket.kb.index import idf
from loket.kb.models import Article, LifeEvent, SearchHit, SearchResult
from loket.kb.profile import Profile, trigrams
from loket.kb.text import (
    ABROAD,
    COUNTRIES,
    STOPWORDS,
    clean_spoken,
    edit_distance,
    join_particles,
    known_word,
    lemma,
    looks_english,
    normalize,
    stem,
    verb_root,
)

CANDIDATES = 40  # per table; the reranker sees at most about twice this
COMMON_MIN = 25  # a word in more articles than this (and than COMMON_SHARE of them) is
COMMON_SHARE = 0.005  # common: it ranks candidates but does not fetch them
MAX_GRAMS = 5  # trigrams per unknown word in the last-resort similarity search
FEW = 10  # fewer candidates than this: also try trigram similarity for unknown words
# How much a match counts, by where it is found.
IN_NAME = 1.0
IN_NAME_SUBSTRING = 0.7
IN_SUMMARY = 0.35
IN_BODY = 0.2
CORRECTED = 0.85  # a typo-corrected word counts a little less than the word as typed
SPLIT_PART = 0.6  # one half of a compound the caller wrote as one word
MIN_SUBSTRING = 4
FUZZY = 0.5  # an unknown word that shares most of its trigrams with a name
FUZZY_MIN_OVERLAP = 0.5
# Verbs and nouns that fit dozens of products: they count, but little.
WEAK_WORDS = frozenset(
    {"aanvragen", "aanvraag", "regelen", "maken", "krijgen", "nodig", "melden", "melding"}
    | {"doorgeven", "opgeven", "laten", "nieuw", "nieuwe", "ophalen", "betalen"}
    | {"kwijt", "kapot", "stuk"}  # a state, not a product: "kliko kapot" is about the kliko
    # Who it is for and where: they colour the question but rarely name the product.
    | {"moeder", "vader", "zoon", "dochter", "opa", "oma", "ouders"}
    | {"man", "vrouw", "partner", "vriend", "vriendin", "buurman", "buurvrouw", "buren"}
    | {"broer", "zus", "schoonmoeder", "kleinkind", "familie", "wijk", "buurt"}
    | {"mother", "father", "son", "daughter", "wife", "husband", "neighbour"}
)
JOIN_MIN = 4  # "grof vuil" -> "grofvuil"; shorter parts join by accident ("ver lopen")
# Verbs whose every form is filler ("gegaan", "geweest", "went"); lemmas of other
# stopwords are not enough ("eerste" -> "een").
FILLER_VERBS = frozenset(
    {"gaan", "zijn", "hebben", "doen", "worden", "kunnen", "moeten", "willen", "zullen"}
    | {"mogen", "zeggen", "bellen", "weten", "be", "have", "do", "go", "get", "want", "need"}
    | {"komen", "staan", "zitten", "liggen", "come"}
)
SHORT_WORD = 8  # up to this length typo candidates come from deletions, not trigrams
LEMMA = 1.0  # the dictionary form of an inflected word ('opgehaald' -> 'ophalen')
EVENT_BONUS = 0.3  # a product of the life event the query reads as
EVENT_ORDER = 0.15  # at most this much more for the first product of the event's checklist
EVENT_ORDER_ONLY = 0.5  # ... and this much when the caller named only the event
EVENT_NAMED = 0.3  # matched weight of non-event words that makes one event product named
OUTSIDE_EVENT_COVERAGE = 0.6  # a product outside the event this strong still comes first
# Confidence: the best hit must cover this share of the caller's words (by weight).
CONFIDENT_COVERAGE = 0.48
# ... or, in a long sentence, words this heavy matched (two rare words in its name).
CONFIDENT_MATCHED = 1.4
WEAK = 0.3
DIMINUTIVES = ("etjes", "tjes", "pjes", "kjes", "jes", "etje", "tje", "pje", "kje", "je")
COUNTRY = 0.8  # "spanje" counts as "buitenland", a little less than the word itself
MIN_PART = 3  # shortest part of a compound split into the kb's words
LONG_COMPOUND = 14  # a word this long is a compound whose parts also count, even when known


@dataclass
class Concept:
    """One meaningful word of the query, with the ways a document may contain it."""

    word: str
    stems: dict[str, float] = field(default_factory=dict)  # stem -> weight
    substrings: dict[str, float] = field(default_factory=dict)  # folded text -> weight
    parts: tuple[str, ...] = ()  # stems of a compound split in two
    grams: frozenset[str] = frozenset()  # trigrams of a word the kb does not know at all
    weight: float = 1.0
    weak: bool = False  # a word that fits dozens of products ("aanvragen", "moeder")
    word_index: int = 0  # which word of the caller's: the parts of one compound share it


def _quote(term: str) -> str:
    return '"' + term.replace('"', "") + '"'


# score, id, article, coverage, in the query's life event, a strong match on its own
_Ranked = tuple[float, str, Article, float, bool, bool]


class Searcher:
    """Runs queries against an open index; safe to share between threads."""

    def __init__(
        self, conn: sqlite3.Connection, articles: list[Article], events: list[LifeEvent]
    ) -> None:
        self._conn = conn
        self._articles = articles  # rowid - 1 -> article
        self._rowids = {a.id: rowid for rowid, a in enumerate(articles, start=1)}
        self._events = events
        self._lock = threading.Lock()
        self._profiles: dict[int, Profile] = {}
        self._vocab: dict[str, int] | None = None
        self._stem_df: dict[str, int] | None = None  # stem -> articles naming it
        self._all_df: dict[str, int] = {}  # stem -> articles containing it anywhere
        self._deletes: dict[str, list[str]] | None = None
        self._correction_cache: dict[str, list[str]] = {}
        self._parts_cache: dict[str, list[str] | None] = {}

    # -- reference data, loaded on first search -------------------------------------------
    def _load_vocab(self) -> None:
        self._vocab = dict(self._conn.execute("SELECT word, df FROM vocab"))
        self._stem_df = {}
        self._all_df = {}
        for s, df, name_df in self._conn.execute("SELECT stem, df, name_df FROM stems"):
            self._all_df[s] = df
            if name_df:
                self._stem_df[s] = name_df

    def _load_profiles(self, rowids: list[int]) -> None:
        """Fetch stored profiles in one query; the index computed them when it was built."""
        missing = [r for r in rowids if r not in self._profiles]
        for start in range(0, len(missing), 500):
            chunk = missing[start : start + 500]
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT rowid, data FROM profiles WHERE rowid IN ({marks})"
            for rowid, data in self._conn.execute(sql, chunk):
                self._profiles[rowid] = Profile.loads(data)

    def warm_up(self, profiles: bool = True) -> None:
        """Do the first-search work now (vocabulary, typo table, article profiles)."""
        with self._lock:
            if self._vocab is None:
                self._load_vocab()
            self._deletions()
            if profiles:
                self._load_profiles(list(range(1, len(self._articles) + 1)))
        lemma("opgehaald")  # loads the Dutch dictionary (the slow part of a first query)

    # -- query analysis ----------------------------------------------------------------
    def _deletions(self) -> dict[str, list[str]]:
        """Short vocabulary words by each one-letter deletion of them (SymSpell-style).

        Trigrams miss typos in short words ("kilko" shares none with "kliko"); two words
        within one edit (a swap included) always share a deletion.
        """
        if self._deletes is None:
            assert self._vocab is not None
            table: dict[str, list[str]] = {}
            for w in self._vocab:
                if 4 <= len(w) <= SHORT_WORD + 1 and not w.isdigit():
                    for variant in {w} | {w[:i] + w[i + 1 :] for i in range(len(w))}:
                        table.setdefault(variant, []).append(w)
            self._deletes = table
        return self._deletes

    def _corrections(self, word: str) -> list[str]:
        """Existing words within a small edit distance of a word the kb does not know."""
        if len(word) < 4 or word.isdigit():
            return []
        cached = self._correction_cache.get(word)
        if cached is None:
            cached = self._find_corrections(word)
            if len(self._correction_cache) >= 10_000:
                self._correction_cache.clear()
            self._correction_cache[word] = cached
        return cached

    def _find_corrections(self, word: str) -> list[str]:
        limit = 1 if len(word) < 8 else 2
        candidates: set[str] = set()
        if len(word) <= SHORT_WORD:
            deletes = self._deletions()
            for variant in {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}:
                candidates.update(deletes.get(variant, ()))
        if len(word) > SHORT_WORD - 1:  # deletions cover one edit; two need trigrams
            query = " OR ".join(_quote(g) for g in sorted(trigrams(word)))
            sql = "SELECT word FROM vocab_tri WHERE vocab_tri MATCH ? ORDER BY rank LIMIT 60"
            candidates.update(w for (w,) in self._conn.execute(sql, (query,)))
        scored = [(edit_distance(word, w, limit), w) for w in candidates]
        scored = [(d, w) for d, w in scored if d <= limit]
        if not scored:
            return []
        best = min(d for d, _ in scored)
        vocab = self._vocab
        assert vocab is not None
        found = sorted((w for d, w in scored if d == best), key=lambda w: -vocab.get(w, 0))
        return found[:3]

    def _split(self, word: str) -> tuple[str, str] | None:
        """A compound the caller wrote as one word, split into two words the kb knows."""
        assert self._vocab is not None
        best: tuple[int, str, str] | None = None
        for i in range(3, len(word) - 2):
            left, right = word[:i], word[i:]
            if right not in self._vocab:
                continue
            for base in (left, left.removesuffix("s"), left.removesuffix("en")):
                if len(base) >= 3 and base in self._vocab:
                    balance = min(len(base), len(right))
                    if best is None or balance > best[0]:
                        best = (balance, base, right)
                    break
        return (best[1], best[2]) if best else None

    def _known_part(self, piece: str) -> str | None:
        """A piece of a compound as a kb word: itself, without a linking 's'/'e'/'en' or a
        plural, or the base of its diminutive ('bankjes' -> 'bankje' or 'bank')."""
        assert self._vocab is not None
        if piece in self._vocab or (len(piece) > MIN_PART + 2 and stem(piece) in self._all_df):
            return piece  # the word, or another form of it ('vervanging' for 'vervangen')
        for link in ("s", "en", "e"):
            form = piece.removesuffix(link)
            if form != piece and len(form) > MIN_PART and form in self._vocab:
                return form
        for ending in DIMINUTIVES:
            base = piece.removesuffix(ending)
            if base != piece and len(base) >= MIN_PART and base in self._vocab:
                return base
        return None

    def _parts(self, word: str) -> list[str] | None:
        """An unknown compound as two or three kb words ('bankjesreparatie' -> bankje,
        reparatie; 'speeltuinbankje' -> speeltuin, bankje): fewest parts first, then the most
        even split. Cached: the same caller words come back."""
        cached = self._parts_cache.get(word)
        if cached is not None or word in self._parts_cache:
            return cached
        best: tuple[int, int, list[str]] | None = None
        n = len(word)
        for i in range(MIN_PART, n - MIN_PART + 1):
            left = self._known_part(word[:i])
            if left is None:
                continue
            right = self._known_part(word[i:])
            if right is not None:
                key = (-2, min(i, n - i), [left, right])
                if best is None or key[:2] > best[:2]:
                    best = key
            elif best is None or best[0] < -2:
                for j in range(i + MIN_PART, n - MIN_PART + 1):
                    middle, last = self._known_part(word[i:j]), self._known_part(word[j:])
                    if middle and last:
                        key = (-3, min(i, j - i, n - j), [left, middle, last])
                        if best is None or key[:2] > best[:2]:
                            best = key
        found = best[2] if best else None
        if len(self._parts_cache) >= 10_000:
            self._parts_cache.clear()
        self._parts_cache[word] = found
        return found

    def _base(self, word: str) -> str | None:
        """'kindje' -> 'kind', 'pasje' -> 'pas': the diminutive's base word when the kb knows it."""
        assert self._vocab is not None
        guess = None
        for ending in DIMINUTIVES:
            base = word.removesuffix(ending)
            if base != word and len(base) >= 3:
                if base in self._vocab:
                    return base
                if guess is None and len(base) >= 4:
                    guess = base  # maybe only known inside a compound ("volkstuin")
        return guess

    def _concept(self, word: str, found: list[str], position: int, lang: str) -> Concept:
        assert self._vocab is not None and self._stem_df is not None
        concept = Concept(word)
        variants = [(word, 1.0)]
        exact = True  # substrings only for words the caller typed (or their plain base)
        dictionary_form = lemma(word, lang)
        if (
            dictionary_form != word
            and len(dictionary_form) >= 3
            and dictionary_form not in STOPWORDS
        ):
            variants.append((dictionary_form, LEMMA))
            # 'verloren' -> 'verliezen' -> 'verlies': the noun and compounds use the root
            root = verb_root(dictionary_form) if lang == "nl" else None
            if root and (root in self._vocab or stem(root) in self._all_df):
                variants.append((root, LEMMA))
        if word in COUNTRIES:
            variants.append((ABROAD, COUNTRY))
        base = None
        if word not in self._vocab and dictionary_form not in self._vocab:
            base = self._base(word)
            if base:
                variants.append((base, 1.0))
            elif not known_word(word, lang):  # a real word is no typo ("gestorven")
                corrections = self._corrections(word)
                variants += [(c, CORRECTED) for c in corrections]
                exact = not corrections
        if len(word) >= 7 and (stem(word) not in self._stem_df or len(word) >= LONG_COMPOUND):
            split = self._split(word)
            if split:
                concept.parts = tuple(stem(p) for p in split)
                variants += [(p, SPLIT_PART) for p in split]
        if len(variants) == 1 and len(word) >= 5 and word not in self._vocab:
            concept.grams = frozenset(trigrams(word))
        for text, weight in variants:
            s = stem(text)
            concept.stems[s] = max(concept.stems.get(s, 0.0), weight)
            if weight == CORRECTED and not exact:
                continue
            for sub in {text, s}:
                if len(sub) >= MIN_SUBSTRING:
                    concept.substrings[sub] = max(concept.substrings.get(sub, 0.0), weight)
        # A compound split by the caller ("grof vuil") matches the joined word in a name.
        neighbours = []
        if position > 0:
            neighbours.append(found[position - 1] + word)
        if position + 1 < len(found):
            neighbours.append(word + found[position + 1])
        for joined in neighbours:
            if (
                joined in self._vocab
                and len(joined) - len(word) >= JOIN_MIN
                and len(word) >= JOIN_MIN
            ):
                concept.stems[stem(joined)] = 1.0
        dfs = [self._stem_df.get(s, 0) for s in concept.stems]
        concept.weight = idf(max(dfs), len(self._articles)) if dfs else 1.0
        if word in WEAK_WORDS or dictionary_form in WEAK_WORDS or base in WEAK_WORDS:
            concept.weight *= WEAK
            concept.weak = True
        return concept

    def _concepts(self, query: str) -> list[Concept]:
        lang = "en" if looks_english(query) else "nl"
        tokens = normalize(query).split()
        if lang == "nl":
            tokens = join_particles(tokens)  # "ik meld mijn hond af": afmelden
        found = [t for t in tokens if t not in STOPWORDS] or tokens
        # "gegaan", "geweest", "went": forms of a stopword are filler too.
        found = [w for w in found if lemma(w, lang) not in FILLER_VERBS] or found
        concepts = []
        for i, word in enumerate(found):
            parts = self._unknown_compound(word, lang)
            if parts:  # "paspoortdiefstal" means what "paspoort diefstal" means
                split = [self._concept(p, parts, k, lang) for k, p in enumerate(parts)]
            else:
                split = [self._concept(word, found, i, lang)]
            for concept in split:
                concept.word_index = i
            concepts += split
        return concepts

    def _unknown_compound(self, word: str, lang: str) -> list[str] | None:
        """The parts of a long word no article contains (nor its lemma) and that is no typo
        of a word that one does."""
        assert self._vocab is not None
        if len(word) < 2 * MIN_PART + 1 or word in self._vocab or lang != "nl":
            return None
        dictionary_form = lemma(word, lang)
        if dictionary_form in self._vocab or self._base(word) in self._vocab:
            return None
        if not known_word(word, lang) and self._corrections(word):
            return None
        return self._parts(word)

    def _event(self, query: str, concepts: list[Concept]) -> LifeEvent | None:
        """The life event the query reads as, from all its words (small ones too)."""
        if not self._events:
            return None
        lang = "en" if looks_english(query) else "nl"
        stems = {s for c in concepts for s in c.stems}
        tokens = normalize(query).split()
        for token in tokens + (join_particles(tokens) if lang == "nl" else []):
            stems.add(stem(token))
            stems.add(stem(lemma(token, lang)))
            if token in COUNTRIES:
                stems.add(stem(ABROAD))
        return match_event(self._events, stems)

    # -- candidates and ranking --------------------------------------------------------
    def _candidates(self, concepts: list[Concept]) -> dict[int, float]:
        """rowid -> relevance 0..1 from FTS5: the best of both tables, each scaled to its top.

        Weak words ("aanvragen", "kapot") still count when ranking, but only fetch candidates
        when the query has nothing else: they match hundreds of articles and cost time.
        """
        strong = [c for c in concepts if c.word not in WEAK_WORDS] or concepts
        common = max(COMMON_MIN, len(self._articles) * COMMON_SHARE)
        stems = {s for c in strong for s in c.stems}
        rare = {s for s in stems if self._all_df.get(s, 0) <= common}
        # Inside compounds only words that are rare as names of their own: a common word
        # brings enough candidates as a whole word, and its substring search is costly.
        stem_df = self._stem_df or {}
        subs = {
            sub
            for c in strong
            if max((stem_df.get(s, 0) for s in c.stems), default=0) <= common
            for sub in c.substrings
        }
        found: dict[int, float] = {}
        self._fetch(found, "fts", rare or stems, "{name syn}")
        self._fetch(found, "tri", subs)
        if len(found) < FEW:  # summaries and bodies only when names gave little
            self._fetch(found, "fts", rare or stems, "{summary body}")
        if len(found) < FEW:  # last resort for words nothing else recognised
            grams = {g for c in concepts for g in sorted(c.grams)[::3][:MAX_GRAMS]}
            self._fetch(found, "tri", grams)
        if not found and rare:  # the rare words were unknown ones: the common ones decide
            self._fetch(found, "fts", stems - rare, "{name syn}")
        return found

    def _fetch(
        self, found: dict[int, float], table: str, terms: set[str], columns: str = ""
    ) -> None:
        """Add the best CANDIDATES of one MATCH; a column filter keeps bm25 work small."""
        if not terms:
            return
        sql = f"SELECT rowid, -rank FROM {table} WHERE {table} MATCH ? ORDER BY rank LIMIT ?"
        match = " OR ".join(_quote(t) for t in sorted(terms))
        if columns:
            match = f"{columns} : ({match})"
        rows = self._conn.execute(sql, (match, CANDIDATES)).fetchall()
        top = max((r for _, r in rows), default=0.0) or 1.0
        for rowid, relevance in rows:
            found[rowid] = max(found.get(rowid, 0.0), relevance / top)

    @staticmethod
    def _match(concept: Concept, profile: Profile) -> float:
        best = 0.0
        for s, weight in concept.stems.items():
            if s in profile.name_stems:
                best = max(best, IN_NAME * weight)
            elif s in profile.summary_stems:
                best = max(best, IN_SUMMARY * weight)
            elif s in profile.body_stems:
                best = max(best, IN_BODY * weight)
        if concept.parts and all(p in profile.name_stems for p in concept.parts):
            best = max(best, IN_NAME * CORRECTED)
        if best < IN_NAME_SUBSTRING:
            for text, weight in concept.substrings.items():
                if text in profile.name_text:
                    best = max(best, IN_NAME_SUBSTRING * weight)
        if concept.grams and best < FUZZY:
            overlap = len(concept.grams & profile.name_grams) / len(concept.grams)
            if overlap >= FUZZY_MIN_OVERLAP:
                best = max(best, FUZZY * overlap)
        return best

    def _matched(self, query: _Query, profile: Profile) -> float:
        """How much of the caller's words (by weight) this article's text contains."""
        return sum(c.weight * self._match(c, profile) for c in query.concepts)

    def _word_coverage(self, query: _Query, profile: Profile) -> tuple[float, float]:
        """Coverage by the caller's words, not by concepts: a compound split into parts
        counts once, by its weightiest part, and is matched as far as its best part is
        ("lantaarnpaaldefect" is about the lantaarnpaal), a part as SPLIT_PART of it."""
        words: dict[int, tuple[float, float, int]] = {}  # index -> weight, matched, parts
        for c in query.concepts:
            weight, matched, parts = words.get(c.word_index, (0.0, 0.0, 0))
            words[c.word_index] = (
                max(weight, c.weight),
                max(matched, self._match(c, profile)),
                parts + 1,
            )
        total = sum(w for w, _, _ in words.values()) or 1.0
        found = sum(w * m * (SPLIT_PART if n > 1 else 1.0) for w, m, n in words.values())
        return found / total, found

    @staticmethod
    def _bonus(query: _Query, profile: Profile) -> float:
        bonus = 0.0
        if query.content in profile.phrases:
            bonus += 0.3
        elif not query.spans.isdisjoint(profile.phrases):
            bonus += 0.15
        if profile.name_words:
            bonus += 0.1 * max(len(n & query.stems) / len(n) for n in profile.name_words)
        return bonus

    def _event_rows(self, event: LifeEvent | None) -> list[int]:
        """The rowids of the event's products in checklist order."""
        if event is None:
            return []
        return [self._rowids[p] for p in event.products if p in self._rowids]

    def _event_bonus(
        self, event: LifeEvent, rows: list[int], query: _Query, named: bool
    ) -> tuple[dict[int, float], bool]:
        """rowid -> bonus for the event's products: the checklist's first ones more.

        When the caller only names the event ("ik word dakloos", "we gaan trouwen": every
        word they said is one of the event's, or fits no product of it), the checklist
        order decides; when they also name something one product has ("... trouwen op het
        strand": trouwlocatie), their words decide and the order only breaks ties.
        """
        event_stems = frozenset().union(*event.triggers)
        rest = [c for c in query.concepts if not c.weak and event_stems.isdisjoint(c.stems)]
        named = named or any(
            sum(c.weight * self._match(c, self._profiles[rowid]) for c in rest) >= EVENT_NAMED
            for rowid in rows
        )
        order = EVENT_ORDER if named else EVENT_ORDER_ONLY
        bonus = {
            rowid: EVENT_BONUS + order * (len(rows) - i) / len(rows) for i, rowid in enumerate(rows)
        }
        return bonus, named

    def search(self, query: str, limit: int = 10) -> SearchResult:
        empty = SearchResult([], confident=False)
        if limit <= 0 or not normalize(query):
            return empty
        query = clean_spoken(query)
        with self._lock:
            if self._vocab is None:
                self._load_vocab()
            concepts = self._concepts(query)
            if not concepts:
                return empty
            candidates = self._candidates(concepts)
            event = self._event(query, concepts)
            rows = self._event_rows(event)
            for rowid in rows:
                candidates.setdefault(rowid, 0.0)
            if not candidates:
                return empty
            prepared = _Query(concepts)
            self._load_profiles(list(candidates))
            scored = []
            for rowid, relevance in candidates.items():
                article = self._articles[rowid - 1]
                profile = self._profiles[rowid]
                matched = self._matched(prepared, profile)
                coverage = matched / prepared.total_weight
                score = coverage + self._bonus(prepared, profile)
                score += 0.15 * relevance + (0.03 if article.written else 0.0)
                if prepared.compounds:
                    coverage_w, matched_w = self._word_coverage(prepared, profile)
                else:
                    coverage_w, matched_w = coverage, matched
                strong = coverage_w >= CONFIDENT_COVERAGE or matched_w >= CONFIDENT_MATCHED
                scored.append((rowid, score, article, coverage, strong))
            event_rows: dict[int, float] = {}
            checklist: list[str] | None = None  # event products in the order they must come
            if event and rows:
                inside = max(c for r, _, _, c, _ in scored if r in rows)
                outside = max((c for r, _, _, c, _ in scored if r not in rows), default=0.0)
                named = outside >= OUTSIDE_EVENT_COVERAGE and outside > inside
                event_rows, named = self._event_bonus(event, rows, prepared, named)
                if not named:
                    checklist = [self._articles[r - 1].id for r in rows]
            ranked = [
                (score + event_rows.get(rowid, 0.0), a.id, a, coverage, rowid in event_rows, strong)
                for rowid, score, a, coverage, strong in scored
            ]
        ranked.sort(key=lambda r: (-r[0], r[1]))
        if event_rows:
            ranked = _event_first(ranked, checklist)
        top = ranked[:limit]
        # A question of only small words ("wat wordt het morgen") matches by accident.
        meaningful = any(t not in STOPWORDS for t in normalize(query).split())
        confident = bool(top) and meaningful and (top[0][4] or top[0][5])
        hits = [
            SearchHit(
                a.id,
                a.title,
                a.upl,
                round(s, 4),
                a.summary,
                a.backoffice,
                strong=confident and (in_event or strong),
            )
            for s, _, a, _coverage, in_event, strong in top
        ]
        return SearchResult(hits, confident, event, top[0][3] if top else 0.0)


def _event_first(ranked: list[_Ranked], checklist: list[str] | None) -> list[_Ranked]:
    """The event's products first, unless another product names what the caller said far
    better ("ons hondje is overleden, afmelden" is about the dog tax, not a death); in the
    checklist's order when the caller named only the event."""
    inside = [r for r in ranked if r[4]]
    outside = [r for r in ranked if not r[4]]
    if outside and outside[0][3] >= OUTSIDE_EVENT_COVERAGE and outside[0][3] > inside[0][3]:
        return ranked
    if checklist:
        inside.sort(key=lambda r: checklist.index(r[1]))
    return inside + outside


class _Query:
    """What every candidate is scored against, computed once per search."""

    def __init__(self, concepts: list[Concept]) -> None:
        self.concepts = concepts
        self.total_weight = sum(c.weight for c in concepts) or 1.0
        found = [c.word for c in concepts]
        self.content = " ".join(found)
        # Every run of two or more of the caller's words: a synonym said as part of a sentence.
        self.spans = {
            " ".join(found[i:j]) for i in range(len(found)) for j in range(i + 2, len(found) + 1)
        }
        self.stems = {s for c in concepts for s in c.stems}
        self.compounds = len({c.word_index for c in concepts}) < len(concepts)


__all__ = ["STOPWORDS", "Searcher"]
