"""The full book and the resync state machine: exact books whatever the stream does."""

from __future__ import annotations

from collections import deque
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from bitsodata.domain.book import OrderBook, PriceLevel, Side
from bitsodata.domain.booksync import BookSync
from bitsodata.domain.fullbook import BookDiff, FullBook, OrderChange, aggregate_levels

D = Decimal


def snapshot(book: FullBook) -> OrderBook:
    """What the exchange's REST ``order_book?aggregate=false`` would say about ``book``."""
    bids, asks = [], []
    for oid, (side, price, amount) in sorted(book.orders().items()):
        (bids if side == "bid" else asks).append(PriceLevel(price, amount, oid))
    return OrderBook(book.book, tuple(bids), tuple(asks), sequence=book.sequence)


def test_orders_at_one_price_add_up_and_the_level_goes_with_the_last_one() -> None:
    book = FullBook("btc_mxn", 10)
    book.set_order(OrderChange("a", "bid", D("100"), D("1.5")))
    book.set_order(OrderChange("b", "bid", D("100"), D("0.25")))
    book.set_order(OrderChange("c", "bid", D("101"), D("2")))
    book.set_order(OrderChange("x", "ask", D("103"), D("1")))
    assert list(book.levels("bid")) == [(D("101"), D("2")), (D("100"), D("1.75"))]
    book.set_order(OrderChange("a", "bid", D("100"), D("0.5")))  # partial fill: absolute amount
    assert list(book.levels("bid"))[1] == (D("100"), D("0.75"))
    book.set_order(OrderChange("a", "bid", D("100"), None))
    book.set_order(OrderChange("b", "bid", D("100"), D("0")))  # a zero amount removes too
    assert list(book.levels("bid")) == [(D("101"), D("2"))]
    assert book.best_bid() == D("101") and book.best_ask() == D("103")
    assert book.order_count() == 2 and book.level_count("bid") == 1


def test_a_book_from_a_snapshot_aggregates_like_the_exchange() -> None:
    entries = (PriceLevel(D("5"), D("1"), "a"), PriceLevel(D("5"), D("2"), "b"))
    rest = OrderBook("usd_mxn", entries, (PriceLevel(D("6"), D("3"), "c"),), sequence=7)
    book = FullBook.from_snapshot(rest)
    assert book.sequence == 7
    assert list(book.levels("bid")) == aggregate_levels(entries, descending=True) == [(5, 3)]


# -- the resync state machine, against a reference book -----------------------------------------

OIDS = [f"o{i}" for i in range(14)]


def oid_place(oid: str) -> tuple[Side, Decimal]:
    n = int(oid[1:])
    return ("bid", D(95 + n % 7)) if n % 2 else ("ask", D(103 + n % 7))


changes = st.builds(
    lambda oid, amount: OrderChange(oid, *oid_place(oid), amount),
    st.sampled_from(OIDS),
    st.sampled_from([None, D("0"), D("0.5"), D("1"), D("2.25"), D("0.00000001")]),
)
FAULTS = ["ok"] * 6 + ["drop", "duplicate", "swap"]
ACTIONS = ["publish", "publish", "deliver", "deliver", "snapshot"]


class Market:
    """The exchange side of the model: a reference book, a stream with faults, REST snapshots."""

    def __init__(self) -> None:
        self.book = FullBook("btc_mxn", 1000)
        self.states = {1000: self.book.orders()}
        self.in_flight: deque[BookDiff] = deque()

    def publish(self, change: OrderChange, fault: str) -> None:
        diff = BookDiff("btc_mxn", self.book.sequence + 1, (change,))
        self.book.apply(diff)
        self.states[diff.sequence] = self.book.orders()
        if fault == "drop":
            return
        if fault == "swap" and self.in_flight:
            self.in_flight.insert(len(self.in_flight) - 1, diff)
            return
        self.in_flight.extend([diff, diff] if fault == "duplicate" else [diff])


