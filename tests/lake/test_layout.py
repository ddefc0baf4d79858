from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bitsodata.domain.windows import parse_iso_second
from bitsodata.lake.layout import daily_key, parse_window_key, spread_window_key

CASES = [
    (
        "btc_mxn",
        "2022-04-30T04:10:00+00:00",
        "parquet",
        "spreads/book=btc_mxn/date=2022-04-30/hour=04/btc_mxn_20220430T0410Z.parquet",
    ),
    (
        "usd_mxn",
        "2024-12-31T23:50:00+00:00",
        "csv",
        "spreads/book=usd_mxn/date=2024-12-31/hour=23/usd_mxn_20241231T2350Z.csv",
    ),
]


@pytest.mark.parametrize(("book", "start", "fmt", "key"), CASES)
def test_window_keys(book: str, start: str, fmt: str, key: str) -> None:
    tick = parse_iso_second(start)
    assert spread_window_key(book, tick, fmt) == key
    assert parse_window_key(key) == (book, tick, fmt)


@pytest.mark.parametrize("book", ["BTC_MXN", "../etc", "btc-mxn", ""])
def test_bad_book_ids_are_refused(book: str) -> None:
    with pytest.raises(ValueError):
        spread_window_key(book, 0)


@given(st.integers(min_value=0, max_value=4_000_000_000).map(lambda t: t - t % 60))
def test_key_round_trip(start: int) -> None:
    assert parse_window_key(spread_window_key("eth_mxn", start))[1] == start


@given(st.integers(min_value=0, max_value=4_000_000_000).map(lambda t: t - t % 10))
def test_short_windows_get_distinct_names(start: int) -> None:
    """10-second demo windows: six per minute, each its own file, and the name parses back."""
    keys = {spread_window_key("btc_mxn", start + 10 * i) for i in range(6)}
    assert len(keys) == 6
    assert parse_window_key(spread_window_key("btc_mxn", start)) == ("btc_mxn", start, "parquet")


def test_daily_key_is_apart_from_windows() -> None:
    key = daily_key("btc_mxn", date(2024, 5, 1))
    assert key == "spreads_daily/book=btc_mxn/date=2024-05-01/btc_mxn_20240501.parquet"
