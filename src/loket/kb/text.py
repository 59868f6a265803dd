"""Turning Dutch text into search terms: normalise, split, drop stopwords, stem.

The index and the query go through the same functions, so whatever a resident types
meets the articles on equal terms. PyStemmer is imported on first use only: the
console imports `loket.kb` on its start-up path.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

# Words that carry no meaning in a question on the phone ("ik wil graag mijn ... doorgeven").
STOPWORDS = frozenset(
    """
    aan al alle alles als af bij ben bent ook dan dat de deze die dit doe doen doet door
    dus een eens en er erg even ga gaan gaat gedaan geen graag had heb hebben hebt heeft
    heel hem hier hij hoe hoeveel hun ik in is ja je jij jullie kan kun kunnen kunt
    lukt maar me meer mag mij mijn moet moeten mogen naar nee net niet nog nou nu of om
    ons onze ook op over te tot toch u uit uw van veel voor waar waarom wanneer want was
    wat we wel welk welke werd wie wij wil wilde wilt willen word wordt worden zal ze
    zelf zich zij zijn zo zou zouden
    hallo goedemorgen goedemiddag goedenavond dag meneer mevrouw alstublieft aub bedankt
    vraag vragen vroeg weten informatie info iets iemand gemeente even effe eigenlijk
    bellen bel gebeld zeggen gezegd kost kosten hoelang lang daar er eraan ermee
    """.split()  # noqa: SIM905
    # Spoken Dutch: hesitations, politeness, openers and time words that carry no product.
    + """
    eh ehm uhm hm hmm ehh hoi hey hee oke okee ok sorry stoor storen kijk zit zeg hoor
    gewoon echt zomaar wou zou even ff namens bedoel bedoeling natuurlijk eigenlijk
    weet snap begrijp denk dacht misschien ongeveer alvast alweer weer ineens steeds
    gisteren vandaag vanochtend vanmiddag vanavond vannacht morgen overmorgen week weken
    maand maanden dagen sinds geleden vorige volgende afgelopen laatst intussen
    alsjeblieft dank danku dankjewel fijn prima goeiemorgen goeiemiddag middag morgens
    """.split()  # noqa: SIM905
    # Further Dutch function words (pronouns, adverbs, conjunctions) that a long sentence
    # carries and no product name needs.
    + """
    het haar hen jou jouw zijn zullen hebt ergens nergens overal iets niets niks altijd
    nooit soms vaak toen omdat terwijl zodat zoals dus daarom daarna daarvoor waarvoor
    waarmee waarover hiervoor hierover ermee erover zelfs nogal best heel wel beetje
    elke elk ieder iedereen allemaal andere ander anders hetzelfde zoiets zulke
    zichzelf mezelf mijzelf jezelf uzelf onszelf wie welk waar waarom hoezo
    mogelijk graag gewoonweg helemaal meteen direct zometeen straks binnenkort nu
    met daarmee heen eerst ooit nogmaals keer keertje vraagje vraagjes goedendag bestaat
    bestaan vindt vinden betekenen twee drie vier vijf zes zeven acht negen tien twintig
    half minuut minuten uur uurtje kwartier jaar jaren daarin daarop daaraan daarvan erin
    erop gisteravond gistermiddag gisterochtend vanmorgen morgenochtend morgenavond probleem
    problemen goed beter leuk leuke mooi snel zeker precies ding dingen achter naast
    tegenover allerlei hele
    """.split()  # noqa: SIM905
    # English function words: expats ask in English, and the kb's English names use them.
    + """
    the a an my your his her our their mine is are am was were be been being im i you he
    she it its they we us them to of for from with on at by about and or but not no do
    does did done have has having can could would should will shall may might must how
    what where when why who which there here this that these those please hello hi just
    some any anything something get got getting need needs want wants like hey thanks
    municipality city council because another other very too also really already still
    again now today yesterday tomorrow week month year last next big little lot lots thing
    things stuff okay ok problem good
    """.split()  # noqa: SIM905
)

# Words only an English sentence has (no Dutch word is spelt like them).
ENGLISH_MARKERS = frozenset(
    """
    the my your our their i you he she it they to for from with how what where when why
    who which there this that can could would should will need want does did have has
    are were am been
    """.split()  # noqa: SIM905
)

# Countries a caller names ("we verhuizen naar spanje", "uit syrie", "from India"): for the
# kb they all mean "buitenland", which its names and the life events use.
COUNTRIES = frozenset(
    """
    afghanistan albanie algerije argentinie armenie aruba australie belgie bolivia bonaire
    bosnie brazilie bulgarije canada chili china colombia cuba curacao cyprus denemarken
    duitsland egypte eritrea estland ethiopie filipijnen finland frankrijk georgie ghana
    griekenland hongarije ierland india indonesie irak iran israel italie japan jordanie
    kaapverdie kenia kosovo kroatie letland libanon libie litouwen luxemburg macedonie
    marokko mexico moldavie nigeria noorwegen oekraine oostenrijk pakistan peru polen
    portugal roemenie rusland saudi servie singapore slovenie slowakije somalie spanje
    suriname syrie thailand tsjechie tunesie turkije verenigde vietnam wit-rusland zweden
    zwitserland zuid-afrika sudan jemen
    albania algeria argentina armenia australia austria belgium bosnia brazil bulgaria
    chile colombia croatia czechia denmark egypt eritrea estonia ethiopia france germany
    greece hungary ireland italy japan kenya latvia lebanon lithuania mexico morocco
    nigeria norway philippines poland romania russia serbia slovakia slovenia somalia
    spain sweden switzerland syria turkey ukraine usa america england scotland britain
    """.split()  # noqa: SIM905
)
ABROAD = "buitenland"

_APOSTROPHE_S = re.compile(r"['’`]s\b")
_NON_WORD = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Lowercase without diacritics: 'Überweg Café' -> 'uberweg cafe'."""
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def normalize(text: str) -> str:
    """Folded text with punctuation as single spaces ('kliko's' -> 'kliko')."""
    return _NON_WORD.sub(" ", _APOSTROPHE_S.sub("", fold(text))).strip()


