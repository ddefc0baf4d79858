"""Depth rows in the collector: one per book per second, journaled with the spread rows, written
as a ``depth/`` window beside each ``spreads/`` window, and rebuilt exactly after a crash."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from bitsodata.clock import FakeClock
from bitsodata.domain.book import OrderBook, PriceLevel
from bitsodata.domain.depth import parse_size, row_metric_names
from bitsodata.exchange.books import BookView, TopLevels
from bitsodata.lake.depthfile import decode_depth_window
from bitsodata.lake.layout import window_key
from bitsodata.lake.storage import MemoryStorage
from bitsodata.lake.windowfile import FILE_COLUMNS, decode_table
from bitsodata.monitor.service import Collector
from tests.monitor.helpers import BOOKS, T0, make_collector, top

D = Decimal
WS = 10
SIZES = {
    "btc_mxn": (parse_size("0.1 btc", "btc_mxn"), parse_size("1 btc", "btc_mxn")),
    "usd_mxn": (parse_size("1000 usd", "usd_mxn"),),
}


def view(tick: int) -> BookView:
    bids = (PriceLevel(D("100"), D("0.5"), "a"), PriceLevel(D("99"), D("1"), "b"))
    asks = (PriceLevel(D("101"), D("0.5"), "c"), PriceLevel(D("102"), D("0.25"), "d"))
    return BookView("orders", TopLevels(OrderBook("btc_mxn", bids, asks)), None, tick - 0.25)


def run(collector: Collector, clock: FakeClock, ticks: range, book_gone: set[int]) -> None:
    feed = collector.parts.feed
    for tick in ticks:
        clock.set(tick + 0.001)
        for book in BOOKS:
            feed.set_top(top(book, received_at=tick - 0.5))  # type: ignore[attr-defined]
        feed.set_view("btc_mxn", None if tick in book_gone else view(tick))  # type: ignore[attr-defined]
        collector.tick(tick)


def depth_file(storage: MemoryStorage, book: str, start: int) -> dict[str, list[object]]:
    data = storage.get(window_key("depth", book, start, "parquet"))
    return decode_depth_window(data, "parquet", SIZES[book]).to_pydict()


def test_every_window_gets_a_depth_file_of_one_row_per_second(tmp_path: Path) -> None:
    clock = FakeClock(T0)
    collector, storage, _feed, _sink = make_collector(tmp_path, clock, depth_sizes=SIZES)
    collector.start()
    run(collector, clock, range(T0, T0 + 2 * WS), book_gone={T0 + 3})
    collector.writer.write_now()
    for start in (T0, T0 + WS):
        for book in BOOKS:
            cols = depth_file(storage, book, start)
            assert len(cols["orderbook_timestamp"]) == WS
            assert list(cols)[9:] == row_metric_names(SIZES[book])
    btc = depth_file(storage, "btc_mxn", T0)
    assert btc["depth_source"][2:5] == ["orders", None, "orders"]  # second 3 had no book
    assert btc["depth_0p5pct_bid_base"][0] == 0.5 and btc["mid"][0] == 100.5
    assert btc["avg_price_buy_1btc"][0] is None and btc["filled_buy_1btc"][0] == 0.75
    assert btc["slippage_buy_0p1btc_bp"][0] == 49.7512437810945  # 0.5 / 100.5 * 10^4
    assert btc["age_ms"][0] == 250 and btc["levels_bid"][0] == 2
    assert set(depth_file(storage, "usd_mxn", T0)["depth_source"]) == {None}  # no book at all
    # The brief's spread files keep exactly their columns.
    spreads = decode_table(storage.get(window_key("spreads", "btc_mxn", T0, "parquet")), "parquet")
    assert tuple(spreads.column_names) == FILE_COLUMNS


def test_a_crash_mid_window_loses_no_depth_row(tmp_path: Path) -> None:
    clock = FakeClock(T0)
    first, storage, _feed, _sink = make_collector(tmp_path, clock, depth_sizes=SIZES)
    first.start()
    run(first, clock, range(T0, T0 + 6), book_gone=set())  # then dies without writing anything
    clock.set(T0 + 7.001)
    second, _s, _f, _k = make_collector(tmp_path, clock, storage=storage, depth_sizes=SIZES)
    second.start()
    run(second, clock, range(T0 + 7, T0 + WS), book_gone=set())
    second.writer.write_now()
    sources = depth_file(storage, "btc_mxn", T0)["depth_source"]
    assert sources == ["orders"] * 6 + [None] + ["orders"] * 3  # second 6 was the downtime


def test_a_replay_of_the_lake_sees_the_stored_depth(tmp_path: Path) -> None:
    from bitsodata.alerts.replay import replay_lake
    from bitsodata.alerts.rules import parse_rules

    clock = FakeClock(T0)
    collector, storage, _feed, _sink = make_collector(tmp_path, clock, depth_sizes=SIZES)
    collector.start()
    run(collector, clock, range(T0, T0 + WS), book_gone={T0 + 4, T0 + 5})
    collector.writer.write_now()
    rules = parse_rules(
        '[[rule]]\nname = "short-1btc"\nbook = "btc_mxn"\nmetric = "filled_buy_1btc"\nbelow = 1\n'
    )
    report = replay_lake(storage, rules, T0, T0 + WS)
    assert [(e.state, e.at) for e in report.events] == [("FIRING", T0)]  # 0.75 of 1 BTC there
    assert [e.rule for e in report.still_firing] == ["short-1btc"]  # no book: not resolved
