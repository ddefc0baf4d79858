"""The lake is an interface: pandas, pyarrow, polars and DuckDB read a collector-written lake as
it is, with real timestamps and partition columns that agree with the file columns."""

from __future__ import annotations

import io
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from bitsodata.analysis import open_lake
from bitsodata.domain.windows import iso_second
from bitsodata.lake import layout
from bitsodata.lake.migrate import migrate_lake
from bitsodata.lake.storage import LocalStorage
from bitsodata.lake.windowfile import FILE_COLUMNS, V1_SCHEMA, decode_window
from tests.lake.collected import FIRST, START, collect
from tests.monitor.helpers import BOOKS

SECONDS = 300
ROWS = SECONDS * len(BOOKS)  # the first window is padded with missing rows before FIRST


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("collected") / "lake"
    collect(root, seconds=SECONDS)
    return root


@pytest.fixture(scope="module")
def csv_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("collected-csv") / "lake"
    collect(root, fmt="csv", seconds=SECONDS)
    return root


def _check_frame(frame: pd.DataFrame) -> None:
    """One row per book per second, typed, partitions equal to the file columns."""
    assert len(frame) == ROWS
    assert not frame.duplicated(["book", "observed_at"]).any()
    assert str(frame["observed_at"].dtype) == "datetime64[us, UTC]"
    assert str(frame["received_at"].dtype) == "datetime64[us, UTC]"
    assert frame["bid"].dtype == "float64" and frame["spread"].dtype == "float64"
    stamps = pd.to_datetime(frame["orderbook_timestamp"], utc=True)
    assert (stamps == frame["observed_at"]).all()
    assert (frame["observed_at"].dt.hour == frame["hour"].astype(int)).all()
    assert (frame["observed_at"].dt.strftime("%Y-%m-%d") == frame["date"].astype(str)).all()
    assert sorted(frame["book"].astype(str).unique()) == list(BOOKS)


def test_pandas_reads_the_whole_lake(lake: Path) -> None:
    frame = pd.read_parquet(lake / "spreads")
    _check_frame(frame)
    assert list(frame.columns[:5]) == ["orderbook_timestamp", "book", "bid", "ask", "spread"]


def test_pyarrow_dataset_reads_the_whole_lake(lake: Path) -> None:
    table = ds.dataset(lake / "spreads", partitioning="hive").to_table()
    assert table.schema.field("observed_at").type == pa.timestamp("us", tz="UTC")
    assert table.schema.field("hour").type == pa.int32()
    _check_frame(table.to_pandas())


def test_polars_reads_the_whole_lake(lake: Path) -> None:
    frame = pl.scan_parquet(lake / "spreads", hive_partitioning=True).collect()
    assert frame.schema["observed_at"] == pl.Datetime("us", "UTC")
    assert frame.schema["date"] == pl.Date and frame.schema["hour"].is_integer()
    assert frame.height == ROWS
    assert frame.filter(pl.col("observed_at").dt.hour() != pl.col("hour")).height == 0


def test_duckdb_reads_the_whole_lake(lake: Path) -> None:
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    glob = f"{lake}/spreads/**/*.parquet"
    rel = con.sql(f"select * from read_parquet('{glob}', hive_partitioning = true)")
    types = dict(zip(rel.columns, map(str, rel.types), strict=True))
    assert types["hour"] == "BIGINT" and types["date"] == "DATE"
    assert types["observed_at"] == "TIMESTAMP WITH TIME ZONE"
    bad = con.sql(
        f"select count(*) from read_parquet('{glob}', hive_partitioning = true) "
        "where hour <> hour(observed_at) or date <> observed_at::date"
    ).fetchone()
    assert rel.count("*").fetchone() == (ROWS,) and bad == (0,)


def test_the_brief_formula_recomputes_from_the_stored_prices(lake: Path) -> None:
    frame = pd.read_parquet(lake / "spreads").dropna(subset=["spread"])
    again = (frame["ask"] - frame["bid"]) * 100 / frame["ask"]
    assert ((again - frame["spread"]).abs() <= 1e-12 * frame["spread"].abs()).all()
    btc = frame[frame["book"] == "btc_mxn"]
    assert (btc["bid"] % 10 == 0).all()  # whole-peso prices stay exact