def check(sync: BookSync, market: Market) -> None:
    if sync.live:
        assert sync.full is not None
        assert sync.full.orders() == market.states[sync.full.sequence]


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_the_rebuilt_book_equals_the_reference_whatever_the_stream_loses_or_repeats(
    data: st.DataObject,
) -> None:
    market, sync = Market(), BookSync("btc_mxn")
    for action in data.draw(st.lists(st.sampled_from(ACTIONS), max_size=120)):
        if sync.wants_snapshot():
            sync.snapshot_requested()
        if action == "publish":
            market.publish(data.draw(changes), data.draw(st.sampled_from(FAULTS)))
        elif action == "deliver" and market.in_flight:
            sync.on_diff(market.in_flight.popleft())
        elif action == "snapshot" and not sync.wants_snapshot() and not sync.live:
            sync.on_snapshot(snapshot(market.book))
        check(sync, market)
    # Faults stop: the stream drains, the next snapshot and the messages after it make it exact.
    while market.in_flight:
        sync.on_diff(market.in_flight.popleft())
    for _ in range(3):
        if not sync.live:
            sync.snapshot_requested()
            sync.on_snapshot(snapshot(market.book))
        market.publish(data.draw(changes), "ok")
        sync.on_diff(market.in_flight.popleft())
        check(sync, market)
    assert sync.live and sync.full is not None
    assert sync.full.orders() == market.book.orders()
    assert sync.full.aggregated() == market.book.aggregated()


def diff(seq: int, oid: str = "o1", amount: str | None = "1") -> BookDiff:
    return BookDiff(
        "btc_mxn", seq, (OrderChange(oid, *oid_place(oid), D(amount) if amount else None),)
    )


def test_queued_messages_up_to_the_snapshot_are_dropped_and_the_rest_applied() -> None:
    sync = BookSync("btc_mxn")
    for seq in (4, 5, 6, 7):
        sync.on_diff(diff(seq, amount=str(seq)))
    sync.snapshot_requested()
    rest = OrderBook("btc_mxn", (PriceLevel(D("96"), D("5"), "o1"),), (), sequence=5)
    assert sync.on_snapshot(rest) and sync.live
    assert sync.full is not None and sync.full.sequence == 7
    assert list(sync.full.levels("bid")) == [(D("96"), D("7"))]
    assert sync.stats.dropped_before_snapshot == 2 and sync.stats.applied == 2


def test_a_gap_or_a_repeat_throws_the_book_away() -> None:
    sync = BookSync("btc_mxn")
    sync.snapshot_requested()
    sync.on_snapshot(OrderBook("btc_mxn", (), (), sequence=10))
    assert not sync.on_diff(diff(9))  # sent before the snapshot, arriving after: harmless
    assert sync.live and sync.on_diff(diff(11))
    sync.on_diff(diff(11))
    assert not sync.live and sync.reason == "duplicate" and sync.wants_snapshot()
    sync.snapshot_requested()
    sync.on_snapshot(OrderBook("btc_mxn", (), (), sequence=20))
    sync.on_diff(diff(21))
    sync.on_diff(diff(23))
    assert not sync.live and sync.reason == "gap" and sync.stats.gaps == 1
    sync.snapshot_requested()
    # The message that revealed the gap is kept: it follows a snapshot at 22.
    assert sync.on_snapshot(OrderBook("btc_mxn", (), (), sequence=22))
    assert sync.full is not None and sync.full.sequence == 23


def test_a_snapshot_older_than_the_queue_asks_for_another() -> None:
    sync = BookSync("btc_mxn")
    sync.on_diff(diff(30))
    sync.snapshot_requested()
    assert not sync.on_snapshot(OrderBook("btc_mxn", (), (), sequence=27))
    assert sync.reason == "stale_snapshot" and sync.wants_snapshot() and sync.queued() == 1


def test_a_snapshot_asked_for_before_a_resync_is_ignored() -> None:
    sync = BookSync("btc_mxn")
    asked = sync.snapshot_requested()
    sync.resync("reconnect")
    assert not sync.on_snapshot(OrderBook("btc_mxn", (), (), sequence=5), asked)
    assert sync.wants_snapshot()
    assert sync.on_snapshot(OrderBook("btc_mxn", (), (), sequence=5), sync.snapshot_requested())
