"""Errors are values with a field and a message; the edges turn them into text or 4xx."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    field: str  # dotted path, e.g. "customer.bsn" or "questions[1].text"
    message: str  # Dutch, shown to the user as is

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class DomainError(ValueError):
    """A rule was broken. Carries every FieldError found, not just the first."""

    def __init__(self, errors: list[FieldError] | FieldError) -> None:
        self.errors = [errors] if isinstance(errors, FieldError) else list(errors)
        super().__init__("; ".join(str(e) for e in self.errors))


class TransitionError(DomainError):
    """A task action that its current status does not allow (e.g. resolving a task that is done)."""
