"""A third-party client, unmodified, against the simulator: ccxt's ``bitso`` class.

Only its REST URL is pointed at the simulator on loopback (and its client-side pacing of one
request per 2 s is switched off, to keep the test fast).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import ccxt
import pytest

from tests.fakes.exchange import RunningExchange


@pytest.fixture
def client(exchange: RunningExchange) -> Iterator[Any]:
    base = exchange.rest_url.removesuffix("/v3")
    bitso = ccxt.bitso({"urls": {"api": {"rest": f"{base}/api"}}, "enableRateLimit": False})
    try:
        yield bitso
    finally:
        bitso.close()


def test_ccxt_reads_markets_ticker_book_trades_and_candles(
    client: Any, exchange: RunningExchange
) -> None:
    markets = client.load_markets()
    assert {"BTC/MXN", "USD/MXN"} <= set(markets)
    btc = markets["BTC/MXN"]
    assert (btc["precision"]["amount"], btc["precision"]["price"]) == (1e-8, 10.0)
    assert btc["limits"]["amount"]["min"] == 0.00015, "the recorded minimum"

    ticker = client.fetch_ticker("BTC/MXN")
    book = client.fetch_order_book("BTC/MXN")
    best_bid, best_ask = book["bids"][0][0], book["asks"][0][0]
    assert best_bid < best_ask
    assert [p for p, _ in book["bids"]] == sorted((p for p, _ in book["bids"]), reverse=True)
    assert [p for p, _ in book["asks"]] == sorted(p for p, _ in book["asks"])
    mid = (best_bid + best_ask) / 2
    assert ticker["bid"] < ticker["ask"]
    assert abs(ticker["last"] / mid - 1) < 0.01
    assert ticker["low"] <= ticker["vwap"] <= ticker["high"]
    assert ticker["low"] <= ticker["last"] <= ticker["high"]
    assert 10 < ticker["baseVolume"] < 2_000, "a day of btc_mxn trading, in BTC"

    trades = client.fetch_trades("BTC/MXN")
    assert trades and all(t["amount"] > 0 and abs(t["price"] / mid - 1) < 0.02 for t in trades)
    times = [t["timestamp"] for t in trades]
    assert times == sorted(times), "ccxt sorts trades oldest first"

    candles = client.fetch_ohlcv("BTC/MXN", "1m", limit=120)
    assert len(candles) > 60
    stamps = [c[0] for c in candles]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
    for _, open_, high, low, close, volume in candles:
        assert low <= min(open_, close) <= max(open_, close) <= high
        assert volume >= 0
    assert abs(candles[-1][4] / mid - 1) < 0.02
    assert exchange.request_count("/api/v3/") >= 6


def test_ccxt_understands_the_error_envelope(client: Any) -> None:
    client.load_markets()
    with pytest.raises(ccxt.BadRequest, match="time_bucket"):  # ccxt maps code 0304
        client.fetch_ohlcv("BTC/MXN", "2m")
    with pytest.raises(ccxt.ExchangeError, match="1401"):
        client.request("no_such_endpoint", "public", "GET", {})
