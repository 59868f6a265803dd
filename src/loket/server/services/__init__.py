"""The central store's services, one per concept, composed into `CentralStore`.

- `sync`: push (exactly once, group commit) and pull;
- `contacts`: saving, listing and reading contacts, customer lookup;
- `tasks`: creating tasks, task actions, reading tasks;
- `users`: token look-up, user administration, the access log;
- `figures`: the supervisor's day report;
- `live`: call events, counter tickets, agent states and the live figures.

Who may see or change what is decided in `loket.server.policy`, not here; SQL lives in
`loket.server.storage`; the record rules in `loket.domain`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping
from datetime import datetime
from pathlib import Path

from loket.domain.models import DEFAULT_CHANNELS, DEFAULT_OUTCOMES, utcnow
from loket.domain.queues import QueueDef
from loket.server import bsn_data
from loket.server.bsn import BsnKeyError, BsnKeys
from loket.server.services.common import Context
from loket.server.services.contacts import CentralContacts
from loket.server.services.figures import FigureService
from loket.server.services.live import LiveService
from loket.server.services.sync import CentralSync, Prepared, RequestOutcome
from loket.server.services.tasks import CentralTasks
from loket.server.services.users import AccessLog, UserService
from loket.server.storage.base import Storage

__all__ = ["CentralStore", "Prepared", "RequestOutcome"]

log = logging.getLogger(__name__)


class CentralStore:
    """One instance per server process; thread-safe (route handlers run in a thread pool)."""

    def __init__(
        self,
        storage: Storage,
        keys: BsnKeys | None = None,
        key_file: Path | None = None,
        teams: Collection[str] | None = None,
        clock: Callable[[], datetime] = utcnow,
        channels: Collection[str] = DEFAULT_CHANNELS,
        outcomes: Collection[str] = DEFAULT_OUTCOMES,
        queues: Mapping[str, QueueDef] | None = None,
    ) -> None:
        self.storage = storage
        self._key_file = key_file
        self._opened = False
        ctx = Context(storage, clock)
        self.users = UserService(ctx, teams)
        self.access = AccessLog(ctx)
        self.contacts = CentralContacts(ctx, self.access, channels, outcomes, keys)
        self.tasks = CentralTasks(ctx, self.access, teams)
        self.sync = CentralSync(ctx, self.contacts, self.tasks, self.access)
        self.figures = FigureService(ctx, queues)
        self.live = LiveService(ctx, dict(queues or {}), self.figures)

    def open(self) -> None:
        """Migrate; load the BSN keys (the key file is made on first use) and refuse keys
        that do not fit the data; encrypt BSNs left in plain text by older versions.
        Raises `BsnKeyError` (one line) when the keys are missing or wrong."""
        if self._opened:
            return
        self.storage.migrate()
        keys = self.contacts.bsn_keys
        if keys is None:
            if self._key_file is None:
                raise BsnKeyError("no BSN keys configured (bsn_key_file)")
            keys, created = bsn_data.obtain_keys(self.storage, self._key_file)
            if created:
                log.warning("created BSN key file %s: keep it secret and backed up", self._key_file)
            self.contacts.bsn_keys = keys
        bsn_data.check_keys(self.storage, keys)
        bsn_data.upgrade_plaintext(self.storage, keys)
        self._opened = True