_GREETING = (
    r"(?:ja|jaa|hallo|hoi|hey|dag|goedemorgen|goedemiddag|goedenavond|goeiemorgen|goeiemiddag)"
)
# "ja hallo, met mevrouw de Boer, ..." : the caller's name is no part of the question.
_CALLER_NAME = re.compile(
    rf"^\W*(?:{_GREETING}\W+)+(?:u spreekt |je spreekt )?met\s+"
    r"(?:(?:[\w'-]+\s*){1,4}[,.!?]"  # up to four words and a comma: "met Jan de Vries,"
    r"|(?:(?:de heer|mevrouw|meneer|mevr|dhr|mw|familie)\s+)?(?:de |van |van de |van der )?\w+)",
    re.IGNORECASE,
)


def clean_spoken(text: str) -> str:
    """Drop what a caller says before the question: the greeting and their own name.

    Hesitations and politeness are stopwords; this handles the one opener they cannot,
    "met <naam>", where the name would otherwise be searched for.
    """
    match = _CALLER_NAME.match(text)
    if match:
        return text[match.end() :]
    return text


def looks_english(text: str) -> bool:
    """True when the sentence has English function words: lemmas then come from English."""
    found = normalize(text).split()
    return sum(w in ENGLISH_MARKERS for w in found) >= 1 and len(found) >= 2


def words(text: str, keep_stopwords: bool = False) -> list[str]:
    """The folded words of a text, without stopwords unless asked."""
    found = normalize(text).split()
    if keep_stopwords:
        return found
    return [w for w in found if w not in STOPWORDS]


# Snowball "dutch_porter" (the classic Dutch stemmer) rather than the newer "dutch", which
# strips "ge-" and over-conflates ("wijzigen" -> "wijs", "gescheiden" -> "gesc"); measured
# on tests/kb/eval_queries.tsv (see docs/decisions.md).
STEM_ALGORITHM = "dutch_porter"

_stem_cache: dict[str, str] = {}
_stemmer: Callable[[str], str] | None = None


def stem(word: str) -> str:
    """Dutch Snowball stem, cached; words of 3 letters or fewer and numbers stay as they are."""
    cached = _stem_cache.get(word)
    if cached is not None:
        return cached
    global _stemmer
    if _stemmer is None:
        import Stemmer

        _stemmer = Stemmer.Stemmer(STEM_ALGORITHM).stemWord
    # A plural diminutive stems like its singular: bankjes -> bankje -> bankj.
    form = word[:-1] if len(word) > 5 and word.endswith("jes") else word
    result = word if len(word) <= 3 or word.isdigit() else _stemmer(form)
    if len(_stem_cache) < 200_000:
        _stem_cache[word] = result
    return result


def lemma(word: str, lang: str = "nl") -> str:
    """The dictionary form ('opgehaald' -> 'ophalen', 'lost' -> 'lose') from simplemma.

    Its dictionaries load on first use (about 0.5 s and 50 MB for Dutch), so only query
    words are lemmatised and the console does the first call in its warm-up thread.
    """
    import simplemma

    if len(word) <= 3 or word.isdigit():
        return word
    # simplemma writes some separable verbs and compounds with "_" ("af_wijzen")
    return fold(simplemma.lemmatize(word, lang=lang)).replace("_", "")


_VOWELS = frozenset("aeiou")


_PREFIXES: tuple[str, ...] = ("terug", "samen", "door", "over", "neer", "vast", "weg", "aan")
_PREFIXES += ("uit", "mee", "toe", "los", "op", "af", "in", "be", "ge", "ver", "ont", "her")
_VOWEL_GROUPS = re.compile("[aeiouy]+")


