from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bitsodata.domain.windows import parse_iso_second
from bitsodata.lake.layout import (
    daily_key,
    is_legacy_key,
    legacy_window_key,
    parse_key,
    parse_window_key,
    rollup_key,
    spread_window_key,
    window_key,
)

CASES = [
    (
        "btc_mxn",
        "2022-04-30T04:10:00+00:00",
        "parquet",
        "spreads/btc_mxn/date=2022-04-30/hour=4/btc_mxn_20220430T041000Z.parquet",
    ),
    (
        "usd_mxn",
        "2024-12-31T23:50:00+00:00",
        "csv",
        "spreads/usd_mxn/date=2024-12-31/hour=23/usd_mxn_20241231T235000Z.csv",
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
    assert key == "spreads_daily/btc_mxn/date=2024-05-01/btc_mxn_20240501.parquet"


def test_version_1_keys_still_parse() -> None:
    key = "spreads/book=btc_mxn/date=2022-04-30/hour=04/btc_mxn_20220430T0410Z.parquet"
    tick = parse_iso_second("2022-04-30T04:10:00+00:00")
    assert legacy_window_key("btc_mxn", tick) == key
    assert parse_key(key).legacy and not parse_key(spread_window_key("btc_mxn", tick)).legacy
    assert parse_window_key(key) == ("btc_mxn", tick, "parquet")
    assert is_legacy_key(key) and not is_legacy_key(spread_window_key("btc_mxn", tick))


@given(st.integers(min_value=0, max_value=4_000_000_000), st.sampled_from([1, 10, 30, 60, 600]))
def test_names_sort_in_time_order(start: int, seconds: int) -> None:
    """Whatever the window length, sorting the names of a book's day sorts its windows."""
    start -= start % seconds
    names = [spread_window_key("btc_mxn", start + i * seconds).rsplit("/", 1)[1] for i in range(8)]
    same_day = [n for n in names if n[8:16] == names[0][8:16]]
    assert same_day == sorted(same_day)


def test_hour_folders_have_no_leading_zero_and_tables_share_the_layout() -> None:
    tick = parse_iso_second("2024-05-01T08:00:00+00:00")
    assert "/hour=8/" in spread_window_key("btc_mxn", tick)
    assert window_key("depth", "btc_mxn", tick).startswith("depth/btc_mxn/date=2024-05-01/hour=8/")
    with pytest.raises(ValueError):
        window_key("trades", "btc_mxn", tick)


def test_rollup_key_is_a_table_of_its_own() -> None:
    key = rollup_key("btc_mxn", date(2024, 5, 1))
    assert key == "spreads_minute/btc_mxn/date=2024-05-01/btc_mxn_20240501.parquet"
    with pytest.raises(ValueError):
        rollup_key("BTC/MXN", date(2024, 5, 1))


@pytest.mark.parametrize("name", ["btc_mxn_20241301T0000Z.parquet", "btc_mxn_20240230T1200Z.csv"])
def test_window_names_with_impossible_dates_are_not_window_files(name: str) -> None:
    with pytest.raises(ValueError):
        parse_key(f"spreads/btc_mxn/date=2024-01-01/hour=0/{name}")
