"""Synthetic observations for lake tests: deterministic, with every status and a spread spread."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from decimal import Decimal

import numpy as np
import pyarrow as pa

from bitsodata.domain.observation import Observation
from bitsodata.errors import LakeUnavailable
from bitsodata.lake import synthetic
from bitsodata.lake.storage import MemoryStorage, Storage
from bitsodata.lake.windowfile import write_window

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
    """A whole day (86,400 rows) as an Arrow table with the lake schema (2 % missing)."""
    return synthetic.day_table(book, day_start, np.random.default_rng(seed), missing_share=0.02)


def write_day(storage: Storage, book: str, day_start: int, window_seconds: int = 600) -> pa.Table:
    """Write a whole day of window files (Parquet); returns the day's table."""
    table = day_table(book, day_start)
    synthetic.write_day(storage, table, book, day_start, window_seconds)
    return table
