"""What each simulated book looks like: price level, tick, order sizes, typical spread.

btc_mxn and usd_mxn follow the real 2024 recordings; any other ``major_minor`` book gets generic,
seed-independent parameters derived from its name so ``--books`` can add as many as wanted.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from decimal import Decimal

from bitsodata.errors import ConfigError

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
    default_chart: str = "candle"

    @property
    def price_decimals(self) -> int:
        exponent = self.tick.normalize().as_tuple().exponent
        assert isinstance(exponent, int)
        return max(0, -exponent)

    def with_tick(self, tick: Decimal) -> BookSpec:
        """The same book on a finer grid (replayed recordings may carry cents)."""
        return BookSpec(
            self.book,
            self.mid,
            tick,
            self.amount_decimals,
            self.order_size,
            self.spread_pct,
            self.volatility,
            self.level_gap,
            self.default_chart,
        )


KNOWN: dict[str, BookSpec] = {
    "btc_mxn": BookSpec(
        "btc_mxn", 1_150_000.0, Decimal("10"), 8, 0.02, 0.17, 9e-5, 2e-4, "tradingview"
    ),
    "usd_mxn": BookSpec("usd_mxn", 16.78, Decimal("0.001"), 2, 900.0, 0.05, 2e-5, 6e-5),
    "eth_mxn": BookSpec("eth_mxn", 62_000.0, Decimal("0.01"), 8, 0.3, 0.2, 1.2e-4, 3e-4),
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
