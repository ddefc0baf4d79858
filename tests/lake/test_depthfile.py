"""Depth window files: Parquet and CSV carry the same values, typed, with the version metadata."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bitsodata.domain.depth import DepthRow, parse_size, row_metric_names
from bitsodata.domain.observation import Observation
from bitsodata.errors import WindowRejected
from bitsodata.lake.depthfile import decode_depth_window, encode_depth_window, write_depth_window
from bitsodata.lake.storage import MemoryStorage

T0 = 1_700_000_000
SIZES = (parse_size("1 btc", "btc_mxn"),)


def rows() -> list[Observation]:
    names = row_metric_names(SIZES)
    metrics: dict[str, Decimal | None] = dict.fromkeys(names, Decimal("0.5"))
    metrics["avg_price_buy_1btc"] = None  # not enough depth
    depth = DepthRow("diff", 42, T0 - 0.25, 30, 31, metrics)
    full = Observation(T0, "btc_mxn", None, None, None, None, None, None, "ws", "ok", 1, depth)
    return [full, Observation.missing(T0 + 1, "btc_mxn")]


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_a_depth_window_round_trips_in_both_formats(fmt: str) -> None:
    table = decode_depth_window(encode_depth_window(rows(), SIZES, fmt), fmt, SIZES)
    data = table.to_pydict()
    assert data["depth_source"] == ["diff", None] and data["sequence"] == [42, None]
    assert data["age_ms"] == [250, None] and data["levels_ask"] == [31, None]
    assert data["depth_1pct_bid_base"] == [0.5, None]
    assert data["avg_price_buy_1btc"] == [None, None]
    assert data["observed_at"][1].isoformat() == "2023-11-14T22:13:21+00:00"


def test_csv_floats_keep_a_decimal_point_and_the_file_its_table_name() -> None:
    text = encode_depth_window(rows(), SIZES, "csv").decode()
    header, first, _ = text.splitlines()
    assert header.startswith("orderbook_timestamp,book,observed_at,depth_source")
    assert ",0.5," in first and "+00:00" in first
    table = decode_depth_window(encode_depth_window(rows(), SIZES, "parquet"), "parquet", SIZES)
    assert table.schema.metadata[b"bitsodata.table"] == b"depth"


def test_the_writer_refuses_rows_outside_the_window() -> None:
    with pytest.raises(WindowRejected):
        write_depth_window(MemoryStorage(), "btc_mxn", T0, rows(), SIZES, window_seconds=1)
