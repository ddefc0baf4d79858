"""Depth window files: Parquet and CSV carry the same values, typed, with the version metadata."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

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


def test_pandas_pyarrow_polars_and_duckdb_read_a_depth_table(tmp_path: Path) -> None:
    import duckdb
    import pandas as pd
    import polars as pl
    import pyarrow.dataset as ds

    from bitsodata.lake.storage import LocalStorage

    storage = LocalStorage(tmp_path)
    usd = (parse_size("1000 usd", "usd_mxn"),)
    write_depth_window(storage, "btc_mxn", T0, rows()[:1], SIZES, window_seconds=1)
    usd_row = Observation.missing(T0, "usd_mxn")
    write_depth_window(storage, "usd_mxn", T0, [usd_row], usd, window_seconds=1)
    root = tmp_path / "depth"
    frame = pd.read_parquet(root / "btc_mxn")
    assert frame["depth_1pct_bid_base"].tolist() == [0.5]
    assert str(frame["observed_at"].dtype).startswith("datetime64") and frame["hour"].tolist() == [
        22
    ]
    table = ds.dataset(root / "btc_mxn", format="parquet", partitioning="hive").to_table()
    assert table.column("depth_source").to_pylist() == ["diff"]
    assert pl.read_parquet(root / "btc_mxn" / "**" / "*.parquet")["levels_bid"].to_list() == [30]
    got = duckdb.sql(
        f"select book, depth_source, hour from read_parquet('{root}/**/*.parquet', "
        "hive_partitioning = true, union_by_name = true) order by book"
    ).fetchall()
    assert got == [("btc_mxn", "diff", 22), ("usd_mxn", None, 22)]  # each book its own sizes
