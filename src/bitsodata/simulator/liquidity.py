"""How much of its usual depth a book shows: a slow wander plus episodes of thin books.

``Liquidity.step(dt, stressed=...)`` returns a factor (1 = the recorded depth). Depth within a band
of the best price follows the factor; a thin episode (or a wide spread, ``stressed``) drops it to
10-30 % for a few minutes, so depth and slippage move like a market's instead of standing still.
"""

from __future__ import annotations

import math
import random

WANDER_SD = 0.3
"""Stationary standard deviation of log(factor) outside episodes."""
WANDER_REVERSION = 1 / 900
"""Per second: the wander forgets a shock in about a quarter of an hour."""
THIN_PER_HOUR = 1.0
THIN_SECONDS = (120.0, 600.0)
THIN_FACTOR = (0.1, 0.3)


class Liquidity:
    """The depth factor of one book, in market time; seeded, so a run is repeatable."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.log_level = rng.gauss(0, WANDER_SD)
        self.thin_left = 0.0
        self.thin_factor = rng.uniform(*THIN_FACTOR)

    @property
    def thin(self) -> bool:
        return self.thin_left > 0

    def step(self, dt: float, *, stressed: bool = False) -> float:
        rng = self.rng
        noise = WANDER_SD * math.sqrt(2 * WANDER_REVERSION * dt)
        self.log_level += -WANDER_REVERSION * self.log_level * dt + rng.gauss(0, noise)
        if self.thin_left > 0:
            self.thin_left -= dt
        elif rng.random() < THIN_PER_HOUR * dt / 3600:
            self.thin_left = rng.uniform(*THIN_SECONDS)
            self.thin_factor = rng.uniform(*THIN_FACTOR)
        return self.factor(stressed=stressed)

    def factor(self, *, stressed: bool = False) -> float:
        level = math.exp(self.log_level)
        return level * self.thin_factor if self.thin or stressed else level
