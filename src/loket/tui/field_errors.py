"""DomainError field paths in the agent's words (`questions[1].text` -> `vraag 2 · onderwerp`)."""

from __future__ import annotations

import re

from loket.tui import strings as S

_QUESTION = re.compile(r"^questions\[(\d+)\]\.(.+)$")


def field_label(path: str) -> str:
    match = _QUESTION.match(path)
    if match:
        n, rest = int(match.group(1)) + 1, match.group(2)
        return S.QUESTION_FIELD.format(n=n, field=S.FIELD_NAMES.get(rest, rest))
    if path.startswith("intake"):
        return S.FIELD_NAMES["intake"]
    return S.FIELD_NAMES.get(path, path)


def describe(error: Exception) -> list[tuple[str, str, str]]:
    """(path, label, message) for each FieldError of a DomainError; one row for anything else."""
    errors = getattr(error, "errors", None)
    if not errors:
        return [("", "", str(error))]
    return [(e.field, field_label(e.field), e.message) for e in errors]
