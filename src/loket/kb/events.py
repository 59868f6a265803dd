"""Life events (data/life-events.toml): a caller's "we krijgen een baby" means several products.

Loading validates the file and names file, event and field of each problem; matching is
plain set logic on the stems the query analysis already made, so it costs nothing.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from pathlib import Path

from loket.kb.models import WARNING, LifeEvent, Problem
from loket.kb.text import normalize, stem

EVENTS_NAME = "life-events.toml"


def default_events_path() -> Path:
    from loket.paths import default_data_dir

    return default_data_dir() / EVENTS_NAME


def trigger_stems(phrase: str) -> frozenset[str]:
    """Every word counts, small ones too: "geen werk" must not fire on "werk" alone."""
    return frozenset(stem(w) for w in normalize(phrase).split())


def _strings(raw: object, where: str, name: str) -> list[str]:
    if not isinstance(raw, list) or not raw or not all(isinstance(x, str) and x for x in raw):
        raise ValueError(f"{where}: field '{name}': expected a non-empty list of strings")
    return raw


def load_events(path: Path) -> list[LifeEvent]:
    """The events of a file; ValueError names file, event and field of the first problem."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: {exc}") from None
    events, seen = [], set()
    for number, raw in enumerate(data.get("event", []), start=1):
        where = f"{path}: event {number}"
        event_id, title = raw.get("id"), raw.get("title")
        if not isinstance(event_id, str) or not event_id:
            raise ValueError(f"{where}: field 'id': missing")
        where = f"{path}: event '{event_id}'"
        if event_id in seen:
            raise ValueError(f"{where}: field 'id': used twice")
        if not isinstance(title, str) or not title:
            raise ValueError(f"{where}: field 'title': missing")
        products = _strings(raw.get("products"), where, "products")
        triggers = [trigger_stems(t) for t in _strings(raw.get("triggers"), where, "triggers")]
        seen.add(event_id)
        events.append(LifeEvent(event_id, title, tuple(products), tuple(t for t in triggers if t)))
    return events


def check_events(path: Path, article_ids: set[str]) -> list[Problem]:
    """Problems for `loket kb check`: a broken file (error), or product ids this kb does not
    have (a warning: search skips them, and a test kb rightly lacks most products)."""
    try:
        events = load_events(path)
    except (OSError, ValueError) as exc:
        return [Problem(path, 0, "", str(exc).removeprefix(f"{path}: "))]
    problems = []
    for event in events:
        missing = [p for p in event.products if p not in article_ids]
        if missing:
            message = f"event '{event.id}' names ids not in the kb: {', '.join(missing)}"
            problems.append(Problem(path, 0, "products", message, WARNING))
    return problems


def match_event(events: Iterable[LifeEvent], stems: set[str]) -> LifeEvent | None:
    """The event one of whose triggers the query holds entirely; the longest trigger wins."""
    best: tuple[int, LifeEvent] | None = None
    for event in events:
        for trigger in event.triggers:
            if trigger <= stems and (best is None or len(trigger) > best[0]):
                best = (len(trigger), event)
    return best[1] if best else None
