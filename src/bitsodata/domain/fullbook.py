"""The full order book of one market, order by order, kept from ``diff-orders`` changes.

Pure and exact (``Decimal``). ``FullBook`` holds every order and, per side, the price levels
(total amount and order count) sorted best-first, so depth walks start at the top.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from bitsodata.domain.book import OrderBook, PriceLevel, Side

ChangeStatus = Literal["open", "cancelled", "completed"]
REMOVED: frozenset[str] = frozenset({"cancelled", "completed"})


@dataclass(frozen=True, slots=True)
class OrderChange:
    """One order's new state: ``amount`` None means the order left the book."""

    oid: str
    side: Side
    price: Decimal
    amount: Decimal | None


@dataclass(frozen=True, slots=True)
class BookDiff:
    """One ``diff-orders`` message: its sequence and the order changes it carries."""

    book: str
    sequence: int
    changes: tuple[OrderChange, ...]


class _Side:
    """Price levels of one side: totals and counts by price, prices kept sorted ascending."""

    __slots__ = ("counts", "descending", "prices", "totals")

    def __init__(self, descending: bool) -> None:
        self.descending = descending
        self.prices: list[Decimal] = []
        self.totals: dict[Decimal, Decimal] = {}
        self.counts: dict[Decimal, int] = {}

    def add(self, price: Decimal, amount: Decimal) -> None:
        count = self.counts.get(price)
        if count is None:
            insort(self.prices, price)
            self.counts[price] = 1
            self.totals[price] = amount
            return
        self.counts[price] = count + 1
        self.totals[price] += amount

    def remove(self, price: Decimal, amount: Decimal) -> None:
        count = self.counts[price] - 1
        if count:
            self.counts[price] = count
            self.totals[price] -= amount
            return
        del self.counts[price], self.totals[price]
        del self.prices[bisect_left(self.prices, price)]

    def best(self) -> Decimal | None:
        if not self.prices:
            return None
        return self.prices[-1] if self.descending else self.prices[0]

    def levels(self) -> Iterator[tuple[Decimal, Decimal]]:
        """(price, total amount), best first."""
        prices = reversed(self.prices) if self.descending else iter(self.prices)
        totals = self.totals
        for price in prices:
            yield price, totals[price]


class FullBook:
    """Every resting order of one book; ``apply`` takes changes, ``levels`` reads the sides."""

    def __init__(self, book: str, sequence: int) -> None:
        self.book = book
        self.sequence = sequence
        """Sequence of the last change applied (or of the snapshot it started from)."""
        self._orders: dict[str, tuple[Side, Decimal, Decimal]] = {}
        self._bids = _Side(descending=True)
        self._asks = _Side(descending=False)

    @classmethod
    def from_snapshot(cls, snapshot: OrderBook) -> FullBook:
        """A book from a non-aggregated REST snapshot (every entry carries its ``oid``)."""
        if snapshot.sequence is None:
            raise ValueError("a snapshot without a sequence cannot start a full book")
        book = cls(snapshot.book, snapshot.sequence)
        for side, entries in (("bid", snapshot.bids), ("ask", snapshot.asks)):
            for level in entries:
                if level.oid is None:
                    raise ValueError("a full book needs order ids (aggregate=false)")
                book.set_order(OrderChange(level.oid, side, level.price, level.amount))  # type: ignore[arg-type]
        return book

    def _side(self, side: Side) -> _Side:
        return self._bids if side == "bid" else self._asks

    def set_order(self, change: OrderChange) -> None:
        """Place, resize or remove one order (a zero or absent amount removes it)."""
        held = self._orders.pop(change.oid, None)
        if held is not None:
            self._side(held[0]).remove(held[1], held[2])
        amount = change.amount
        if amount is None or amount <= 0 or change.price <= 0:
            return
        self._orders[change.oid] = (change.side, change.price, amount)
        self._side(change.side).add(change.price, amount)

    def apply(self, diff: BookDiff) -> None:
        """Apply one message's changes and take its sequence (the caller checks continuity)."""
        for change in diff.changes:
            self.set_order(change)
        self.sequence = diff.sequence

    def best_bid(self) -> Decimal | None:
        return self._bids.best()

    def best_ask(self) -> Decimal | None:
        return self._asks.best()

    def levels(self, side: Side) -> Iterator[tuple[Decimal, Decimal]]:
        """(price, total amount) of one side, best first."""
        return self._side(side).levels()

    def level_count(self, side: Side) -> int:
        return len(self._side(side).prices)

    def order_count(self) -> int:
        return len(self._orders)

    def orders(self) -> dict[str, tuple[Side, Decimal, Decimal]]:
        """oid -> (side, price, amount), a copy."""
        return dict(self._orders)

    def aggregated(self) -> tuple[tuple[tuple[Decimal, Decimal], ...], ...]:
        """(bids, asks) as (price, total) tuples best-first: what two exact books share."""
        return tuple(self.levels("bid")), tuple(self.levels("ask"))


def aggregate_levels(
    entries: tuple[PriceLevel, ...], *, descending: bool
) -> list[tuple[Decimal, Decimal]]:
    """Entries (orders or levels) summed by price, best first."""
    totals: dict[Decimal, Decimal] = {}
    for level in entries:
        if level.amount > 0:
            totals[level.price] = totals.get(level.price, Decimal(0)) + level.amount
    return sorted(totals.items(), reverse=descending)
