"""What real Bitso books look like, measured once on recorded responses and kept as a small JSON.

``compute_profile`` turns a recorded ``order_book``, ``trades``, ``ticker`` and ``available_books``
into the numbers the simulator draws from: gaps between price levels (fractions of the price), level
sizes and trade sizes (relative to their medians), the trade rate and the books' order limits.
``depth_profile.json`` holds its result; a test recomputes it from the recordings.
"""

from __future__ import annotations

import itertools
import json
import math
import random
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import cache, cached_property
from importlib import resources
from typing import Any

PROFILE_FILE = "depth_profile.json"
SIGNIFICANT = 6
"""Digits kept per stored number: the file stays small and diffs stay readable."""
LIMIT_FIELDS = ("minimum_amount", "maximum_amount", "minimum_value", "maximum_value")


def _round(value: float) -> float:
    return float(f"{value:.{SIGNIFICANT}g}")


def _payload(body: Mapping[str, Any]) -> Any:
    if body.get("success") is not True:
        raise ValueError("not a successful Bitso response")
    return body["payload"]


def _level_shape(book: Mapping[str, Any]) -> tuple[list[float], list[float], float]:
    """Relative gaps between neighbouring levels, level sizes / their median, the median size."""
    gaps: list[float] = []
    sizes: list[float] = []
    for side in ("bids", "asks"):
        prices = [Decimal(level["price"]) for level in book[side]]
        sizes += [float(level["amount"]) for level in book[side]]
        gaps += [float(abs(b - a) / a) for a, b in itertools.pairwise(prices)]
    median = statistics.median(sizes)
    return gaps, [s / median for s in sizes], median


def _trade_shape(trades: Sequence[Mapping[str, Any]]) -> tuple[list[float], float, float]:
    """Trade sizes / their median, the median size and the arrival rate (trades per second)."""
    amounts = [float(t["amount"]) for t in trades]
    times = [datetime.fromisoformat(t["created_at"]).timestamp() for t in trades]
    median = statistics.median(amounts)
    rate = (len(times) - 1) / (max(times) - min(times))
    return [a / median for a in amounts], median, rate


def compute_profile(
    order_book: Mapping[str, Any],
    trades: Mapping[str, Any],
    ticker: Mapping[str, Any],
    available_books: Mapping[str, Any],
    *,
    book: str = "btc_mxn",
) -> dict[str, Any]:
    """The stored profile, from the four recorded bodies (decoded JSON) of one book."""
    gaps, sizes, level_median = _level_shape(_payload(order_book))
    trade_sizes, trade_median, rate = _trade_shape(_payload(trades))
    day = next(t for t in _payload(ticker) if t["book"] == book)
    limits = {
        item["book"]: {name: item[name] for name in LIMIT_FIELDS}
        for item in _payload(available_books)
    }
    return {
        "book": book,
        "level_gaps": sorted(_round(g) for g in gaps),
        "level_sizes": sorted(_round(s) for s in sizes),
        "level_size_median": _round(level_median),
        "trade_sizes": sorted(_round(s) for s in trade_sizes),
        "trade_size_median": _round(trade_median),
        "trade_rate": _round(rate),
        "day_volume": _round(float(day["volume"])),
        "limits": limits,
    }


@dataclass(frozen=True)
class Empirical:
    """Draws from a recorded sample: the inverse of its empirical distribution, interpolated
    between neighbouring values (on a log scale for sizes, which span orders of magnitude)."""

    values: tuple[float, ...]
    log: bool = False

    @cached_property
    def mean(self) -> float:
        return statistics.fmean(self.values)

    @cached_property
    def _points(self) -> tuple[tuple[float, ...], bool]:
        """The values to interpolate between (their logs when all are positive), with a
        repeated last one so a draw never indexes past the end."""
        use_log = self.log and min(self.values) > 0
        points = [math.log(v) for v in self.values] if use_log else list(self.values)
        return (*points, points[-1]), use_log

    def draw(self, rng: random.Random) -> float:
        points, use_log = self._points
        at = rng.random() * (len(points) - 2)
        i = int(at)
        value = points[i] + (points[i + 1] - points[i]) * (at - i)
        return math.exp(value) if use_log else value


@dataclass(frozen=True)
class DepthProfile:
    """The stored calibration, ready to draw from."""

    book: str
    gaps: Empirical
    """Gap to the next level as a fraction of the price (mean = ``mean_gap``)."""
    level_sizes: Empirical
    """Level size over the median level size."""
    level_size_median: float
    trade_sizes: Empirical
    """Trade size over the median trade size."""
    trade_size_median: float
    trade_rate: float
    """Trades per second in the recording."""
    day_volume: float
    """The recorded ticker's 24-hour volume (major currency)."""
    limits: Mapping[str, Mapping[str, str]] = field(compare=False)
    """Per recorded book: minimum/maximum amount and value, as Bitso spelled them."""

    @property
    def mean_gap(self) -> float:
        return self.gaps.mean

    def day_trade_median(self) -> float:
        """The median trade size that, at the recorded rate and size shape, gives the recorded
        ticker's daily volume (the short trades sample alone overstates a day)."""
        return self.day_volume / (self.trade_rate * 86_400 * self.trade_sizes.mean)


def parse_profile(data: Mapping[str, Any]) -> DepthProfile:
    return DepthProfile(
        book=data["book"],
        gaps=Empirical(tuple(data["level_gaps"])),
        level_sizes=Empirical(tuple(data["level_sizes"]), log=True),
        level_size_median=data["level_size_median"],
        trade_sizes=Empirical(tuple(data["trade_sizes"]), log=True),
        trade_size_median=data["trade_size_median"],
        trade_rate=data["trade_rate"],
        day_volume=data["day_volume"],
        limits=data["limits"],
    )


def stored_profile_data() -> dict[str, Any]:
    text = resources.files("bitsodata.simulator").joinpath(PROFILE_FILE).read_text()
    data: dict[str, Any] = json.loads(text)
    return data


@cache
def profile() -> DepthProfile:
    """The calibration shipped with the package."""
    return parse_profile(stored_profile_data())


def minimum_amount(book: str, decimals: int) -> Decimal:
    """The smallest order of a book: the recorded minimum where there is one, else one unit of
    the book's last amount decimal."""
    unit = Decimal(1).scaleb(-decimals)
    recorded = profile().limits.get(book, {}).get("minimum_amount")
    return max(unit, Decimal(recorded)) if recorded is not None else unit
