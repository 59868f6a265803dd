"""Reference numbers: digits only, at most ten, and a misheard digit or two swapped
digits is no reference (so it never opens another resident's contact)."""

from __future__ import annotations

import pytest

from loket.domain.errors import DomainError
from loket.domain.references import (
    FIRST_NUMBER,
    LAST_NUMBER,
    is_reference,
    make_reference,
    validate_reference,
)


def test_references_are_digits_and_fit_the_register() -> None:
    first, last = make_reference(FIRST_NUMBER), make_reference(LAST_NUMBER)
    assert first == "10000008" and first.isdigit()
    assert len(last) == 10 and last.isdigit()
    assert len({make_reference(n) for n in range(FIRST_NUMBER, FIRST_NUMBER + 5000)}) == 5000
    with pytest.raises(ValueError):
        make_reference(LAST_NUMBER + 1)


def test_one_wrong_digit_or_a_swap_is_no_reference() -> None:
    ref = make_reference(4_711_235)
    assert is_reference(ref) and validate_reference(f"{ref[:4]} {ref[4:]}") == ref
    for i in range(len(ref)):
        for digit in "0123456789":
            if digit != ref[i]:
                assert not is_reference(ref[:i] + digit + ref[i + 1 :])
    for i in range(len(ref) - 1):
        swapped = ref[:i] + ref[i + 1] + ref[i] + ref[i + 2 :]
        if swapped != ref and {ref[i], ref[i + 1]} != {"0", "9"}:  # Luhn's one blind spot
            assert not is_reference(swapped)
    for bad in ("", "abc", "1234567", "12345678901", "１０００００００９"):
        assert not is_reference(bad)
    with pytest.raises(DomainError) as caught:
        validate_reference("12345", "reference")
    assert caught.value.errors[0].field == "reference"
