"""Synthetic days of 1 Hz spread rows, built with numpy straight into version 2 Arrow tables.

For benchmarks and tests that need weeks of data in seconds (the collector is the real writer):
a random-walk ask, a log-normal spread, a share of ``missing`` seconds with null prices.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from bitsodata.domain.windows import DAY_SECONDS
from bitsodata.lake.layout import spread_window_key
from bitsodata.lake.storage import Storage
from bitsodata.lake.windowfile import SCHEMA, encode_table

_PRICE = {"btc_mxn": 1_200_000.0, "usd_mxn": 17.0}


def day_table(
    book: str,
    day_start: int,
    rng: np.random.Generator,
    *,
    missing_share: float = 0.01,
    median_spread: float = 0.08,
) -> pa.Table:
    """One UTC day (86,400 rows) of ``book`` with the lake's schema."""
    n = DAY_SECONDS
    ticks = np.arange(day_start, day_start + n, dtype=np.int64)
    stamps = np.char.add(np.datetime_as_string(ticks.astype("datetime64[s]"), unit="s"), "+00:00")
    missing = rng.random(n) < missing_share
    base = _PRICE.get(book, 1_000.0)
    ask = np.round(base + np.cumsum(rng.normal(0, base * 4e-5, n)), 2)
    spread = rng.lognormal(np.log(median_spread), 0.8, n)
    bid = np.round(ask * (1 - spread / 100), 2)
    spread = (ask - bid) * 100 / ask
    micros = ticks * 1_000_000
    us = pa.timestamp("us", tz="UTC")

    def masked(values: np.ndarray, kind: pa.DataType) -> pa.Array:
        return pa.array(values, type=kind, mask=missing)

    return pa.table(
        {
            "orderbook_timestamp": pa.array(stamps, pa.string()),
            "book": pa.array(np.full(n, book), pa.string()),
            "bid": masked(bid, pa.float64()),
            "ask": masked(ask, pa.float64()),
            "spread": masked(spread, pa.float64()),
            "observed_at": pa.array(micros).cast(us),
            "exchange_timestamp": masked(micros - 750_000, pa.int64()).cast(us),
            "received_at": masked(micros - 250_000, pa.int64()).cast(us),
            "age_ms": masked(rng.integers(0, 900, n), pa.int64()),
            "source": masked(np.full(n, "ws"), pa.string()),
            "status": pa.array(np.where(missing, "missing", "ok"), pa.string()),
            "sequence": masked(ticks - day_start, pa.int64()),
        },
        schema=SCHEMA,
    )


def write_day(
    storage: Storage,
    table: pa.Table,
    book: str,
    day_start: int,
    window_seconds: int = 600,
    fmt: str = "parquet",
) -> int:
    """Write a day table as window files; returns how many."""
    for offset in range(0, DAY_SECONDS, window_seconds):
        key = spread_window_key(book, day_start + offset, fmt)
        storage.put(key, encode_table(table.slice(offset, window_seconds), fmt))
    return DAY_SECONDS // window_seconds
