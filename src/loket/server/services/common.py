"""What every service of the central store shares: the storage and the clock, and the
small translations between the wire and the database (cursors, moments, field paths)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError

from loket.domain.errors import DomainError, FieldError
from loket.domain.models import utcnow
from loket.domain.sla import AMSTERDAM
from loket.server.errors import ApiError
from loket.server.storage.base import Storage, db_time


@dataclass
class Context:
    """The storage and the clock, handed to each service (one per server process)."""

    storage: Storage
    clock: Callable[[], datetime] = utcnow

    def now(self) -> str:
        return db_time(self.clock())


def pydantic_fields(exc: ValidationError, prefix: str = "") -> list[FieldError]:
    """Pydantic errors as FieldErrors with dotted/indexed paths (`questions[0].text`)."""
    found = []
    for err in exc.errors():
        path = prefix
        for part in err["loc"]:
            if isinstance(part, int):
                path += f"[{part}]"
            else:
                path = f"{path}.{part}" if path else str(part)
        found.append(FieldError(path or "body", err["msg"]))
    return found


def prefixed(errors: Iterable[FieldError], prefix: str) -> DomainError:
    """Domain errors about a record, with the record's place in the request in front."""
    return DomainError([FieldError(f"{prefix}.{e.field}", e.message) for e in errors])


def encode_cursor(*parts: str) -> str:
    return base64.urlsafe_b64encode(json.dumps(parts).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[str, str] | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        first, second = json.loads(raw)
        if isinstance(first, str) and isinstance(second, str):
            return first, second
    except (binascii.Error, ValueError, TypeError):
        pass
    raise ApiError("bad_request", "Invalid cursor.", [FieldError("cursor", "Invalid cursor.")])


def parse_moment(value: str | None, field: str) -> str | None:
    """A date or datetime query value as database time text; dates are local midnight."""
    if value is None or value == "":
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        msg = "Expected a date (YYYY-MM-DD) or an ISO 8601 time."
        raise ApiError("validation", msg, [FieldError(field, msg)]) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=AMSTERDAM)
    return db_time(moment)
