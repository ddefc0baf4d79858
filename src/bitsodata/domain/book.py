"""Order-book values as the rest of the package sees them, once parsed at the boundary."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Literal

Source = Literal["ws", "rest"]
Side = Literal["bid", "ask"]


@dataclass(frozen=True, slots=True)
class PriceLevel:
    """One entry of a book side (an aggregated level or a single order when ``oid`` is set)."""

    price: Decimal
    amount: Decimal
    oid: str | None = None


@dataclass(frozen=True, slots=True)
class OrderBook:
    """A book snapshot: bids best-first (descending), asks best-first (ascending)."""

    book: str
    bids: tuple[PriceLevel, ...]
    asks: tuple[PriceLevel, ...]
    updated_at: datetime | None = None
    sequence: int | None = None

    def top(self, *, received_at: float, source: Source) -> TopOfBook:
        """The best bid and ask of this snapshot."""
        best_bid = max((lvl.price for lvl in self.bids), default=None)
        best_ask = min((lvl.price for lvl in self.asks), default=None)
        return TopOfBook(
            book=self.book,
            bid=best_bid,
            ask=best_ask,
            exchange_timestamp=self.updated_at,
            received_at=received_at,
            source=source,
            sequence=self.sequence,
        )


@dataclass(frozen=True, slots=True)
class TopOfBook:
    """Best bid and ask of one book at one moment, with where and when we got it."""

    book: str
    bid: Decimal | None
    ask: Decimal | None
    exchange_timestamp: datetime | None
    received_at: float
    """Epoch seconds at which this process received the update."""
    source: Source
    sequence: int | None = field(default=None)

    @property
    def is_empty(self) -> bool:
        """A side is missing, so no spread can be computed."""
        return self.bid is None or self.ask is None

    @property
    def is_crossed(self) -> bool:
        """Best ask at or below best bid: the book cannot be trusted."""
        return not self.is_empty and self.ask <= self.bid  # type: ignore[operator]

    @property
    def spread(self) -> Decimal | None:
        """Spread in percent of the ask, or None when empty or crossed."""
        if self.is_empty or self.is_crossed:
            return None
        return spread_percent(self.bid, self.ask)  # type: ignore[arg-type]


def spread_percent(bid: Decimal, ask: Decimal) -> Decimal:
    """``(ask - bid) * 100 / ask``, the brief's definition, computed exactly."""
    if ask <= 0:
        raise ValueError("ask must be positive")
    return (ask - bid) * 100 / ask
