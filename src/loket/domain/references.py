"""Contact reference numbers: what a resident quotes on the phone ("mijn referentienummer
is ...") to find their earlier contact, whoever answers.

The central store hands them out from one counter when it first stores a contact (the
console shows "volgt na synchronisatie" until then; docs/decisions.md). A number is the
counter's value followed by a Luhn check digit, so a digit misheard or two digits swapped
on the phone is refused as "not a reference" instead of opening someone else's contact.
Digits only and at most ten of them: the Klantinteracties `referentienummer`.
"""

from __future__ import annotations

from loket.domain.errors import DomainError, FieldError

REFERENCE_MAX = 10  # Klantinteracties `referentienummer` is at most ten characters
FIRST_NUMBER = 1_000_000  # the counter's first value: references start at eight digits
LAST_NUMBER = 10 ** (REFERENCE_MAX - 1) - 1  # nine digits plus the check digit


def check_digit(digits: str) -> int:
    """The Luhn digit that makes `digits` + it pass the Luhn check."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:  # doubled: these sit right of where the check digit goes
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return (10 - total % 10) % 10


def make_reference(number: int) -> str:
    """The reference for the counter's `number`."""
    if not FIRST_NUMBER <= number <= LAST_NUMBER:
        raise ValueError(f"reference counter out of range: {number}")
    digits = str(number)
    return f"{digits}{check_digit(digits)}"


def clean_reference(text: str) -> str:
    """A typed reference without the spaces, dots or dashes people put in long numbers."""
    return "".join(ch for ch in text if ch not in " .-")


def is_reference(text: str) -> bool:
    """Whether `text` (cleaned) could be a reference this store gave out."""
    value = clean_reference(text)
    return (
        value.isascii()
        and value.isdigit()
        and len(str(FIRST_NUMBER)) + 1 <= len(value) <= REFERENCE_MAX
        and check_digit(value[:-1]) == int(value[-1])
    )


def validate_reference(text: str, field: str = "reference") -> str:
    """The cleaned reference, or a DomainError naming `field` (Dutch, for the agent)."""
    value = clean_reference(text)
    if not is_reference(value):
        msg = "Geen geldig referentienummer (8 tot 10 cijfers, met controlecijfer)."
        raise DomainError(FieldError(field, msg))
    return value
