"""Parsing at the boundary: the real files' timestamp and amount quirks, headers."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bitsodata.errors import SchemaMismatchError
from bitsodata.warehouse.sources.lines import (
    SOURCES,
    BadValue,
    check_header,
    iter_chunks,
    parse_amount,
    parse_timestamp,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2020-01-10 14:11:05+00", datetime(2020, 1, 10, 14, 11, 5)),
        ("2020-01-10 14:11:05.6+00", datetime(2020, 1, 10, 14, 11, 5, 600000)),
        ("2020-01-10 14:11:05.63+00", datetime(2020, 1, 10, 14, 11, 5, 630000)),
        ("2020-01-10 14:11:05.482+00", datetime(2020, 1, 10, 14, 11, 5, 482000)),
        ("2020-01-10 14:11:05.4821+00", datetime(2020, 1, 10, 14, 11, 5, 482100)),
        ("2020-01-10 14:11:05.123456+00", datetime(2020, 1, 10, 14, 11, 5, 123456)),
        ("2020-01-10T14:11:05Z", datetime(2020, 1, 10, 14, 11, 5)),
        ("2020-01-10 23:30:00-03:00", datetime(2020, 1, 11, 2, 30)),
        ("2020-01-10 14:11:05", datetime(2020, 1, 10, 14, 11, 5)),
    ],
)
def test_timestamps(text: str, expected: datetime) -> None:
    assert parse_timestamp(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "2020-13-01 00:00:00+00", "2020-01-10", "yesterday", "2020-01-10 14:11:05.1234567+00"],
)
def test_bad_timestamps(text: str) -> None:
    with pytest.raises(BadValue, match="timestamp"):
        parse_timestamp(text)


def test_amounts_are_exact_with_18_decimals() -> None:
    assert parse_amount("10.000000000000000000") == Decimal(10)
    assert parse_amount("0.000000000000000001") == Decimal("1e-18")
    assert parse_amount("-10") == Decimal(-10)
    assert parse_amount("6827677768780.000000000000000000") == Decimal(6827677768780)


@pytest.mark.parametrize(
    "text", ["abc", "NaN", "inf", "1.0000000000000000001", "1e30", "", "1000000000000000"]
)
def test_bad_amounts(text: str) -> None:
    with pytest.raises(BadValue, match="amount"):
        parse_amount(text)


_LARGEST = Decimal("999999999999999.999999999999999999")


@given(
    st.decimals(min_value=Decimal(f"-{_LARGEST}"), max_value=_LARGEST, places=18, allow_nan=False)
)
def test_amount_round_trip(value: Decimal) -> None:
    assert parse_amount(format(value, "f")) == value


def test_header_mismatch(tmp_path: Path) -> None:
    path = tmp_path / "deposit_sample_data.csv"
    path.write_text("id,when,user_id,amount,currency,tx_status\n")
    with pytest.raises(SchemaMismatchError) as info:
        check_header(path, SOURCES["deposit"])
    assert info.value.missing == ["event_timestamp"]  # type: ignore[attr-defined]


def test_deposits_accept_an_interface_column_in_any_order(tmp_path: Path) -> None:
    path = tmp_path / "deposit_sample_data.csv"
    path.write_text(
        "user_id,id,event_timestamp,amount,interface,currency,tx_status\n\n"
        'u1,7,2020-01-01 00:00:00+00,"1.5",APP,MXN,Complete\n'
    )
    [(rows, bad, n_in)] = list(iter_chunks(path, SOURCES["deposit"]))
    assert (n_in, bad) == (1, [])
    assert rows[0][:-1] == (
        "deposit",
        7,
        "u1",
        datetime(2020, 1, 1),
        "mxn",
        Decimal("1.5"),
        "app",
        "complete",
    )


def test_wrong_field_count_is_a_bad_row(tmp_path: Path) -> None:
    path = tmp_path / "event_sample_data.csv"
    path.write_text("id,event_timestamp,user_id,event_name\n1,2020-01-01 00:00:00+00,u1\n")
    [(rows, bad, n_in)] = list(iter_chunks(path, SOURCES["event"]))
    assert rows == [] and n_in == 1 and bad[0].reason == "wrong number of fields"
