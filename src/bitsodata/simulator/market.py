"""Where the top of each book goes: a seeded mid-price walk and a mean-reverting spread.

A driver yields ``(offset_seconds, bid, ask)`` events in market time. ``ModelDriver`` draws them
from the stochastic model at a fixed rate; the replay driver (``replay.py``) reads them from
recordings. Both depend only on the seed and the event index, never on the wall clock.
"""

from __future__ import annotations

import math
import random
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Protocol

from bitsodata.simulator.formatting import on_grid
from bitsodata.simulator.specs import BookSpec

WIDE_MEDIAN_PCT = 1.4
"""Median spread of a wide-spread episode (the weekend recording had a median of 1.44 %)."""
EPISODES_PER_HOUR = 0.5
SPREAD_REVERSION = 0.05
"""Per second: the spread forgets a shock in about 20 s."""
SPREAD_LOG_SD = 0.2
"""Stationary standard deviation of log(spread): btc_mxn stays mostly within 0.1-0.25 %."""
ANCHOR_REVERSION = 2e-4
"""Per second: the mid drifts back towards its anchor over hours, so levels stay realistic."""


class Driver(Protocol):
    """A source of top-of-book targets in market time."""

    def next_offset(self) -> float | None:
        """Market seconds (since start) of the next event, None when there are no more."""
        ...

    def pop(self, *, force_wide: bool) -> tuple[Decimal, Decimal]:
        """The next ``(bid, ask)`` target; consumes the event."""
        ...


def snap(value: float, tick: Decimal, rounding: str) -> Decimal:
    """A float price on the tick grid (floor for bids, ceiling for asks)."""
    return on_grid(Decimal(repr(value)), tick, rounding)


class MarketModel:
    """Mid and spread of one book; ``step(dt)`` moves them by ``dt`` market seconds."""

    def __init__(self, spec: BookSpec, rng: random.Random) -> None:
        self.spec = spec
        self.rng = rng
        self.anchor = math.log(spec.mid)
        self.log_mid = self.anchor + rng.gauss(0, 0.002)
        self.log_spread_dev = rng.gauss(0, SPREAD_LOG_SD)
        self.episode_left = 0.0
        self.episode_pct = WIDE_MEDIAN_PCT

    def step(self, dt: float, *, force_wide: bool = False) -> tuple[Decimal, Decimal]:
        rng = self.rng
        sd = self.spec.volatility * math.sqrt(dt)
        self.log_mid += -ANCHOR_REVERSION * (self.log_mid - self.anchor) * dt + rng.gauss(0, sd)
        noise = SPREAD_LOG_SD * math.sqrt(2 * SPREAD_REVERSION * dt)
        self.log_spread_dev += -SPREAD_REVERSION * self.log_spread_dev * dt + rng.gauss(0, noise)
        self._episodes(dt)
        if force_wide or self.episode_left > 0:
            pct = self.episode_pct * math.exp(self.log_spread_dev * 0.3)
        else:
            pct = self.spec.spread_pct * math.exp(self.log_spread_dev)
        return self._quote(math.exp(self.log_mid), pct)

    def _episodes(self, dt: float) -> None:
        if self.episode_left > 0:
            self.episode_left -= dt
        elif self.rng.random() < EPISODES_PER_HOUR * dt / 3600:
            self.episode_left = self.rng.uniform(60, 300)
        if self.episode_left <= 0 and self.rng.random() < 0.01:
            self.episode_pct = min(1.75, max(1.05, self.rng.gauss(WIDE_MEDIAN_PCT, 0.2)))

    def _quote(self, mid: float, pct: float) -> tuple[Decimal, Decimal]:
        tick = self.spec.tick
        # spread = (ask - bid) / ask: put the mid in the middle of that gap.
        half = pct / 100 / 2
        bid = snap(mid * (1 - half), tick, ROUND_FLOOR)
        ask = snap(mid * (1 + half), tick, ROUND_CEILING)
        if ask <= bid:
            ask = bid + tick
        return bid, ask


class ModelDriver:
    """Events every ``1 / rate`` market seconds from a ``MarketModel``."""

    def __init__(self, model: MarketModel, rate: float) -> None:
        self.model = model
        self.interval = 1.0 / rate
        self.index = 0

    def next_offset(self) -> float | None:
        return (self.index + 1) * self.interval

    def pop(self, *, force_wide: bool) -> tuple[Decimal, Decimal]:
        self.index += 1
        return self.model.step(self.interval, force_wide=force_wide)
