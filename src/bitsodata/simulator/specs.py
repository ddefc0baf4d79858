"""What each simulated book looks like: price level, tick, depth, trade flow, typical spread.

btc_mxn and usd_mxn follow the real recordings (prices and spreads from the 2024 observations, depth
and trade flow from the recorded order book, trades and ticker in ``depth_profile.json``); any other
``major_minor`` book gets generic, seed-independent parameters derived from its name so ``--books``
can add as many as wanted.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, replace
from decimal import Decimal

from bitsodata.errors import ConfigError
from bitsodata.simulator.calibration import profile

BOOK_NAME = re.compile(r"^[a-z0-9]+_[a-z0-9]+$")


@dataclass(frozen=True, slots=True)
class BookSpec:
    """Static parameters of one book."""

    book: str
    mid: float
    """Starting (and anchor) mid price in the minor currency."""
    tick: Decimal
    """Price grid; prices are whole multiples of it."""
    amount_decimals: int
    """Amounts are rounded to this many decimals (8 for crypto, 2 for fiat majors)."""
    order_size: float
    """Median size of one resting order in the major currency."""
    spread_pct: float
    """Median spread in percent of the ask."""
    volatility: float
    """Relative standard deviation of the mid per square-root second."""
    level_gap: float
    """Mean distance between neighbouring price levels, as a fraction of the price."""
    level_size: float = 0.0
    """Median amount of one price level (major); 0 = 1.5 x ``order_size``."""
    trade_size: float = 0.0
    """Median trade amount (major); 0 = half of ``order_size``."""
    trade_rate: float = 0.03
    """Trades per market second (Poisson arrivals)."""
    default_chart: str = "candle"

    @property
    def level_median(self) -> float:
        return self.level_size or 1.5 * self.order_size

    @property
    def trade_median(self) -> float:
        return self.trade_size or self.order_size / 2

    @property
    def price_decimals(self) -> int:
        exponent = self.tick.normalize().as_tuple().exponent
        assert isinstance(exponent, int)
        return max(0, -exponent)

    def with_tick(self, tick: Decimal) -> BookSpec:
        """The same book on a finer grid (replayed recordings may carry cents)."""
        return replace(self, tick=tick)


_REAL = profile()
KNOWN: dict[str, BookSpec] = {
    # depth and trades as recorded for btc_mxn: level gaps, level sizes, trade rate and sizes that
    # add up to the recorded ticker's daily volume
    "btc_mxn": BookSpec(
        "btc_mxn",
        1_150_000.0,
        Decimal("10"),
        8,
        0.05,
        0.17,
        9e-5,
        _REAL.mean_gap,
        level_size=_REAL.level_size_median,
        trade_size=_REAL.day_trade_median(),
        trade_rate=_REAL.trade_rate,
        default_chart="tradingview",
    ),
    "usd_mxn": BookSpec(
        "usd_mxn", 16.78, Decimal("0.001"), 2, 900.0, 0.05, 2e-5, 6e-5, trade_size=60.0
    ),
    "eth_mxn": BookSpec("eth_mxn", 62_000.0, Decimal("0.01"), 8, 0.3, 0.2, 1.2e-4, 3e-4),
    # the other books of the recorded available_books, at 2024-like price levels
    "xrp_mxn": BookSpec("xrp_mxn", 9.2, Decimal("0.001"), 8, 400.0, 0.25, 1.5e-4, 4e-4),
    "xrp_btc": BookSpec("xrp_btc", 0.0000081, Decimal("1e-10"), 8, 400.0, 0.3, 1.5e-4, 4e-4),
    "eth_btc": BookSpec("eth_btc", 0.054, Decimal("0.000001"), 8, 0.3, 0.2, 1e-4, 3e-4),
    "bch_btc": BookSpec("bch_btc", 0.0065, Decimal("0.0000001"), 8, 0.5, 0.3, 1.5e-4, 4e-4),
}


def validate_book(book: str) -> str:
    """Lower-case ``major_minor`` or a ``ConfigError``."""
    if not BOOK_NAME.match(book):
        raise ConfigError("a book is lower-case major_minor, e.g. btc_mxn", book=book)
    return book


def spec_for(book: str) -> BookSpec:
    """Known parameters, or generic ones derived (deterministically) from the name."""
    validate_book(book)
    if book in KNOWN:
        return KNOWN[book]
    h = zlib.crc32(book.encode())
    mid = float((1 + h % 9) * 10 ** ((h >> 4) % 6))  # 1 .. 900000
    tick = Decimal(1).scaleb(_tick_exponent(mid))
    spread = 0.08 + ((h >> 8) % 20) / 50  # 0.08 .. 0.46 %
    size = 1000.0 / mid if mid > 1 else 500.0
    return BookSpec(book, mid, tick, 8, size, spread, 1e-4, 2.5e-4)


def _tick_exponent(mid: float) -> int:
    """About five significant digits of price resolution."""
    digits = len(str(int(mid)))
    return digits - 6
