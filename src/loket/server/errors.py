"""Errors as values: a code, a message and the fields at fault; the edge makes them 4xx."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from loket.domain.errors import DomainError, FieldError
from loket.protocol import ErrorBody

STATUS = {
    "bad_request": 400,
    "unauthorized": 401,
    "forbidden": 403,
    "not_found": 404,
    "conflict": 409,
    "too_large": 413,
    "validation": 422,
    "internal": 500,
    "unavailable": 503,
}


@dataclass
class ApiError(Exception):
    """A refusal the client can act on. `current` carries the task on a version conflict."""

    code: str
    message: str
    fields: list[FieldError] = field(default_factory=list)
    current: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        super().__init__(self.message)

    @property
    def status(self) -> int:
        return STATUS[self.code]

    def body(self) -> ErrorBody:
        """The protocol's error object (docs/sync-protocol.md, "Errors")."""
        return {
            "code": self.code,
            "message": self.message,
            "fields": [{"field": f.field, "message": f.message} for f in self.fields],
        }

    @classmethod
    def from_domain(cls, exc: DomainError) -> ApiError:
        return cls("validation", str(exc.errors[0].message if exc.errors else exc), exc.errors)


def forbidden(message: str = "Dit mag je niet met jouw rol.") -> ApiError:
    return ApiError("forbidden", message)


def not_found(what: str) -> ApiError:
    return ApiError("not_found", f"{what} niet gevonden.")
