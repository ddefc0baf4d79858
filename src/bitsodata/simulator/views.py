"""What clients see: REST payloads and WebSocket ``orders`` snapshots built from the exchange state.

Faults that change what a book looks like (empty sides, crossed books, hostile spellings) are
applied here, on the way out, so the underlying books and sequences stay intact.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from bitsodata.simulator.engine import BookState, Exchange
from bitsodata.simulator.faults import FaultSet
from bitsodata.simulator.formatting import dec, iso
from bitsodata.simulator.orderbook import ASK, BID, SimOrder
from bitsodata.simulator.wire import amount_text, value_text

AGGREGATED_DEPTH = 50
ORDERS_DEPTH = 20


def sides(state: BookState, faults: FaultSet) -> tuple[list[SimOrder], list[SimOrder]]:
    """Bids (descending) and asks (ascending) after the book-shaping faults (which work on
    copies: the book itself is never changed by a view)."""
    bids, asks = state.book.side(BID), state.book.side(ASK)
    name = state.name
    if faults.on("empty_book", name) or faults.on("empty_bids", name):
        bids = []
    if faults.on("empty_book", name) or faults.on("empty_asks", name):
        asks = []
    if faults.on("crossed", name) and bids and asks:
        shift = asks[0].price - bids[0].price + state.spec.tick
        asks = [replace(a, price=a.price - shift) for a in asks]
    return bids, asks


def time_style(faults: FaultSet, book: str | None, seq: int) -> str:
    if not faults.on("hostile", book):
        return "colon"
    return ("colon", "nocolon", "millis")[seq % 3]


def order_book(state: BookState, faults: FaultSet, aggregate: bool) -> dict[str, Any]:
    """REST ``order_book`` payload."""
    bids, asks = sides(state, faults)
    decimals = state.spec.amount_decimals
    if aggregate:
        bid_rows, ask_rows = (_aggregate(s, state.name, decimals) for s in (bids, asks))
    else:
        bid_rows, ask_rows = ([_single(e, state.name, decimals) for e in s] for s in (bids, asks))
    return {
        "updated_at": iso(state.updated_ms, time_style(faults, state.name, state.sequence)),
        "sequence": str(state.sequence),
        "bids": bid_rows,
        "asks": ask_rows,
    }


def _aggregate(entries: list[SimOrder], book: str, decimals: int) -> list[dict[str, str]]:
    levels: list[tuple[Decimal, Decimal, bool]] = []
    for e in entries:
        if levels and levels[-1][0] == e.price:
            price, amount, full = levels[-1]
            levels[-1] = (price, amount + e.amount, full and e.full)
        elif len(levels) < AGGREGATED_DEPTH:
            levels.append((e.price, e.amount, e.full))
        else:
            break
    return [
        {"book": book, "price": dec(p), "amount": amount_text(a, full, decimals)}
        for p, a, full in levels
    ]


def _single(e: SimOrder, book: str, decimals: int) -> dict[str, str]:
    return {
        "book": book,
        "price": dec(e.price),
        "amount": amount_text(e.amount, e.full, decimals),
        "oid": e.oid,
    }


def trades(
    ex: Exchange, state: BookState, *, marker: int | None, sort: str, limit: int
) -> list[dict[str, Any]]:
    """REST ``trades``: newest first by default; ``marker`` pages from a ``tid``."""
    rows = list(state.trades)
    if sort == "desc":
        rows.reverse()
        if marker is not None:
            rows = [t for t in rows if t.tid < marker]
    elif marker is not None:
        rows = [t for t in rows if t.tid > marker]
    hostile = ex.faults.on("hostile", state.name)
    return [
        {
            "book": state.name,
            "created_at": iso(t.fill.at_ms, "nocolon"),
            "amount": amount_text(t.fill.amount, True, state.spec.amount_decimals),
            "maker_side": t.fill.maker_side,
            "price": dec(t.fill.price),
            "tid": str(t.tid) if hostile and t.tid % 2 else t.tid,
        }
        for t in rows[:limit]
    ]


def orders_message(ex: Exchange, state: BookState) -> dict[str, Any]:
    """WebSocket ``orders``: the top 20 orders of each side, replacing the previous snapshot."""
    bids, asks = sides(state, ex.faults)
    decimals = state.spec.amount_decimals

    def row(e: SimOrder) -> dict[str, Any]:
        return {
            "o": e.oid,
            "r": dec(e.price),
            "a": amount_text(e.amount, e.full, decimals),
            "v": value_text(e.amount, e.price),
            "t": e.side,
            "d": e.created_ms,
            "s": "undefined",
        }

    return {
        "type": "orders",
        "book": state.name,
        "sent": ex.now_ms(),
        "payload": {
            "bids": [row(e) for e in bids[:ORDERS_DEPTH]],
            "asks": [row(e) for e in asks[:ORDERS_DEPTH]],
        },
    }
