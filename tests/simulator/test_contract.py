"""The same client-side contract holds for the simulator and for recorded real Bitso responses."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fakes.exchange import RunningExchange
from tests.simulator import contract

SAMPLES = "bitso_api_samples"
Fetch = Callable[[str, str], Any]


@pytest.fixture(params=["recorded", "simulator"])
def fetch(request: pytest.FixtureRequest) -> Fetch:
    """``fetch(endpoint, query)`` -> decoded body, from a recording or from the simulator."""
    if request.param == "recorded":
        data: Path = request.getfixturevalue("shared_data") / SAMPLES
        files = {
            "order_book": "bitso-java_publicOrderBook.json",
            "ticker": "bitso-java_publicTicker.json",
            "available_books": "bitso-java_publicAvailableBooks.json",
            "trades": "bitso-java_publicTrades.json",
        }
        return lambda endpoint, query: json.loads((data / files[endpoint]).read_text())
    ex: RunningExchange = request.getfixturevalue("exchange")
    return lambda endpoint, query: httpx.get(f"{ex.rest_url}/{endpoint}/{query}").json()


def test_order_book(fetch: Fetch) -> None:
    contract.check_order_book(fetch("order_book", "?book=btc_mxn"), "btc_mxn")


def test_ticker_of_every_book(fetch: Fetch) -> None:
    contract.check_tickers(fetch("ticker", ""))


def test_available_books(fetch: Fetch) -> None:
    contract.check_available_books(fetch("available_books", ""))


def test_trades(fetch: Fetch) -> None:
    contract.check_trades(fetch("trades", "?book=btc_mxn"), "btc_mxn")


def test_order_limits_are_the_recorded_ones(exchange: RunningExchange, shared_data: Path) -> None:
    recorded = json.loads(
        (shared_data / SAMPLES / "bitso-java_publicAvailableBooks.json").read_text()
    )
    ours = httpx.get(f"{exchange.rest_url}/available_books/").json()
    contract.check_available_books_like(ours, recorded)
    assert "btc_mxn" in {item["book"] for item in ours["payload"]}


def test_the_contract_catches_a_ticker_whose_high_never_moved() -> None:
    stale = {
        "book": "btc_mxn",
        "volume": "10",
        "high": "1100000",
        "low": "1000000",
        "last": "1150000",
        "vwap": "1050000",
        "ask": "1150010",
        "bid": "1149990",
        "created_at": "2024-05-28T23:08:33+00:00",
    }
    with pytest.raises(AssertionError):
        contract.check_ticker(stale)


def test_unknown_book_error_matches_the_recorded_envelope(exchange: RunningExchange) -> None:
    # recorded in two independent public client fixtures (reference/bitso-api.md §3.2)
    recorded = {"success": False, "error": {"code": "0301", "message": "Unknown OrderBook"}}
    response = httpx.get(f"{exchange.rest_url}/order_book/?book=doge_mxn")
    assert response.status_code == 400
    assert response.json() == recorded
    contract.check_error(response.json(), "0301")


def test_the_contract_catches_a_float_price() -> None:
    bad = {
        "success": True,
        "payload": {
            "updated_at": "2024-05-28T23:08:33+00:00",
            "sequence": "1",
            "bids": [{"book": "btc_mxn", "price": 1.5, "amount": "1"}],
            "asks": [],
        },
    }
    with pytest.raises(AssertionError):
        contract.check_order_book(bad, "btc_mxn")
