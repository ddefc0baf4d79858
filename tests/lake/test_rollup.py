"""Per-minute rollups: built from a day's rows, their exact sums give DuckDB's own decimal mean."""

from __future__ import annotations

import io
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bitsodata.lake import synthetic
from bitsodata.lake.reader import connect
from bitsodata.lake.rollup import (
    above_column,
    build_rollup,
    encode_rollup,
    exact_mean,
    held,
    rollup_info,
)
from bitsodata.lake.stats import DEFAULT_THRESHOLDS

DAY0 = 1_714_521_600


def duckdb_means(groups: np.ndarray, values: np.ndarray) -> tuple[list[object], pa.Table]:
    con = connect()
    spread = pa.array(values, pa.float64(), mask=np.isnan(values))  # NaN marks a null
    con.register("t", pa.table({"g": groups, "v": spread}))
    got = con.sql(
        "select g, avg(v::decimal(38, 18))::double as a, sum(v::decimal(38, 18)) as s, "
        "count(v) as n from t group by g order by g"
    ).to_arrow_table()
    return got.column("a").to_pylist(), got


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    groups=st.integers(1, 400),
    sigma=st.floats(0.1, 3.0),
)
def test_exact_mean_is_duckdbs_decimal_average_bit_for_bit(
    seed: int, groups: int, sigma: float
) -> None:
    rng = np.random.default_rng(seed)
    n = 5_000
    values = rng.lognormal(np.log(0.08), sigma, n)
    values[rng.random(n) < 0.05] = np.nan  # nulls: not counted
    want, got = duckdb_means(rng.integers(0, groups, n), values)
    mean = exact_mean(got.column("s"), got.column("n").to_numpy()).to_pylist()
    assert mean == want


def test_exact_mean_holds_for_day_sized_sums() -> None:
    rng = np.random.default_rng(5)
    values = rng.lognormal(np.log(2.0), 2.0, 3 * 86_400)  # sums far beyond 2**64 scaled units
    want, got = duckdb_means(np.repeat([0, 1, 2], 86_400), values)
    assert exact_mean(got.column("s"), got.column("n").to_numpy()).to_pylist() == want
    assert exact_mean(pa.array([None], pa.decimal128(38, 18)), np.array([0])).to_pylist() == [None]


def test_a_days_rollup_has_one_row_per_minute_and_its_provenance() -> None:
    rows = synthetic.day_table("btc_mxn", DAY0, np.random.default_rng(2))
    table = build_rollup(rows)
    assert table.num_rows == 1440
    assert table.column("n_seconds").to_pylist() == [60] * 1440
    assert sum(table.column("n_missing").to_pylist()) == rows.column("status").to_pylist().count(
        "missing"
    )
    spreads = [s for s in rows.column("spread").to_pylist()[:60] if s is not None]
    first = table.slice(0, 1).to_pylist()[0]
    assert first["open"] == spreads[0] and first["close"] == spreads[-1]
    assert first["high"] == max(spreads) and first["n_above_0_1"] == sum(s > 0.1 for s in spreads)
    con = connect()  # the sum is of the decimals the rows' own average adds up
    con.register("minute", rows.slice(0, 60))
    want = con.sql("select sum(spread::decimal(38, 18)) from minute").fetchone()
    assert want is not None and first["sum_spread"] == want[0]
    assert abs(first["sum_spread"] - sum(Decimal(s) for s in spreads)) < Decimal("1e-12")
    schema = pq.read_schema(io.BytesIO(encode_rollup(table, 144, DEFAULT_THRESHOLDS)))
    info = rollup_info(schema)
    assert info is not None and info.windows == 144 and info.thresholds == DEFAULT_THRESHOLDS
    assert rollup_info(rows.schema) is None, "a spreads file is not a rollup"


@pytest.mark.parametrize(
    ("asked", "ok"),
    [((), True), ((0.5,), True), ((Decimal("1"), 0.1), True), ((0.25,), False), ((0.5, 2), False)],
)
def test_held_compares_thresholds_as_the_sql_does(asked: tuple[object, ...], ok: bool) -> None:
    assert held(asked, DEFAULT_THRESHOLDS) is ok  # type: ignore[arg-type]
    assert above_column(Decimal("1.0")) == above_column(1) == "n_above_1"
