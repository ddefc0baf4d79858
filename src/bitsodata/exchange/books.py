"""Every watched book's full order book, kept from ``diff-orders``, with the top-20 fallback.

No I/O: the feed hands in WebSocket messages and REST snapshots, asks which book needs a snapshot
next, and reads a ``BookView`` per book at each tick. A new connection resyncs every book (the
old stream's sequence says nothing about the new one).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from bitsodata.domain.book import OrderBook, Side
from bitsodata.domain.booksync import BookSync, SyncStats
from bitsodata.domain.depth import DepthSource
from bitsodata.domain.fullbook import aggregate_levels
from bitsodata.exchange.parse import DiffOrdersMessage, OrdersMessage


class LevelReader(Protocol):
    """Price levels of a book, best first, per side."""

    def levels(self, side: Side) -> Iterator[tuple[Decimal, Decimal]]: ...

    def level_count(self, side: Side) -> int: ...


class TopLevels:
    """The ``orders`` channel's top 20 orders per side, summed by price."""

    def __init__(self, book: OrderBook) -> None:
        self._bids = aggregate_levels(book.bids, descending=True)
        self._asks = aggregate_levels(book.asks, descending=False)

    def levels(self, side: Side) -> Iterator[tuple[Decimal, Decimal]]:
        return iter(self._bids if side == "bid" else self._asks)

    def level_count(self, side: Side) -> int:
        return len(self._bids if side == "bid" else self._asks)


@dataclass(frozen=True, slots=True)
class BookView:
    """What a tick measures depth on: a full book, or the top-20 fallback."""

    source: DepthSource
    levels: LevelReader
    sequence: int | None
    received_at: float
    """Epoch seconds of the last update this view reflects."""


class FullBooks:
    """One ``BookSync`` per book, plus the latest ``orders`` top 20 of each."""

    def __init__(self, books: Sequence[str], *, max_queue: int = 50_000) -> None:
        self.books = tuple(books)
        self.syncs = {book: BookSync(book, max_queue=max_queue) for book in self.books}
        self._tops: dict[str, tuple[TopLevels, float]] = {}
        self._diff_at: dict[str, float] = {}
        self._connection: float | None = None
        self._next = 0

    def on_connection(self, connected_at: float | None) -> None:
        """Messages now come from the connection opened at ``connected_at``."""
        if connected_at == self._connection:
            return
        if self._connection is not None:
            for sync in self.syncs.values():
                sync.resync("reconnect")
        self._connection = connected_at
        self._tops.clear()

    def on_diff(self, message: DiffOrdersMessage, received_at: float) -> bool:
        """A diff-orders message; True when a full book changed."""
        sync = self.syncs.get(message.book)
        if sync is None:
            return False
        changed = sync.on_diff(message.diff)
        if changed:
            self._diff_at[message.book] = received_at
        return changed

    def on_orders(self, message: OrdersMessage, received_at: float) -> None:
        """An ``orders`` top 20: the fallback while the full book is not exact."""
        if message.book.book in self.syncs:
            self._tops[message.book.book] = (TopLevels(message.book), received_at)

    def wanting_snapshot(self, *, ready: Iterable[str] | None = None) -> str | None:
        """The next book (round robin) that waits for a snapshot, among ``ready`` if given."""
        allowed = set(self.books if ready is None else ready)
        n = len(self.books)
        for i in range(n):
            book = self.books[(self._next + i) % n]
            if book in allowed and self.syncs[book].wants_snapshot():
                self._next = (self._next + i + 1) % n
                return book
        return None

    def on_snapshot(self, snapshot: OrderBook, generation: int, received_at: float) -> bool:
        """A non-aggregated REST book asked for at ``generation``; True when the book is live."""
        sync = self.syncs[snapshot.book]
        live = sync.on_snapshot(snapshot, generation)
        if live and sync.full is not None and sync.full.sequence == snapshot.sequence:
            self._diff_at[snapshot.book] = received_at
        return live

    def view(self, book: str) -> BookView | None:
        """The exact full book when live, else the top-20 fallback, else None."""
        sync = self.syncs.get(book)
        if sync is not None and sync.live and sync.full is not None:
            at = self._diff_at.get(book, 0.0)
            return BookView("diff", sync.full, sync.full.sequence, at)
        top = self._tops.get(book)
        if top is not None:
            return BookView("orders", top[0], None, top[1])
        return None

    def stats(self) -> SyncStats:
        """Counters summed over every book."""
        total = SyncStats()
        for sync in self.syncs.values():
            for name in vars(total):
                setattr(total, name, getattr(total, name) + getattr(sync.stats, name))
        return total