def test_every_file_records_its_schema_version(lake: Path) -> None:
    for path in (lake / "spreads").rglob("*.parquet"):
        meta = pq.read_schema(path).metadata
        assert meta[b"bitsodata.schema_version"] == b"2"
        assert meta[b"bitsodata.table"] == b"spreads"


def test_csv_readers_infer_the_same_rows_as_parquet(lake: Path, csv_lake: Path) -> None:
    want = pd.read_parquet(lake / "spreads").sort_values(["book", "observed_at"])
    inferred = ds.dataset(csv_lake / "spreads", format="csv", partitioning="hive").to_table()
    assert pa.types.is_floating(inferred.schema.field("bid").type)  # 1150740.0, not an int
    assert pa.types.is_timestamp(inferred.schema.field("observed_at").type)
    con = duckdb.connect()
    glob = f"{csv_lake}/spreads/**/*.csv"
    by_duckdb = con.sql(f"select * from read_csv('{glob}', hive_partitioning = true)")
    by_duckdb = by_duckdb.to_arrow_table().to_pandas()
    for got in (inferred.to_pandas(), by_duckdb):
        got = got.sort_values(["book", "observed_at"])
        assert len(got) == len(want) == ROWS
        for column in ("bid", "ask", "spread"):
            assert got[column].tolist() == pytest.approx(want[column].tolist(), nan_ok=True)
        stamps = pd.to_datetime(got["observed_at"], utc=True).dt.as_unit("us")
        assert stamps.tolist() == want["observed_at"].tolist()
        assert got["status"].tolist() == want["status"].tolist()


def _write_v1(storage: LocalStorage, key: str, data: pd.DataFrame) -> None:
    """A version 1 file: the old columns, times as text, receipt as epoch seconds."""
    old = pd.DataFrame(
        {
            "orderbook_timestamp": data["orderbook_timestamp"],
            "book": data["book"].astype(str),
            "bid": data["bid"],
            "ask": data["ask"],
            "spread": data["spread"],
            "exchange_timestamp": [
                None if pd.isna(t) else t.isoformat() for t in data["exchange_timestamp"]
            ],
            "received_at": [None if pd.isna(t) else t.timestamp() for t in data["received_at"]],
            "age_ms": data["age_ms"],
            "source": data["source"],
            "status": data["status"],
            "sequence": data["sequence"],
        }
    )
    sink = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(old, schema=V1_SCHEMA, preserve_index=False), sink)
    storage.put(key, sink.getvalue())


def test_version_1_files_are_read_then_migrated(lake: Path, tmp_path: Path) -> None:
    new = pd.read_parquet(lake / "spreads").sort_values(["book", "observed_at"])
    old_root = tmp_path / "old"
    storage = LocalStorage(old_root)
    for (book, minute), part in new.groupby(
        [new["book"].astype(str), new["observed_at"].dt.floor("min")]
    ):
        _write_v1(storage, layout.legacy_window_key(book, int(minute.timestamp())), part)
    assert storage.list("spreads/")[0].startswith("spreads/book=")
    with open_lake(old_root) as old:
        first = old.observations(start=START, end=START + SECONDS).df()
    assert (
        first["observed_at"].tolist()
        == new.sort_values(["observed_at", "book"])["observed_at"].tolist()
    )
    result = migrate_lake(storage)
    assert result.windows == 10 and migrate_lake(storage).windows == 0  # idempotent
    assert not any(layout.is_legacy_key(k) for k in storage.list(""))
    _check_frame(pd.read_parquet(old_root / "spreads"))
    for key in storage.list("spreads/"):
        rows = decode_window(storage.get(key), "parquet")
        assert all(r.orderbook_timestamp == iso_second(r.tick) for r in rows)
    assert list(pd.read_parquet(old_root / "spreads").columns[: len(FILE_COLUMNS)]) == list(
        FILE_COLUMNS
    )
    assert FIRST > 0
