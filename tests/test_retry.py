"""Retry backoff shared by the console's sync and the server's exporter."""

from __future__ import annotations

import random

from loket.retry import Backoff


def test_backoff_grows_is_jittered_and_bounded() -> None:
    backoff = Backoff(base=0.5, factor=2, cap=8, rng=random.Random(42))
    delays = [backoff.next_delay() for _ in range(12)]
    for n, delay in enumerate(delays):
        step = min(8, 0.5 * 2**n)
        assert step / 2 <= delay <= step
    assert max(delays) <= 8
    assert len(set(delays)) == len(delays)  # jitter: no two consoles in lockstep
    backoff.reset()
    assert backoff.next_delay() <= 0.5
