"""Per-article data the reranker needs, computed once at index time and stored with it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property

from loket.kb.models import Article
from loket.kb.text import normalize, stem, words


def name_phrases(article: Article) -> list[str]:
    """What an agent or resident calls the product: title, UPL name, id, synonyms, English."""
    return [
        article.title,
        article.upl,
        article.id.replace("-", " "),
        *article.synonyms,
        *article.english,
    ]


def squashed(phrase: str) -> str:
    """The phrase's words written together ('grof vuil' -> 'grofvuil'), for compound matches."""
    return "".join(words(phrase))


def trigrams(text: str) -> set[str]:
    return {text[i : i + 3] for i in range(len(text) - 2)}


@dataclass
class Profile:
    """What the reranker needs of one article."""

    name_stems: set[str]
    name_text: str  # folded names and synonyms plus their squashed forms
    summary_stems: set[str]
    body_stems: set[str]
    phrases: set[str]  # folded, stopword-free names and synonyms
    name_words: list[set[str]]  # stems of the title and of the UPL name
    squashed_names: str

    @cached_property
    def name_grams(self) -> set[str]:
        """Trigrams of the names, for words the kb does not know (rarely needed)."""
        return trigrams(self.squashed_names)

    @classmethod
    def of(cls, article: Article) -> Profile:
        names = name_phrases(article)
        content = [" ".join(words(p)) for p in names]
        return cls(
            name_stems={stem(w) for p in names for w in words(p)},
            name_text=" | ".join([normalize(p) for p in names] + [squashed(p) for p in names]),
            summary_stems={stem(w) for w in words(article.summary)},
            body_stems={stem(w) for w in words(article.body)},
            phrases={c for c in content if c},
            name_words=[{stem(w) for w in words(p)} for p in names[:2] if words(p)],
            squashed_names=" ".join(squashed(p) for p in names),
        )

    def dumps(self) -> str:
        return json.dumps(
            [
                " ".join(sorted(self.name_stems)),
                self.name_text,
                " ".join(sorted(self.summary_stems)),
                " ".join(sorted(self.body_stems)),
                sorted(self.phrases),
                [" ".join(sorted(w)) for w in self.name_words],
                self.squashed_names,
            ],
            ensure_ascii=False,
        )

    @classmethod
    def loads(cls, data: str) -> Profile:
        names, text, summary, body, phrases, name_words, squashed_names = json.loads(data)
        return cls(
            name_stems=set(names.split()),
            name_text=text,
            summary_stems=set(summary.split()),
            body_stems=set(body.split()),
            phrases=set(phrases),
            name_words=[set(w.split()) for w in name_words],
            squashed_names=squashed_names,
        )
