from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.export.fake_openklant import FakeOpenKlant


@pytest.fixture
def register() -> Iterator[FakeOpenKlant]:
    """A validating Klantinteracties register on a free port."""
    fake = FakeOpenKlant().start()
    try:
        yield fake
    finally:
        fake.stop()
