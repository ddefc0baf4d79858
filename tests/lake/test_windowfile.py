"""Window files: lossless Parquet/CSV round trips, the brief's columns first, a checked writer."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bitsodata.domain.observation import STATUSES, Observation
from bitsodata.errors import LakeError, WindowRejected
from bitsodata.lake.storage import LocalStorage
from bitsodata.lake.windowfile import FILE_COLUMNS, decode_window, encode_window, write_window
from tests.lake.helpers import DAY0, window

# Up to 15 significant digits: every such decimal is exactly representable as a float64 round trip.
prices = st.decimals(
    min_value=Decimal("0.00000001"), max_value=Decimal("9999999.99999999"), places=8
)


def maybe(values: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    return st.none() | values


observations = st.builds(
    Observation,
    tick=st.integers(min_value=0, max_value=4_102_444_799),
    book=st.sampled_from(["btc_mxn", "usd_mxn", "eth_btc"]),
    bid=maybe(prices),
    ask=maybe(prices),
    spread=maybe(prices),
    exchange_timestamp=maybe(
        st.datetimes(
            min_value=datetime(1971, 1, 1),
            max_value=datetime(2100, 1, 1),
            timezones=st.sampled_from([UTC, timezone(timedelta(hours=-6))]),
        )
    ),
    # Files hold microseconds: any receipt time to the microsecond round-trips.
    received_at=maybe(st.integers(min_value=0, max_value=5 * 10**15).map(lambda us: us / 1e6)),
    age_ms=maybe(st.integers(min_value=-(2**63), max_value=2**63 - 1)),
    source=maybe(st.sampled_from(["ws", "rest", 'naïve, "quoted" source'])),
    status=st.sampled_from(STATUSES),
    sequence=maybe(st.integers(min_value=0, max_value=2**63 - 1)),
)


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(observations, max_size=8), fmt=st.sampled_from(["parquet", "csv"]))
def test_round_trip_is_lossless(rows: list[Observation], fmt: str) -> None:
    assert decode_window(encode_window(rows, fmt), fmt) == rows


def test_csv_has_a_header_and_the_brief_columns_first() -> None:
    rows = window("btc_mxn", DAY0, seconds=3)
    text = encode_window(rows, "csv").decode()
    header, first = text.splitlines()[:2]
    assert rows[0].bid is not None
    assert header.split(",") == list(FILE_COLUMNS)
    assert header.split(",")[:5] == ["orderbook_timestamp", "book", "bid", "ask", "spread"]
    assert first.startswith(f"2024-05-05T00:00:00+00:00,btc_mxn,{float(rows[0].bid)!r},")
    assert len(text.splitlines()) == 4


def test_csv_prices_always_carry_a_decimal_point() -> None:
    """A whole peso price written as ``1150740`` would make readers guess int64."""
    whole = Observation(
        DAY0,
        "btc_mxn",
        Decimal("1150740"),
        Decimal("1150750"),
        Decimal("0.00001"),
        None,
        None,
        None,
        "ws",
        "ok",
    )
    line = encode_window([whole], "csv").decode().splitlines()[1]
    assert ",1150740.0,1150750.0,0.00001," in line


def test_parquet_column_types_are_the_agreed_ones() -> None:
    table = pq.read_table(io.BytesIO(encode_window(window("btc_mxn", DAY0, seconds=2), "parquet")))
    types = {f.name: str(f.type) for f in table.schema}
    assert list(types) == list(FILE_COLUMNS)
    assert types["orderbook_timestamp"] == "string" and types["spread"] == "double"
    assert types["age_ms"] == types["sequence"] == "int64"
    assert types["observed_at"] == types["received_at"] == "timestamp[us, tz=UTC]"
    assert types["exchange_timestamp"] == "timestamp[us, tz=UTC]"
    assert (table.schema.metadata or {})[b"bitsodata.schema_version"] == b"2"


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_write_window_lands_at_the_layout_key(tmp_path: Path, fmt: str) -> None:
    storage = LocalStorage(tmp_path)
    rows = window("btc_mxn", DAY0 + 600, seconds=600)
    key = write_window(storage, "btc_mxn", DAY0 + 600, list(reversed(rows)), fmt)
    assert key == f"spreads/btc_mxn/date=2024-05-05/hour=0/btc_mxn_20240505T001000Z.{fmt}"
    assert decode_window((tmp_path / key).read_bytes(), fmt) == rows  # sorted by tick


def test_rewriting_a_window_replaces_it(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    first = write_window(storage, "btc_mxn", DAY0, window("btc_mxn", DAY0, seed=1))
    second = write_window(storage, "btc_mxn", DAY0, window("btc_mxn", DAY0, seed=2))
    assert first == second
    assert storage.list("spreads/") == [first]
    assert decode_window(storage.get(first), "parquet") == window("btc_mxn", DAY0, seed=2)


@pytest.mark.parametrize(
    ("rows", "match"),
    [
        (window("usd_mxn", DAY0, seconds=2), "another book"),
        (window("btc_mxn", DAY0 + 599, seconds=2), "outside the window"),
        (window("btc_mxn", DAY0, seconds=2) * 2, "two rows for one second"),
    ],
)
def test_write_window_refuses_rows_that_do_not_belong(
    tmp_path: Path, rows: list[Observation], match: str
) -> None:
    storage = LocalStorage(tmp_path)
    with pytest.raises(WindowRejected, match=match):
        write_window(storage, "btc_mxn", DAY0, rows)
    assert storage.list("") == []


def test_write_window_refuses_bad_values(tmp_path: Path) -> None:
    bad = Observation(DAY0, "btc_mxn", Decimal("NaN"), None, None, None, None, None, None, "ok")
    with pytest.raises(WindowRejected, match="finite"):
        write_window(LocalStorage(tmp_path), "btc_mxn", DAY0, [bad])
    with pytest.raises(WindowRejected, match="not aligned"):
        write_window(LocalStorage(tmp_path), "btc_mxn", DAY0 + 1, [])


def test_a_file_with_an_unknown_status_is_refused() -> None:
    text = encode_window(window("btc_mxn", DAY0, seconds=1), "csv").decode()
    broken = text
    for status in STATUSES:
        broken = broken.replace(f",{status},", ",weird,")
    with pytest.raises(LakeError, match="unknown status"):
        decode_window(broken.encode(), "csv")
