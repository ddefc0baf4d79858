"""The parsing adapter on hand-written edge cases and on real recorded responses."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from bitsodata.errors import ApiError, PayloadError, RateLimitedError
from bitsodata.exchange.parse import (
    Control,
    DiffOrdersMessage,
    OrdersMessage,
    loads,
    parse_order_book,
    parse_ticker,
    parse_ws_message,
    unwrap,
)


def test_real_order_book_parses_exactly(shared_data: Path) -> None:
    body = loads((shared_data / "bitso_api_samples/bitso-java_publicOrderBook.json").read_text())
    ob = parse_order_book(unwrap(body, status=200), "btc_mxn")
    t = ob.top(received_at=0.0, source="rest")
    assert t.bid == Decimal("46850.01") and t.ask == Decimal("46990.00")
    assert ob.sequence == 18805917
    assert len(ob.bids) == 32 and len(ob.asks) == 34


def test_real_ticker_list_parses(shared_data: Path) -> None:
    body = json.loads((shared_data / "bitso_api_samples/bitso-java_publicTicker.json").read_text())
    tickers = [parse_ticker(p) for p in unwrap(body)]
    assert len(tickers) == 6 and all(t.bid <= t.ask for t in tickers)


def test_error_envelopes() -> None:
    with pytest.raises(ApiError) as info:
        unwrap(
            {"success": False, "error": {"code": "0301", "message": "Unknown OrderBook"}},
            status=400,
        )
    assert info.value.context["code"] == "0301"
    with pytest.raises(RateLimitedError):
        unwrap({"success": False, "error": {"code": "0801", "message": "rate"}}, status=420)
    with pytest.raises(RateLimitedError):  # numeric legacy code, status 429
        unwrap({"success": False, "error": {"code": 801, "message": "rate"}}, status=429)


def test_html_page_is_a_payload_error() -> None:
    with pytest.raises(PayloadError, match="not JSON"):
        loads("<html><body>Access denied</body></html>")


def test_ws_control_and_data_messages() -> None:
    ack = parse_ws_message(
        '{"action":"subscribe","response":"ok","time":1716937713045,"type":"orders"}'
    )
    assert isinstance(ack, Control) and ack.response == "ok"
    assert isinstance(parse_ws_message('{"type":"ka"}'), Control)
    msg = parse_ws_message(
        '{"type":"orders","book":"usd_mxn","sent":1716937714450,"payload":{"bids":'
        '[{"o":"a","r":"16.782","a":"1","v":"16.782","t":1,"d":1,"s":"undefined"}],'
        '"asks":[{"o":"b","r":"16.791","a":"1","v":"1","t":1,"d":1,"s":"undefined"}]}}'
    )
    assert isinstance(msg, OrdersMessage)
    top = msg.book.top(received_at=0.0, source="ws")
    assert top.bid == Decimal("16.782") and top.ask == Decimal("16.791")
    diff = parse_ws_message(
        '{"type":"diff-orders","book":"btc_mxn","sequence":58211907,"payload":[]}'
    )
    assert isinstance(diff, DiffOrdersMessage) and diff.sequence == 58211907


def test_malformed_ws_data_is_rejected() -> None:
    with pytest.raises(PayloadError):
        parse_ws_message('{"type":"orders","book":"x","payload":{"bids":[{"r":"abc","a":"1"}]}}')
    with pytest.raises(PayloadError):
        parse_ws_message('{"type":"orders","payload":{}}')
    with pytest.raises(PayloadError, match="positive"):  # no spread could be computed from it
        parse_ws_message(
            '{"type":"orders","book":"x","payload":{"bids":[{"r":"-1","a":"1"}],'
            '"asks":[{"r":"0","a":"1"}]}}'
        )


def test_diff_orders_entries_become_typed_order_changes() -> None:
    msg = parse_ws_message(
        '{"type":"diff-orders","book":"btc_mxn","sequence":58211907,"sent":1716937714102,'
        '"payload":[{"o":"Q3k","d":1,"r":"1148290","t":0,"a":"0.00600000","v":"6889.74",'
        '"s":"open"},{"o":"Tr5","d":1,"r":"1150090","t":1,"s":"cancelled","z":2},'
        '{"o":"h7Y","d":1,"r":"1148290","t":0,"s":"completed","z":3},'
        '{"o":"old","d":1,"r":"1150090","t":1,"v":"1"},'
        '{"o":"mkt","d":1,"r":"0","t":1,"a":"1","v":"0","s":"open"}]}'
    )
    assert isinstance(msg, DiffOrdersMessage) and msg.diff.sequence == 58211907
    changes = msg.diff.changes
    assert [(c.oid, c.side, c.amount) for c in changes] == [
        ("Q3k", "bid", Decimal("0.00600000")),
        ("Tr5", "ask", None),  # cancelled
        ("h7Y", "bid", None),  # completed
        ("old", "ask", None),  # a pre-2023 removal: no amount
    ]  # the market order (price 0) never rests, so it is not a change of the book
    with pytest.raises(PayloadError, match="side"):
        parse_ws_message(
            '{"type":"diff-orders","book":"x","sequence":1,"payload":[{"o":"a","r":"1","t":2}]}'
        )
