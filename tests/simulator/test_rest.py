"""REST details a client must cope with: paths, parameters, decimals, depth, oids, errors."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.fakes.exchange import RunningExchange
from tests.simulator import contract


def get(ex: RunningExchange, path: str, prefix: str = "/v3") -> httpx.Response:
    base = ex.rest_url.removesuffix("/v3") + prefix
    return httpx.get(base + path)


@pytest.mark.parametrize("prefix", ["/v3", "/api/v3"])
@pytest.mark.parametrize("slash", ["", "/"])
def test_every_path_spelling_answers(exchange: RunningExchange, prefix: str, slash: str) -> None:
    for endpoint in ("available_books", "ticker", "order_book", "trades"):
        query = "" if endpoint in ("available_books", "ticker") else "?book=usd_mxn"
        response = get(exchange, f"/{endpoint}{slash}{query}", prefix)
        assert response.status_code == 200, (endpoint, response.text)
        assert response.json()["success"] is True
    assert exchange.request_count("/v3/order_book") == 1
    assert exchange.request_count(f"{prefix}/ticker{slash}") == 1


@pytest.mark.parametrize("spelling", ["true", "True", "TRUE", "false", "False"])
def test_aggregate_is_case_insensitive(exchange: RunningExchange, spelling: str) -> None:
    body = get(exchange, f"/order_book/?book=btc_mxn&aggregate={spelling}").json()
    aggregated = spelling.lower() == "true"
    contract.check_order_book(body, "btc_mxn", aggregated=aggregated)


def test_unaggregated_book_has_oids_and_several_orders_per_price(exchange: RunningExchange) -> None:
    full = get(exchange, "/order_book/?book=btc_mxn&aggregate=false").json()["payload"]
    agg = get(exchange, "/order_book/?book=btc_mxn").json()["payload"]
    bids = full["bids"]
    assert all(re.fullmatch(r"[A-Za-z0-9]{16}", b["oid"]) for b in bids)
    assert len({b["oid"] for b in bids}) == len(bids)
    prices = [b["price"] for b in bids]
    assert len(set(prices)) < len(prices), "some price carries several orders"
    # the aggregated level is the sum of the orders at that price
    best = agg["bids"][0]
    total = sum(Decimal(b["amount"]) for b in bids if b["price"] == best["price"])
    assert Decimal(best["amount"]) == total
    assert len(agg["bids"]) <= 50 and len(agg["asks"]) <= 50


def test_numbers_have_realistic_varying_decimals(exchange: RunningExchange) -> None:
    btc = get(exchange, "/order_book/?book=btc_mxn&aggregate=false").json()["payload"]
    usd = get(exchange, "/order_book/?book=usd_mxn").json()["payload"]
    btc_prices = [e["price"] for e in btc["bids"] + btc["asks"]]
    assert all(p.isdigit() and int(p) % 10 == 0 for p in btc_prices), "btc_mxn tick is 10 MXN"
    assert all(re.fullmatch(r"\d+\.\d{3}", e["price"]) for e in usd["bids"] + usd["asks"])
    amounts = [e["amount"] for e in btc["bids"] + btc["asks"]]
    decimals = {len(a.partition(".")[2]) for a in amounts}
    assert max(decimals) == 8 and len(decimals) > 1, "amounts: 8 decimals or fewer, varying"
    best_bid = Decimal(btc["bids"][0]["price"])
    assert Decimal("1000000") < best_bid < Decimal("1300000")
    assert Decimal("15") < Decimal(usd["bids"][0]["price"]) < Decimal("19")


def test_sequence_is_quoted_and_beyond_32_bits(exchange: RunningExchange) -> None:
    data = get(exchange, "/order_book/?book=btc_mxn").json()["payload"]
    assert isinstance(data["sequence"], str)
    assert int(data["sequence"]) > 2**31


def test_ticker_one_book_is_an_object_all_books_a_list(exchange: RunningExchange) -> None:
    one = get(exchange, "/ticker/?book=usd_mxn").json()["payload"]
    every = get(exchange, "/ticker/").json()["payload"]
    assert isinstance(one, dict) and one["book"] == "usd_mxn"
    contract.check_ticker(one)
    assert [t["book"] for t in every] == ["btc_mxn", "usd_mxn"]
    book = get(exchange, "/order_book/?book=usd_mxn").json()["payload"]
    assert one["bid"] == book["bids"][0]["price"] and one["ask"] == book["asks"][0]["price"]


@pytest.mark.parametrize("book", ["doge_mxn", "BTC_MXN", "btcmxn", ""])
@pytest.mark.parametrize("endpoint", ["ticker", "order_book", "trades"])
def test_unknown_books_get_0301(exchange: RunningExchange, endpoint: str, book: str) -> None:
    response = get(exchange, f"/{endpoint}/?book={book}")
    assert response.status_code == 400
    contract.check_error(response.json(), "0301")


def test_trades_paginate(exchange: RunningExchange) -> None:
    first = get(exchange, "/trades/?book=btc_mxn&limit=5").json()["payload"]
    assert len(first) == 5
    older = get(exchange, f"/trades/?book=btc_mxn&limit=5&marker={first[-1]['tid']}").json()
    tids: list[Any] = [t["tid"] for t in first + older["payload"]]
    assert tids == sorted(tids, reverse=True) and len(set(tids)) == 10
    asc = get(exchange, "/trades/?book=btc_mxn&sort=asc&limit=3").json()["payload"]
    assert [t["tid"] for t in asc] == sorted(t["tid"] for t in asc)
    bad = get(exchange, "/trades/?book=btc_mxn&limit=1000")
    assert bad.status_code == 400
    contract.check_error(bad.json(), "0320")


def test_extra_books_get_generic_prices(make_exchange: Any) -> None:
    ex = make_exchange(books=("btc_mxn", "eth_mxn", "sol_mxn", "xrp_usd"), extra_books=2)
    names = [b["book"] for b in get(ex, "/available_books/").json()["payload"]]
    assert names == ["btc_mxn", "eth_mxn", "sol_mxn", "xrp_usd", "sim001_mxn", "sim002_mxn"]
    for name in names:
        contract.check_order_book(get(ex, f"/order_book/?book={name}").json(), name)