def _syllables(root: str) -> int:
    """Vowel groups after a separable or unstressed prefix ('wegslep' -> 1, 'inzamel' -> 2)."""
    for prefix in _PREFIXES:
        if root.startswith(prefix) and len(root) > len(prefix) + 2:
            root = root[len(prefix) :]
            break
    return len(_VOWEL_GROUPS.findall(root))


def verb_root(infinitive: str) -> str | None:
    """The first-person form of a Dutch infinitive, which is what nouns and compounds use:
    'verliezen' -> 'verlies', 'ophalen' -> 'ophaal', 'verhuizen' -> 'verhuis' (verhuismelding),
    'stoppen' -> 'stop'. None when the word is no infinitive of that shape."""
    if len(infinitive) < 5 or not infinitive.endswith("en"):
        return None
    root = infinitive[:-2]
    last, before = root[-1], root[-2]
    if last in _VOWELS or before == last == "e":
        return None
    single = before in _VOWELS and root[-3] not in _VOWELS
    if last == before:  # stoppen -> stop
        root = root[:-1]
    elif single and (before != "e" or _syllables(root) == 1):
        # ophal -> ophaal, (weg)slep -> (weg)sleep; "-elen/-eren" is unstressed (inzamel)
        root = root[:-1] + before + last
    if root.endswith("z"):
        root = root[:-1] + "s"
    elif root.endswith("v"):
        root = root[:-1] + "f"
    return root if root != infinitive[:-2] else None


# Particles of Dutch separable verbs: "ik geef mijn verhuizing door" is "doorgeven".
PARTICLES = frozenset(
    [
        "aan",
        "af",
        "door",
        "in",
        "mee",
        "na",
        "om",
        "op",
        "over",
        "rond",
        "samen",
        "terug",
        "toe",
        "uit",
        "vast",
        "weg",
        "los",
        "neer",
        "bij",
    ]
)


# Words that may follow a particle at the end of its clause ("kom niet rond met mijn geld").
_CLAUSE_NEXT = frozenset("en maar want omdat of met voor dus als toen dan zodat".split())  # noqa: SIM905
_NO_VERBS = frozenset(
    [
        "ik",
        "jij",
        "je",
        "hij",
        "zij",
        "ze",
        "wij",
        "we",
        "jullie",
        "u",
        "het",
        "een",
        "de",
        "mijn",
        "uw",
        "niet",
        "geen",
    ]
)


def _infinitive(form: str) -> str:
    """A guess at the infinitive of a first-person form: 'vraag' -> 'vragen', 'geef' -> 'geven'."""
    if len(form) >= 3 and form[-2] == form[-3] and form[-2] in _VOWELS:
        form = form[:-2] + form[-1]  # vraag -> vrag
    if form.endswith("f"):
        form = form[:-1] + "v"
    elif form.endswith("s") and not form.endswith("ss"):
        form = form[:-1] + "z"
    return form + "en"


def join_particles(tokens: list[str]) -> list[str]:
    """Put a separable verb back together: 'kom niet rond met' -> 'rondkomen niet met',
    'haal het grofvuil op' -> 'ophalen het grofvuil'.

    The particle stands at the end of the clause: last, or followed by a conjunction or
    "met"/"voor" (never by an article: "over de bon" is a preposition); the joined verb must
    be a word simplemma knows, so "ik kom op maandag" stays as it is.
    """
    import simplemma

    joined = list(tokens)
    for j in range(1, len(joined)):
        particle = joined[j]
        if particle not in PARTICLES:
            continue
        if j + 1 < len(joined) and joined[j + 1] not in _CLAUSE_NEXT:
            continue  # "over de parkeerbon" is a preposition, not "overvragen"
        for i in range(j - 1, max(-1, j - 7), -1):
            word = joined[i]
            if len(word) < 3 or word in PARTICLES or word in _NO_VERBS:
                continue
            verb = next(
                (
                    particle + infinitive
                    for infinitive in (simplemma.lemmatize(word, lang="nl"), _infinitive(word))
                    if infinitive.endswith("en") and known_word(particle + infinitive)
                ),
                None,
            )
            if verb:
                joined[i], joined[j] = verb, ""
                break
    return [t for t in joined if t]


def known_word(word: str, lang: str = "nl") -> bool:
    """True when simplemma's dictionary has the word: a real word, not a typo to correct."""
    import simplemma

    return bool(simplemma.is_known(word, lang=lang))


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (a swap counts 1); returns limit + 1 when above it.

    rapidfuzz's C implementation: about 30x faster than the banded Python version it
    replaced, with the same results on every pair the search computes (bench/search.py).
    """
    global _osa
    if _osa is None:
        from rapidfuzz.distance import OSA

        _osa = OSA.distance
    return min(_osa(a, b, score_cutoff=limit), limit + 1)


_osa: Callable[..., int] | None = None
