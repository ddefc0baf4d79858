"""What third-party clients read besides the book: markets, currencies, a rolling day, candles,
deep trade history, Bitso's errors for anything else, and ids that survive a restart."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal

import aiohttp
import httpx
import pytest

from bitsodata.simulator import FaultSet
from bitsodata.simulator.engine import Exchange
from bitsodata.simulator.tape import DAY_MS
from tests.fakes.exchange import RunningExchange
from tests.simulator import contract

Make = Callable[..., RunningExchange]
START_MS = 1_716_937_713_000


def get(ex: RunningExchange, path: str) -> httpx.Response:
    return httpx.get(f"{ex.rest_url}{path}")


def test_catalogues_list_the_currencies_of_the_books(exchange: RunningExchange) -> None:
    body = get(exchange, "/catalogues").json()
    contract.check_catalogues(body)
    precision = {c["code"]: c["precision"] for c in body["payload"]["currencies"]["metadata"]}
    assert precision == {"btc": 8, "mxn": 2, "usd": 2}


def test_candles_add_up_to_the_ticker_day(make_exchange: Make) -> None:
    ex = make_exchange(autorun=False, start_epoch=START_MS / 1000)
    ex.advance(30)
    now = ex.call(ex.server.exchange.now_ms)
    body = get(ex, "/ohlc?book=btc_mxn&time_bucket=60&start=0").json()
    contract.check_ohlc(body, 60_000)
    day = [c for c in body["payload"] if c["bucket_start_time"] >= now - DAY_MS]
    ticker = get(ex, "/ticker?book=btc_mxn").json()["payload"]
    assert sum(Decimal(c["volume"]) for c in day) == Decimal(ticker["volume"])
    assert max(Decimal(c["max_rate"]) for c in day) == Decimal(ticker["high"])
    assert min(Decimal(c["min_rate"]) for c in day) == Decimal(ticker["low"])
    assert sum(c["trade_count"] for c in day) > 1_000, "a day of trades at the recorded rate"
    hourly = get(ex, f"/ohlc?book=btc_mxn&time_bucket=3600&start={now - 6 * 3_600_000}").json()
    contract.check_ohlc(hourly, 3_600_000)
    assert 6 <= len(hourly["payload"]) <= 7


@pytest.mark.parametrize("query", ["", "&time_bucket=61", "&time_bucket=60&start=yesterday"])
def test_ohlc_rejects_a_bad_bucket_or_bound(exchange: RunningExchange, query: str) -> None:
    response = get(exchange, f"/ohlc?book=btc_mxn{query}")
    assert response.status_code == 400
    contract.check_error(response.json(), "0304")


def test_the_day_rolls_instead_of_piling_up(make_exchange: Make) -> None:
    ex = make_exchange(autorun=False, start_epoch=START_MS / 1000)
    before = get(ex, "/ticker?book=btc_mxn").json()["payload"]
    ex.advance(600)
    after = get(ex, "/ticker?book=btc_mxn").json()["payload"]
    ratio = Decimal(after["volume"]) / Decimal(before["volume"])
    assert Decimal("0.9") < ratio < Decimal("1.1"), "ten minutes in a day change it little"
    assert 10 < Decimal(after["volume"]) < 2_000, "btc_mxn trades tens to hundreds of BTC a day"


def test_trades_page_back_through_a_thousand_trades(exchange: RunningExchange) -> None:
    tids: list[int] = []
    marker = ""
    for _ in range(10):
        page = get(exchange, f"/trades?book=btc_mxn&limit=100{marker}").json()["payload"]
        assert len(page) == 100
        tids += [int(t["tid"]) for t in page]
        marker = f"&marker={page[-1]['tid']}"
    assert tids == sorted(set(tids), reverse=True)


@pytest.mark.parametrize(
    "path", ["/v3/balance", "/v3/nothing/here", "/api/v4/ticker", "/favicon.ico"]
)
def test_unknown_paths_get_the_error_envelope(exchange: RunningExchange, path: str) -> None:
    response = httpx.get(exchange.rest_url.removesuffix("/v3") + path)
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("application/json")
    contract.check_error(response.json(), "1401")


def test_other_methods_get_the_error_envelope(exchange: RunningExchange) -> None:
    response = httpx.post(f"{exchange.rest_url}/ticker", json={"book": "btc_mxn"})
    assert response.status_code == 400
    contract.check_error(response.json(), "0901")


def test_unknown_paths_count_against_the_rate_limit(make_exchange: Make) -> None:
    ex = make_exchange(rate_limit=3)
    for _ in range(3):
        assert get(ex, "/no_such_thing").status_code == 404
    refused = get(ex, "/ticker?book=btc_mxn")
    assert refused.status_code == 420
    contract.check_error(refused.json(), "0801")
    assert ex.request_count("/v3/no_such_thing") == 3


async def test_the_websocket_answers_at_the_root(exchange: RunningExchange) -> None:
    root = exchange.ws_url.removesuffix("/ws") + "/"
    async with aiohttp.ClientSession() as s, s.ws_connect(root) as ws:
        await ws.send_str(json.dumps({"action": "subscribe", "book": "btc_mxn", "type": "trades"}))
        ack = json.loads((await ws.receive(timeout=5)).data)
    assert ack["response"] == "ok"
    plain = httpx.get(exchange.rest_url.removesuffix("/v3") + "/")
    assert plain.status_code == 404
    contract.check_error(plain.json(), "1401")


def test_sequences_and_trade_ids_keep_growing_across_a_restart() -> None:
    first = Exchange(("btc_mxn",), seed=5, faults=FaultSet(), start_ms=START_MS)
    first.advance(300)
    before = first.books["btc_mxn"]
    restarted = Exchange(("btc_mxn",), seed=5, faults=FaultSet(), start_ms=START_MS + 301_000)
    after = restarted.books["btc_mxn"]
    assert after.sequence > before.sequence
    newest = max(t.tid for t in before.trades)
    restarted.advance(300)
    fresh = [t.tid for t in after.trades if t.fill.at_ms > START_MS + 301_000]
    assert fresh and min(fresh) > newest
