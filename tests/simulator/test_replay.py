"""Replay mode: recorded observations drive the books; clients see the recorded bid and ask."""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from bitsodata.clock import FakeClock
from bitsodata.errors import ConfigError
from bitsodata.simulator import FaultSet, SimConfig
from bitsodata.simulator.orderbook import ASK, BID
from bitsodata.simulator.replay import load
from bitsodata.simulator.server import build_exchange
from tests.fakes.exchange import RunningExchange

OBS = "bitso_observations"
LOHEMILIO = "lohemilio_bitso_srde_technical_challenge/year=2024/month=5/day=28/hour=23/minute=18"
SAMUEL = "samuelrojolopez_de_technical_challenge/usd_mxn/2024/05/26/11/30"


def test_every_recorded_row_is_reproduced(shared_data: Path) -> None:
    path = shared_data / OBS / LOHEMILIO / "order_book_data.csv"
    recorded = load([path])
    ex = build_exchange(
        SimConfig(books=(), replay=(path,), replay_loop=False), FaultSet(), FakeClock()
    )
    origin = min(rows[0].at for rows in recorded.values())
    events = sorted((row.at - origin, book, row) for book, rows in recorded.items() for row in rows)
    last: dict[str, Any] = {}
    checked = 0
    for i, (offset, name, row) in enumerate(events):
        last[name] = row
        if i + 1 < len(events) and events[i + 1][0] == offset:
            continue  # several rows at one second: the last one stands
        ex.advance_to(offset)
        for book, want in last.items():
            state = ex.books[book].book
            assert (state.best(BID), state.best(ASK)) == (want.bid, want.ask), (book, offset)
            checked += 1
    assert checked > 600
    assert recorded["btc_mxn"][0].bid == Decimal("1148290")


def test_replayed_prices_are_spelled_on_the_book_grid(
    shared_data: Path, make_exchange: Callable[..., RunningExchange]
) -> None:
    # the recording has floats: 1164930.0 and 17.52
    folder = shared_data / OBS / "leonardovd01_challenge_1_bitso"
    ex = make_exchange(replay=(folder,), autorun=False)
    tickers = {t["book"]: t for t in httpx.get(f"{ex.rest_url}/ticker/").json()["payload"]}
    assert tickers["btc_mxn"]["bid"] == "1164930"
    assert tickers["usd_mxn"]["bid"] == "17.520"


def test_rest_serves_the_recorded_top_of_book_from_parquet(
    shared_data: Path, make_exchange: Callable[..., RunningExchange]
) -> None:
    folder = shared_data / OBS / SAMUEL
    ex = make_exchange(books=("btc_mxn",), replay=(folder,), autorun=False, update_rate=1.0)
    rows = load([folder])["usd_mxn"]
    body = httpx.get(f"{ex.rest_url}/order_book/?book=usd_mxn").json()["payload"]
    assert Decimal(body["bids"][0]["price"]) == rows[0].bid
    assert Decimal(body["asks"][0]["price"]) == rows[0].ask
    ex.advance(rows[-1].at - rows[0].at)
    ticker = httpx.get(f"{ex.rest_url}/ticker/?book=usd_mxn").json()["payload"]
    assert (Decimal(ticker["bid"]), Decimal(ticker["ask"])) == (rows[-1].bid, rows[-1].ask)
    assert "btc_mxn" in httpx.get(f"{ex.rest_url}/ticker/").text, "synthetic books run beside"


def test_replay_of_a_file_without_the_columns_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "x.csv"
    bad.write_text("time,book,price\n2024-01-01T00:00:00+00:00,btc_mxn,1\n")
    with pytest.raises(ConfigError):
        load([bad])
    with pytest.raises(ConfigError):
        load([tmp_path / "missing.csv"])


def test_times_without_an_offset_are_utc_whatever_the_local_zone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "naive.csv"
    path.write_text("orderbook_timestamp,book,bid,ask\n2024-01-01T00:00:00,btc_mxn,1,2\n")
    monkeypatch.setenv("TZ", "America/Mexico_City")
    time.tzset()
    try:
        rows = load([path])
    finally:
        monkeypatch.undo()
        time.tzset()
    assert rows["btc_mxn"][0].at == 1_704_067_200.0  # 2024-01-01T00:00:00Z
