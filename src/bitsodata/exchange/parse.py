"""Parse Bitso REST and WebSocket payloads into typed objects — the only place raw JSON is read.

Prices stay ``Decimal`` from the wire (``json.loads(..., parse_float=Decimal)`` and string fields).
Anything off-shape raises ``PayloadError``; error envelopes raise ``ApiError``/``RateLimitedError``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from bitsodata.domain.book import OrderBook, PriceLevel, Side, TopOfBook
from bitsodata.domain.fullbook import REMOVED, BookDiff, OrderChange
from bitsodata.errors import ApiError, PayloadError, RateLimitedError

# Category 08 is throttling (documented with HTTP 420): 0801 rate limit, 0802 too many attempts.
RATE_LIMIT_CODES = frozenset({"0801", "0802"})
RATE_LIMIT_STATUSES = frozenset({420, 429})


def loads(text: str | bytes) -> Any:
    """JSON with exact decimals; non-JSON (HTML error pages) becomes ``PayloadError``."""
    try:
        return json.loads(text, parse_float=Decimal)
    except (ValueError, TypeError) as exc:
        snippet = text[:80] if isinstance(text, str) else text[:80].decode("utf-8", "replace")
        raise PayloadError("response is not JSON", snippet=snippet) from exc


def decimal_field(obj: dict[str, Any], key: str) -> Decimal:
    """A numeric field sent as a string (or number) as an exact ``Decimal``."""
    raw = obj.get(key)
    if raw is None or isinstance(raw, bool):
        raise PayloadError("missing or invalid number", field=key)
    try:
        value = Decimal(str(raw))
    except InvalidOperation as exc:
        raise PayloadError("not a number", field=key, value=raw) from exc
    if not value.is_finite():
        raise PayloadError("not a finite number", field=key, value=raw)
    return value


def parse_timestamp(text: Any) -> datetime:
    """REST ISO-8601 in any of its three styles (``+00:00``, ``+0000``, ``.000+00:00``)."""
    if not isinstance(text, str):
        raise PayloadError("timestamp is not a string", value=text)
    try:
        dt = datetime.fromisoformat(text)
    except ValueError as exc:
        raise PayloadError("bad timestamp", value=text) from exc
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def epoch_ms(value: Any) -> datetime:
    """WebSocket epoch-millisecond integers."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise PayloadError("epoch milliseconds expected", value=value)
    return datetime.fromtimestamp(int(value) / 1000, tz=UTC)


def unwrap(body: Any, *, status: int | None = None) -> Any:
    """The ``payload`` of a success envelope, or the matching error raised."""
    if not isinstance(body, dict) or "success" not in body:
        raise PayloadError("not a Bitso envelope", status=status)
    if body["success"] is True:
        if "payload" not in body:
            raise PayloadError("success envelope without payload", status=status)
        return body["payload"]
    error = body.get("error") or {}
    code = str(error.get("code", "")).zfill(4) if error.get("code") is not None else ""
    message = str(error.get("message", "unknown error"))
    if code in RATE_LIMIT_CODES or status in RATE_LIMIT_STATUSES:
        raise RateLimitedError(message, code=code or "0801", status=status)
    raise ApiError(message, code=code, status=status)


def _levels(entries: Any, book: str, side: str) -> tuple[PriceLevel, ...]:
    if not isinstance(entries, list):
        raise PayloadError("book side is not a list", book=book, side=side)
    out = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise PayloadError("book entry is not an object", book=book, side=side)
        oid = entry.get("oid", entry.get("o"))
        price = decimal_field(entry, "price" if "price" in entry else "r")
        if price <= 0:  # a spread of a non-positive ask is undefined: refuse it here, once
            raise PayloadError("price must be positive", book=book, side=side, value=str(price))
        amount = decimal_field(entry, "amount" if "amount" in entry else "a")
        out.append(PriceLevel(price, amount, str(oid) if oid is not None else None))
    return tuple(out)


def parse_order_book(payload: Any, book: str) -> OrderBook:
    """REST ``order_book`` payload (aggregated or not)."""
    if not isinstance(payload, dict):
        raise PayloadError("order_book payload is not an object", book=book)
    seq = payload.get("sequence")
    try:
        sequence = int(seq) if seq is not None else None
    except (TypeError, ValueError) as exc:
        raise PayloadError("bad sequence", book=book, value=seq) from exc
    updated = payload.get("updated_at")
    return OrderBook(
        book=book,
        bids=_levels(payload.get("bids"), book, "bids"),
        asks=_levels(payload.get("asks"), book, "asks"),
        updated_at=parse_timestamp(updated) if updated is not None else None,
        sequence=sequence,
    )


@dataclass(frozen=True, slots=True)
class Ticker:
    """REST ``ticker`` for one book (the fields a spread monitor uses)."""

    book: str
    bid: Decimal
    ask: Decimal
    last: Decimal
    created_at: datetime


