"""The kb's records: an article, a search hit and a problem found while checking files."""

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
