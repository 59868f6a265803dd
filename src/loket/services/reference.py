"""The console's reference data: kb, routing, districts, SLA calendar and pick lists.

Loaded lazily (the first frame never waits for the kb index) and read-only; the
contact and task services ask it what a product, team or postcode means.
"""

from __future__ import annotations

import functools
import logging
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from loket.config import Settings
from loket.domain.errors import DomainError
from loket.domain.models import DEFAULT_CHANNELS, DEFAULT_OUTCOMES, utcnow

if TYPE_CHECKING:
    from loket.domain.routing import DistrictMap, Routing, Team
    from loket.domain.sla import WorkCalendar
    from loket.kb import KnowledgeBase

log = logging.getLogger(__name__)


class ReferenceData:
    """What the console knows of products, teams and the municipality."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._kb: KnowledgeBase | None = None
        lists = _contact_lists(settings.data_dir)
        self.channels: list[str] = list(lists[0])
        self.outcomes: list[str] = list(lists[1])

    def close(self) -> None:
        if self._kb is not None:
            self._kb.close()

    @property
    def kb(self) -> KnowledgeBase:
        if self._kb is None:
            from loket.kb import KnowledgeBase

            index = self.settings.state_dir / "kb-index.sqlite3"
            index.parent.mkdir(parents=True, exist_ok=True)
            self._kb = KnowledgeBase.open(self.settings.kb_dir, index_path=index)
        return self._kb

    @functools.cached_property
    def routing(self) -> Routing:
        from loket.reference import load_routing

        return load_routing(self.settings.data_dir)

    @functools.cached_property
    def districts(self) -> DistrictMap:
        """Postcode → wijk of this municipality (data/districts.toml)."""
        from loket.reference import load_districts

        return load_districts(self.settings.data_dir)

    @functools.cached_property
    def calendar(self) -> WorkCalendar:
        """The SLA work calendar."""
        from loket.domain.sla import WorkCalendar

        return WorkCalendar()

    def team_for_product(self, product_id: str) -> Team | None:
        article = self.kb.get(product_id) if product_id else None
        return self.routing.get_team(article.backoffice) if article else None

    def due_preview(
        self, team_id: str, product_id: str | None, now: datetime | None = None
    ) -> datetime:
        """When a question routed now to this team is due (product SLA, else team default)."""
        sla = self.routing.sla_for(team_id, self._product_sla_days(product_id))
        return self.calendar.due_for(now or utcnow(), sla)

    def _product_sla_days(self, product_id: str | None) -> int | None:
        if not product_id:
            return None
        article = self.kb.get(product_id)
        return article.sla_days if article else None


def _contact_lists(data_dir: Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The pick lists; a broken file must not stop a console mid-shift, so it falls back
    to the defaults (the central store refuses to start on it, which operators notice)."""
    from loket.reference import load_contact_lists

    try:
        return load_contact_lists(data_dir)
    except DomainError as exc:
        log.warning("contact lists not loaded, using defaults: %s", exc)
        return DEFAULT_CHANNELS, DEFAULT_OUTCOMES
