"""The configurable pick lists of a contact: channels and outcomes (data/contact-lists.toml)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from loket.domain.errors import DomainError, FieldError
from loket.domain.models import CHANNEL_MAX, DEFAULT_CHANNELS, DEFAULT_OUTCOMES, OUTCOME_ROUTED


@dataclass(frozen=True)
class ContactLists:
    channels: tuple[str, ...] = DEFAULT_CHANNELS
    outcomes: tuple[str, ...] = DEFAULT_OUTCOMES


def parse_contact_lists(data: dict[str, Any], source: str) -> ContactLists:
    """Build the lists from decoded TOML; a missing key keeps the default list.

    Outcomes must include OUTCOME_ROUTED: routing a question depends on it.
    """
    errors: list[FieldError] = []
    channels = _strings(errors, data, "channels", DEFAULT_CHANNELS, source)
    outcomes = _strings(errors, data, "outcomes", DEFAULT_OUTCOMES, source)
    errors.extend(
        FieldError(f"{source}: channels", f"'{c}' is longer than {CHANNEL_MAX} characters")
        for c in channels
        if len(c) > CHANNEL_MAX
    )
    if outcomes and OUTCOME_ROUTED not in outcomes:
        errors.append(FieldError(f"{source}: outcomes", f"must include '{OUTCOME_ROUTED}'"))
    if errors:
        raise DomainError(errors)
    return ContactLists(channels, outcomes)


def _strings(
    errors: list[FieldError], data: dict[str, Any], key: str, default: tuple[str, ...], source: str
) -> tuple[str, ...]:
    value = data.get(key, default)
    if not isinstance(value, list | tuple) or not value:
        errors.append(FieldError(f"{source}: {key}", "must be a non-empty list of strings"))
        return ()
    if not all(isinstance(v, str) and v.strip() for v in value):
        errors.append(FieldError(f"{source}: {key}", "every entry must be a non-empty string"))
        return ()
    if len(set(value)) != len(value):
        errors.append(FieldError(f"{source}: {key}", "contains duplicates"))
    return tuple(value)
