"""FullBooks: which book a tick measures, and what a new connection does to the full books."""

from __future__ import annotations

from decimal import Decimal

from bitsodata.domain.book import OrderBook, PriceLevel
from bitsodata.domain.fullbook import BookDiff, OrderChange
from bitsodata.exchange.books import FullBooks
from bitsodata.exchange.parse import DiffOrdersMessage, OrdersMessage

D = Decimal


def orders(book: str) -> OrdersMessage:
    bids = (PriceLevel(D("10"), D("1"), "a"), PriceLevel(D("10"), D("2"), "b"))
    return OrdersMessage(OrderBook(book, bids, (PriceLevel(D("11"), D("1"), "c"),)), None)


def diff(seq: int) -> DiffOrdersMessage:
    return DiffOrdersMessage(
        BookDiff("btc_mxn", seq, (OrderChange("z", "ask", D("12"), D("4")),)), None
    )


def test_the_top_20_stands_in_until_the_full_book_is_exact_then_a_reconnect_resyncs() -> None:
    books = FullBooks(["btc_mxn", "usd_mxn"])
    books.on_connection(1.0)
    assert books.view("btc_mxn") is None
    books.on_orders(orders("btc_mxn"), 2.0)
    view = books.view("btc_mxn")
    assert view is not None and view.source == "orders" and view.sequence is None
    assert list(view.levels.levels("bid")) == [(D("10"), D("3"))]  # orders summed by price
    books.on_diff(diff(6), 2.5)
    assert books.wanting_snapshot(ready=["usd_mxn"]) == "usd_mxn"
    assert books.wanting_snapshot() == "btc_mxn"
    generation = books.syncs["btc_mxn"].snapshot_requested()
    books.on_snapshot(OrderBook("btc_mxn", (), (), sequence=5), generation, 3.0)
    view = books.view("btc_mxn")
    assert view is not None and view.source == "diff" and view.sequence == 6
    assert list(view.levels.levels("ask")) == [(D("12"), D("4"))]
    books.on_connection(9.0)  # a new socket: the old sequence says nothing about the new one
    assert books.view("btc_mxn") is None and books.syncs["btc_mxn"].reason == "reconnect"
