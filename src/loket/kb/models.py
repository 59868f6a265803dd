"""The kb's records: an article, a search hit and result, a life event, a problem in a file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """Something wrong in a kb file; `line` is 1-based in the file (0 when unknown)."""

    path: Path
    line: int
    field: str
    message: str
    severity: str = ERROR

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        what = f"field '{self.field}': " if self.field else ""
        return f"{where}: {self.severity}: {what}{self.message}"


@dataclass
class Article:
    """One product or service from kb/; `written` means it has a body beyond the front matter."""

    id: str
    title: str
    upl: str
    uri: str
    synonyms: list[str]
    summary: str
    backoffice: str
    sla_days: int | None = None
    channels: list[str] = field(default_factory=list)
    costs: str | None = None
    lead_time: str | None = None
    self_service: str | None = None
    related: list[str] = field(default_factory=list)
    english: list[str] = field(default_factory=list)  # what English-speaking residents say
    body: str = ""
    path: Path | None = None

    @property
    def written(self) -> bool:
        return bool(self.body.strip())

    def to_dict(self) -> dict:
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        data["path"] = str(self.path) if self.path else None
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Article:
        values = dict(data)
        values["path"] = Path(values["path"]) if values.get("path") else None
        return cls(**values)


@dataclass(frozen=True)
class SearchHit:
    """A search result, best first; `score` is higher for a better match."""

    id: str
    title: str
    upl: str
    score: float
    summary: str
    backoffice: str
    strong: bool = True  # False: a best guess, shown as such (see `SearchResult.confident`)


@dataclass(frozen=True)
class LifeEvent:
    """Something that happens in a resident's life and the products it needs, in checklist
    order ("we krijgen een baby" -> geboorteaangifte, erkenning, naamskeuze)."""

    id: str
    title: str  # Dutch, as the console shows it
    products: tuple[str, ...]
    triggers: tuple[frozenset[str], ...]  # stem sets; a query holding all of one is the event


@dataclass(frozen=True)
class SearchResult:
    """Hits best first, whether the best one is a strong match, and the life event the query
    reads as (its products are then first among the hits)."""

    hits: list[SearchHit]
    confident: bool
    event: LifeEvent | None = None
    coverage: float = 0.0  # share of the caller's words (by weight) the best hit contains

    @property
    def confidence(self) -> str:
        return "high" if self.confident else "low"