def parse_ticker(payload: Any) -> Ticker:
    """One ticker object."""
    if not isinstance(payload, dict) or not isinstance(payload.get("book"), str):
        raise PayloadError("ticker payload is not an object with a book")
    return Ticker(
        book=payload["book"],
        bid=decimal_field(payload, "bid"),
        ask=decimal_field(payload, "ask"),
        last=decimal_field(payload, "last"),
        created_at=parse_timestamp(payload.get("created_at")),
    )


def parse_available_books(payload: Any) -> list[str]:
    """REST ``available_books`` payload: the book ids, in the exchange's order."""
    if not isinstance(payload, list):
        raise PayloadError("available_books payload is not a list")
    books = []
    for entry in payload:
        if not isinstance(entry, dict) or not isinstance(entry.get("book"), str):
            raise PayloadError("available_books entry without a book")
        books.append(entry["book"])
    return books


@dataclass(frozen=True, slots=True)
class Control:
    """A WebSocket message without data: an ack, a keep-alive or an unknown type."""

    type: str
    response: str | None = None


@dataclass(frozen=True, slots=True)
class OrdersMessage:
    """A WebSocket ``orders`` message: a full replacement of the top of one book."""

    book: OrderBook
    sent: datetime | None


@dataclass(frozen=True, slots=True)
class DiffOrdersMessage:
    """A WebSocket ``diff-orders`` message: the order changes of one step of the book."""

    diff: BookDiff
    sent: datetime | None

    @property
    def book(self) -> str:
        return self.diff.book

    @property
    def sequence(self) -> int:
        return self.diff.sequence


WsMessage = Control | OrdersMessage | DiffOrdersMessage


def parse_ws_message(text: str | bytes) -> WsMessage:
    """Route a WebSocket frame by ``type``; anything without ``payload`` is control traffic."""
    msg = loads(text)
    if not isinstance(msg, dict) or not isinstance(msg.get("type"), str):
        raise PayloadError("websocket message without a type")
    kind = msg["type"]
    if "payload" not in msg:
        return Control(kind, msg.get("response"))
    book = msg.get("book")
    if not isinstance(book, str):
        raise PayloadError("websocket data message without a book", type=kind)
    sent = epoch_ms(msg["sent"]) if msg.get("sent") is not None else None
    if kind == "orders":
        payload = msg["payload"]
        if not isinstance(payload, dict):
            raise PayloadError("orders payload is not an object", book=book)
        ob = OrderBook(
            book=book,
            bids=_levels(payload.get("bids", []), book, "bids"),
            asks=_levels(payload.get("asks", []), book, "asks"),
            updated_at=sent,
        )
        return OrdersMessage(ob, sent)
    if kind == "diff-orders":
        seq = msg.get("sequence")
        if isinstance(seq, bool) or not isinstance(seq, int):
            raise PayloadError("diff-orders without an integer sequence", book=book)
        payload = msg["payload"]
        if not isinstance(payload, list):
            raise PayloadError("diff-orders payload is not a list", book=book)
        changes = tuple(c for e in payload if (c := parse_order_change(e, book)) is not None)
        return DiffOrdersMessage(BookDiff(book, seq, changes), sent)
    return Control(kind)


def parse_order_change(entry: Any, book: str) -> OrderChange | None:
    """One ``diff-orders`` entry; None for a market order (price 0), which never rests.

    The order leaves the book when ``s`` is ``cancelled``/``completed``, or ``a`` is absent or
    zero (pre-2023 feeds had no ``s`` and signalled a removal only by leaving ``a`` out).
    """
    if not isinstance(entry, dict) or not isinstance(entry.get("o"), str):
        raise PayloadError("diff-orders entry without an order id", book=book)
    side_code = entry.get("t")
    if side_code not in (0, 1) or isinstance(side_code, bool):
        raise PayloadError("diff-orders entry without a side", book=book, value=side_code)
    side: Side = "bid" if side_code == 0 else "ask"
    gone = entry.get("s") in REMOVED or entry.get("a") is None
    amount = None if gone else decimal_field(entry, "a")
    if amount is not None and amount < 0:
        raise PayloadError("negative amount", book=book, value=str(amount))
    if gone and entry.get("r") is None:
        return OrderChange(entry["o"], side, Decimal(0), None)
    price = decimal_field(entry, "r")
    if price < 0:
        raise PayloadError("negative price", book=book, value=str(price))
    if price == 0 and not gone:
        return None
    return OrderChange(entry["o"], side, price, None if amount == 0 else amount)


def top_from_orders(message: OrdersMessage, received_at: float) -> TopOfBook:
    """Best bid/ask of an ``orders`` message (derived from the arrays, never from ``t``)."""
    return message.book.top(received_at=received_at, source="ws")
