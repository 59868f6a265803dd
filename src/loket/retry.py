"""Exponential backoff with jitter: many consoles coming back online must not knock at once."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Backoff:
    """Delay n is uniform in [d/2, d] with d = min(cap, base * factor**n) ("equal jitter").

    Bounded above by `cap` and below by half the current step, so a long outage settles at
    a steady, spread-out retry rate instead of growing without limit or hammering.
    """

    base: float = 0.5
    factor: float = 2.0
    cap: float = 30.0
    rng: random.Random = field(default_factory=random.Random)
    attempt: int = 0

    def step(self, attempt: int) -> float:
        return min(self.cap, self.base * self.factor ** min(attempt, 64))

    def next_delay(self) -> float:
        ceiling = self.step(self.attempt)
        self.attempt += 1
        return ceiling / 2 + self.rng.uniform(0, ceiling / 2)

    def reset(self) -> None:
        self.attempt = 0
