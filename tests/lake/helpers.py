"""Synthetic observations for lake tests: deterministic, with every status and a spread spread."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from decimal import Decimal

import numpy as np
import pyarrow as pa

from bitsodata.domain.observation import Observation
from bitsodata.domain.windows import DAY_SECONDS
from bitsodata.errors import LakeUnavailable
from bitsodata.lake.layout import spread_window_key
from bitsodata.lake.storage import MemoryStorage, Storage
from bitsodata.lake.windowfile import SCHEMA, encode_table, write_window

DAY0 = 1_714_867_200  # 2024-05-05T00:00:00+00:00


def observation(book: str, tick: int, rng: random.Random) -> Observation:
    """One row: mostly ok, some missing, stale and crossed; spreads from 0.01 % to ~2 %."""
    roll = rng.random()
    if roll < 0.05:
        return Observation.missing(tick, book)
    bid = Decimal(rng.randrange(80_000_000, 90_000_000)) / 100
    if roll < 0.08:
        ask, spread, status = bid - Decimal("0.5"), None, "crossed"
    else:
        ask = bid + Decimal(rng.randrange(1, 1_800_000)) / 100
        spread = Decimal(repr(float((ask - bid) * 100 / ask)))
        status = "stale" if roll < 0.12 else "ok"
    return Observation(
        tick=tick,
        book=book,
        bid=bid,
        ask=ask,
        spread=spread,
        exchange_timestamp=datetime.fromtimestamp(tick - 1, tz=UTC).replace(microsecond=250_000),
        received_at=tick - 0.5,
        age_ms=rng.randrange(0, 5000),
        source=rng.choice(["ws", "rest"]),
        status=status,  # type: ignore[arg-type]
        sequence=rng.randrange(0, 2**40),
    )


def window(book: str, start: int, seconds: int = 600, seed: int = 0) -> list[Observation]:
    """A complete window of rows for ``book``."""
    rng = random.Random(f"{book}-{start}-{seed}")
    return [observation(book, tick, rng) for tick in range(start, start + seconds)]


class FlakyStorage(MemoryStorage):
    """The in-memory fake with a switch: while ``down``, every call is a Transient failure."""

    def __init__(self) -> None:
        super().__init__("memory://flaky")
        self.down = False
        self.attempts = 0
        self.order: list[str] = []

    def put(self, key: str, data: bytes) -> None:
        self.attempts += 1
        if self.down:
            raise LakeUnavailable("store down", key=key)
        super().put(key, data)
        self.order.append(key)

    def list(self, prefix: str) -> list[str]:
        if self.down:
            raise LakeUnavailable("store down", key=prefix)
        return super().list(prefix)


# Windows of the test lake: across a day boundary (05-04 23:50 -> 05-05) and an hour boundary.
STARTS = (DAY0 - 600, DAY0, DAY0 + 3000, DAY0 + 3600)
BOOKS = ("btc_mxn", "usd_mxn")


def build_lake(storage: Storage) -> dict[str, list[Observation]]:
    """Both books over ``STARTS``; usd_mxn's first window is CSV, everything else Parquet."""
    rows: dict[str, list[Observation]] = {}
    for book in BOOKS:
        rows[book] = []
        for start in STARTS:
            fmt = "csv" if (book, start) == ("usd_mxn", STARTS[0]) else "parquet"
            part = window(book, start)
            write_window(storage, book, start, part, fmt)
            rows[book].extend(part)
    return rows


def day_table(book: str, day_start: int, seed: int = 0) -> pa.Table:
    """A whole day (86,400 rows) as an Arrow table with the lake schema, built fast with numpy."""
    rng = np.random.default_rng(seed)
    ticks = np.arange(day_start, day_start + DAY_SECONDS, dtype=np.int64)
    stamps = np.char.add(np.datetime_as_string(ticks.astype("datetime64[s]"), unit="s"), "+00:00")
    missing = rng.random(DAY_SECONDS) < 0.02
    ask = np.round(1_200_000 + rng.normal(0, 500, DAY_SECONDS), 2)
    bid = np.round(ask * (1 - rng.lognormal(np.log(0.2), 0.9, DAY_SECONDS) / 100), 2)
    spread = (ask - bid) * 100 / ask
    n = DAY_SECONDS
    return pa.table(
        {
            "orderbook_timestamp": stamps,
            "book": np.full(n, book),
            "bid": pa.array(bid, mask=missing),
            "ask": pa.array(ask, mask=missing),
            "spread": pa.array(spread, mask=missing),
            "exchange_timestamp": pa.nulls(n, pa.string()),
            "received_at": pa.array(ticks - 0.5, mask=missing),
            "age_ms": pa.array(rng.integers(0, 900, n), mask=missing),
            "source": pa.array(np.full(n, "ws"), mask=missing),
            "status": np.where(missing, "missing", "ok"),
            "sequence": pa.nulls(n, pa.int64()),
        },
        schema=SCHEMA,
    )


def write_day(storage: Storage, book: str, day_start: int, window_seconds: int = 600) -> pa.Table:
    """Write a whole day of window files (Parquet); returns the day's table."""
    table = day_table(book, day_start)
    for offset in range(0, DAY_SECONDS, window_seconds):
        key = spread_window_key(book, day_start + offset)
        storage.put(key, encode_table(table.slice(offset, window_seconds), "parquet"))
    return table
