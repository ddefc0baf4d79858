from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from bitsodata.domain.book import OrderBook, PriceLevel, TopOfBook, spread_percent
from bitsodata.domain.observation import Observation
from bitsodata.domain.windows import iso_second, parse_iso_second, window_start, window_ticks

prices = st.decimals(min_value="0.001", max_value="10000000", places=3)


def top(bid: str | None, ask: str | None) -> TopOfBook:
    return TopOfBook(
        "btc_mxn",
        Decimal(bid) if bid else None,
        Decimal(ask) if ask else None,
        None,
        0.0,
        "ws",
    )


def test_spread_matches_the_brief_example() -> None:
    s = spread_percent(Decimal("790333.41"), Decimal("790961.89"))
    assert round(float(s), 3) == 0.079


def test_crossed_and_empty_books_have_no_spread() -> None:
    assert top("100", "99").is_crossed and top("100", "99").spread is None
    assert top("100", "100").is_crossed
    assert top(None, "99").is_empty and top(None, "99").spread is None
    assert top("1", None).spread is None


@given(prices, prices)
def test_spread_of_an_uncrossed_book_is_positive_and_below_100(a: Decimal, b: Decimal) -> None:
    bid, ask = min(a, b), max(a, b)
    t = TopOfBook("x", bid, ask, None, 0.0, "rest")
    if bid == ask:
        assert t.spread is None
    else:
        assert t.spread is not None and Decimal(0) < t.spread < Decimal(100)


def test_top_of_book_takes_best_prices_whatever_the_order() -> None:
    ob = OrderBook(
        "usd_mxn",
        bids=(PriceLevel(Decimal("16.781"), Decimal(1)), PriceLevel(Decimal("16.782"), Decimal(1))),
        asks=(PriceLevel(Decimal("16.795"), Decimal(1)), PriceLevel(Decimal("16.791"), Decimal(1))),
    )
    t = ob.top(received_at=1.0, source="rest")
    assert (t.bid, t.ask) == (Decimal("16.782"), Decimal("16.791"))


def test_windows_are_clock_aligned() -> None:
    tick = parse_iso_second("2022-04-30T04:17:26+00:00")
    start = window_start(tick, 600)
    assert iso_second(start) == "2022-04-30T04:10:00+00:00"
    ticks = window_ticks(start, 600)
    assert len(ticks) == 600 and tick in ticks


@given(st.integers(min_value=0, max_value=4_000_000_000))
def test_iso_second_round_trips(tick: int) -> None:
    assert parse_iso_second(iso_second(tick)) == tick


def test_missing_observation_has_null_prices() -> None:
    o = Observation.missing(1_651_291_826, "btc_mxn")
    assert o.status == "missing" and o.bid is None and o.spread is None
    assert o.orderbook_timestamp == "2022-04-30T04:10:26+00:00"
