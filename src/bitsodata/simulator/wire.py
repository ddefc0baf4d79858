"""The wire spelling of WebSocket data messages (``diff-orders``, ``trades``) and of amounts.

Pure functions of the exchange's changes; ``legacy`` strips a message down to pre-2023 shapes.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bitsodata.simulator.formatting import dec, short
from bitsodata.simulator.orderbook import Change, Fill

Message = dict[str, Any]


def amount_text(amount: Decimal, full: bool, decimals: int) -> str:
    """An amount as Bitso spells it: all decimals (``0.01270000``) or trimmed (``1.2``)."""
    return dec(amount.quantize(Decimal(1).scaleb(-decimals))) if full else short(amount)


def value_text(amount: Decimal, price: Decimal) -> str:
    return dec((amount * price).quantize(Decimal("0.01")))


def diff_message(book: str, sequence: int, decimals: int, change: Change, now_ms: int) -> Message:
    """One ``diff-orders`` message for one order change."""
    order = change.order
    entry: dict[str, Any] = {
        "o": order.oid,
        "d": order.created_ms,
        "r": dec(order.price),
        "t": order.side,
    }
    if change.amount is not None:
        entry["a"] = amount_text(change.amount, order.full, decimals)
        entry["v"] = value_text(change.amount, order.price)
        entry["s"] = "open"
    else:
        entry["s"] = change.status
        entry["z"] = change.at_ms
    return {
        "type": "diff-orders",
        "book": book,
        "sequence": sequence,
        "sent": now_ms,
        "payload": [entry],
    }


def trades_message(book: str, trades: list[tuple[int, Fill]], now_ms: int) -> Message:
    """One ``trades`` message; ``t`` is the taker side (0 buy, 1 sell)."""
    payload = [
        {
            "i": tid,
            "a": short(fill.amount),
            "r": dec(fill.price),
            "v": value_text(fill.amount, fill.price),
            "mo": fill.maker_oid,
            "to": fill.taker_oid,
            "t": 1 if fill.maker_side == "buy" else 0,
            "x": fill.at_ms,
        }
        for tid, fill in trades
    ]
    return {"type": "trades", "book": book, "payload": payload, "sent": now_ms}


def legacy(message: Message) -> Message:
    """The pre-2023 shapes: no ``sent``; diff-orders without ``s``/``z`` (a removal is an entry
    without ``a``); trades with only ``i``, ``a``, ``r``, ``v``."""
    keep = {"trades": ("i", "a", "r", "v"), "diff-orders": ("o", "d", "r", "t", "a", "v")}
    fields = keep.get(message["type"])
    if fields is None:
        return message
    payload = [{k: v for k, v in entry.items() if k in fields} for entry in message["payload"]]
    return {k: v for k, v in message.items() if k != "sent"} | {"payload": payload}
