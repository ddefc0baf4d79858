"""Client-side assertions about Bitso REST responses, applied alike to the simulator and to
recorded real answers (``shared/data/bitso_api_samples``): shapes, types, ordering only.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any

BOOK = re.compile(r"^[a-z0-9]+_[a-z0-9]+$")
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def number(value: Any) -> Decimal:
    """A JSON string holding a plain decimal number (never a JSON number, never an exponent)."""
    assert isinstance(value, str), f"number sent as {type(value).__name__}: {value!r}"
    assert NUMBER.match(value), f"not a plain decimal: {value!r}"
    return Decimal(value)


def timestamp(value: Any) -> datetime:
    assert isinstance(value, str)
    parsed = datetime.fromisoformat(value)
    assert parsed.utcoffset() is not None and parsed.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    return parsed


def payload(body: Any) -> Any:
    assert isinstance(body, dict)
    assert body.get("success") is True
    assert "error" not in body
    return body["payload"]


def check_error(body: Any, code: str) -> None:
    assert isinstance(body, dict)
    assert body.get("success") is False
    assert "payload" not in body
    assert str(body["error"]["code"]).zfill(4) == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]


def check_order_book(body: Any, book: str, *, aggregated: bool = True) -> None:
    data = payload(body)
    assert set(data) >= {"updated_at", "sequence", "bids", "asks"}
    timestamp(data["updated_at"])
    assert isinstance(data["sequence"], str) and data["sequence"].isdigit()
    for side, descending in (("bids", True), ("asks", False)):
        entries = data[side]
        assert isinstance(entries, list)
        if aggregated:
            assert len(entries) <= 50
        prices = []
        for entry in entries:
            assert entry["book"] == book
            prices.append(number(entry["price"]))
            assert number(entry["amount"]) > 0
            assert ("oid" in entry) is (not aggregated)
        expected = sorted(prices, reverse=descending)
        assert prices == expected, f"{side} not best-first"
        if aggregated:
            assert len(set(prices)) == len(prices), f"{side} repeat a price level"
    if data["bids"] and data["asks"]:
        assert number(data["bids"][0]["price"]) < number(data["asks"][0]["price"])


TICKER_FIELDS = ("book", "volume", "high", "low", "last", "vwap", "ask", "bid", "created_at")


def check_ticker(item: Any) -> None:
    assert set(item) >= set(TICKER_FIELDS)
    assert BOOK.match(item["book"])
    for key in ("volume", "high", "low", "last", "vwap", "ask", "bid"):
        number(item[key])
    low, high = number(item["low"]), number(item["high"])
    assert low <= number(item["last"]) <= high, "the last trade is one of the day's"
    assert low <= number(item["vwap"]) <= high, "an average of the day's prices"
    assert number(item["volume"]) > 0
    assert number(item["bid"]) < number(item["ask"])
    timestamp(item["created_at"])


def check_tickers(body: Any) -> None:
    items = payload(body)
    assert isinstance(items, list) and items
    for item in items:
        check_ticker(item)


def check_available_books(body: Any) -> None:
    items = payload(body)
    assert isinstance(items, list) and items
    for item in items:
        assert BOOK.match(item["book"])
        for what in ("price", "amount", "value"):
            low, high = number(item[f"minimum_{what}"]), number(item[f"maximum_{what}"])
            assert 0 < low <= high


def check_trades(body: Any, book: str) -> None:
    items = payload(body)
    assert isinstance(items, list) and items
    tids = []
    times = []
    for item in items:
        assert item["book"] == book
        assert item["maker_side"] in ("buy", "sell")
        assert number(item["amount"]) > 0 and number(item["price"]) > 0
        tid = item["tid"]
        assert isinstance(tid, int) or (isinstance(tid, str) and tid.isdigit())
        tids.append(int(tid))
        times.append(timestamp(item["created_at"]))
    assert tids == sorted(tids, reverse=True), "trades are newest first"
    assert len(set(tids)) == len(tids), "a trade id is never repeated"
    assert times == sorted(times, reverse=True)


def check_available_books_like(body: Any, recorded: Any) -> None:
    """Books present in both answers carry the same order limits (amounts and values)."""
    ours = {item["book"]: item for item in payload(body)}
    for item in payload(recorded):
        if item["book"] in ours:
            for field in ("minimum_amount", "maximum_amount", "minimum_value", "maximum_value"):
                assert ours[item["book"]][field] == item[field], (item["book"], field)


OHLC_FIELDS = {
    "bucket_start_time",
    "first_trade_time",
    "last_trade_time",
    "first_rate",
    "last_rate",
    "min_rate",
    "max_rate",
    "trade_count",
    "volume",
    "vwap",
}


def check_ohlc(body: Any, bucket_ms: int) -> None:
    """The shape ccxt reads (no real recording exists): epoch-ms integers, price strings."""
    items = payload(body)
    assert isinstance(items, list)
    starts = []
    for item in items:
        assert set(item) == OHLC_FIELDS
        start, first, last = (
            item[k] for k in ("bucket_start_time", "first_trade_time", "last_trade_time")
        )
        assert all(isinstance(t, int) for t in (start, first, last))
        assert start % bucket_ms == 0 and start <= first <= last < start + bucket_ms
        low, high = number(item["min_rate"]), number(item["max_rate"])
        for key in ("first_rate", "last_rate", "vwap"):
            assert low <= number(item[key]) <= high, key
        assert isinstance(item["trade_count"], int) and item["trade_count"] > 0
        assert number(item["volume"]) > 0
        starts.append(start)
    assert starts == sorted(set(starts)), "buckets oldest first, once each"


def check_catalogues(body: Any) -> None:
    currencies = payload(body)["currencies"]["metadata"]
    assert currencies
    for item in currencies:
        assert (
            re.fullmatch(r"[a-z0-9]+", item["code"])
            and item["display_ticker"] == item["code"].upper()
        )
        assert isinstance(item["precision"], int) and item["type"] in ("crypto", "fiat")
        assert isinstance(item["full_name"], str)
