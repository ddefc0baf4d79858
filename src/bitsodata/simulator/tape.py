"""The trades of one book as minute candles: the ticker's rolling-day figures and ``ohlc`` buckets.

Prices are kept as whole ticks and amounts as whole units of the book's last decimal, so sums are
exact integers; views turn them back into Bitso's decimal strings. ``past_day`` draws the day of
trades that precedes the simulator's start, so a fresh exchange already has a day's statistics.
"""

from __future__ import annotations

import math
import random
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal

from bitsodata.simulator.calibration import DepthProfile, minimum_amount
from bitsodata.simulator.specs import BookSpec

MINUTE_MS = 60_000
DAY_MS = 86_400_000
KEPT_MS = 2 * DAY_MS
"""Candles older than this are dropped (ohlc serves the last two days)."""


@dataclass(slots=True)
class Candle:
    """Trades of one bucket; prices in ticks, amounts in units, ``notional`` in ticks x units.
    The tape grows its newest minute in place; views only read."""

    start_ms: int
    first_ms: int
    last_ms: int
    first: int
    last: int
    high: int
    low: int
    count: int
    volume: int
    notional: int

    def add(self, at_ms: int, ticks: int, units: int) -> None:
        self.last_ms = max(self.last_ms, at_ms)
        self.last = ticks
        self.high = max(self.high, ticks)
        self.low = min(self.low, ticks)
        self.count += 1
        self.volume += units
        self.notional += ticks * units

    def merge(self, later: Candle, start_ms: int) -> Candle:
        """This bucket followed by ``later``, as one bucket starting at ``start_ms``."""
        return Candle(
            start_ms,
            self.first_ms,
            later.last_ms,
            self.first,
            later.last,
            max(self.high, later.high),
            min(self.low, later.low),
            self.count + later.count,
            self.volume + later.volume,
            self.notional + later.notional,
        )


def merged(candles: Iterable[Candle], start_ms: int) -> Candle | None:
    out: Candle | None = None
    for candle in candles:
        out = replace(candle, start_ms=start_ms) if out is None else out.merge(candle, start_ms)
    return out


class Tape:
    """Minute candles of one book, oldest first; trades arrive in time order."""

    def __init__(self, tick: Decimal, decimals: int) -> None:
        self.tick = tick
        self.decimals = decimals
        self.candles: deque[Candle] = deque()

    def ticks(self, price: Decimal) -> int:
        return int(price / self.tick)

    def units(self, amount: Decimal) -> int:
        return int(amount.scaleb(self.decimals))

    def add(self, at_ms: int, price: Decimal, amount: Decimal) -> None:
        ticks, units = self.ticks(price), self.units(amount)
        start = at_ms - at_ms % MINUTE_MS
        candles = self.candles
        if candles and candles[-1].start_ms >= start:
            candles[-1].add(at_ms, ticks, units)
            return
        candles.append(
            Candle(start, at_ms, at_ms, ticks, ticks, ticks, ticks, 1, units, ticks * units)
        )
        while candles[0].start_ms < start - KEPT_MS:
            candles.popleft()

    def since(self, from_ms: int) -> Iterator[Candle]:
        """Minute candles that start at or after ``from_ms``."""
        return (c for c in self.candles if c.start_ms >= from_ms)

    def window(self, now_ms: int, span_ms: int = DAY_MS) -> Candle | None:
        """All trades of the last ``span_ms`` (to the minute) as one candle; None without any."""
        return merged(self.since(now_ms - span_ms), now_ms - span_ms)

    def buckets(self, bucket_ms: int, start_ms: int, end_ms: int) -> list[Candle]:
        """Buckets of ``bucket_ms`` aligned on the epoch that overlap [start, end] and hold at
        least one trade, oldest first."""
        groups: dict[int, list[Candle]] = {}
        for candle in self.candles:
            bucket = candle.start_ms - candle.start_ms % bucket_ms
            if bucket + bucket_ms > start_ms and bucket <= end_ms:
                groups.setdefault(bucket, []).append(candle)
        out = [merged(group, bucket) for bucket, group in groups.items()]
        return [c for c in out if c is not None]


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw by multiplying uniforms (means here are small)."""
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


@dataclass(frozen=True, slots=True)
class PastTrade:
    at_ms: int
    price: Decimal
    amount: Decimal
    maker_side: str


def past_day(
    spec: BookSpec,
    depth: DepthProfile,
    rng: random.Random,
    *,
    end_ms: int,
    mid: Decimal,
    spread: Decimal,
) -> list[PastTrade]:
    """The day of trades before ``end_ms``: a random walk of the mid backwards from ``mid`` at the
    book's volatility, trades at the recorded rate and sizes on either side of the spread."""
    tick = float(spec.tick)
    step_sd = spec.volatility * math.sqrt(60)
    mids = [float(mid)]
    for _ in range(DAY_MS // MINUTE_MS - 1):
        mids.append(mids[-1] * math.exp(rng.gauss(0, step_sd)))
    mids.reverse()
    half = float(spread) / 2
    least = minimum_amount(spec.book, spec.amount_decimals)
    unit = Decimal(1).scaleb(-spec.amount_decimals)
    out: list[PastTrade] = []
    for minute, level in enumerate(mids):
        start = end_ms - DAY_MS + minute * MINUTE_MS
        times = sorted(rng.randrange(MINUTE_MS) for _ in range(poisson(rng, spec.trade_rate * 60)))
        for offset in times:
            maker = rng.choice(("buy", "sell"))
            price = level - half if maker == "buy" else level + half
            ticks = max(1, round(price / tick))
            size = spec.trade_median * depth.trade_sizes.draw(rng)
            amount = max(least, Decimal(repr(size)).quantize(unit))
            out.append(PastTrade(start + offset, spec.tick * ticks, amount, maker))
    return out
