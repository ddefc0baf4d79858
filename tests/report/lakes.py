"""A lake for report tests, written by the collector's own window writers: both books, every row
status, windows spread over four days (so the weekly heatmap applies) with gaps between them, and
on request the ``depth/`` table beside it (books measured by the collector's ``depth_row``)."""

from __future__ import annotations

import math
import random
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

from bitsodata.domain.depth import DepthRow, NotionalSize, depth_row, parse_size
from bitsodata.domain.observation import Observation
from bitsodata.lake.depthfile import write_depth_window
from bitsodata.lake.storage import LocalStorage
from bitsodata.lake.windowfile import write_window
from tests.lake.helpers import BOOKS, DAY0, window

SIX_HOURS = 6 * 3_600
WINDOW_STARTS = tuple(DAY0 + k * SIX_HOURS for k in range(16))  # four days, every 6 h
FIRST, LAST = WINDOW_STARTS[0], WINDOW_STARTS[-1] + 600
SIZES: dict[str, tuple[NotionalSize, ...]] = {
    "btc_mxn": (parse_size("1 btc", "btc_mxn"), parse_size("0.1 btc", "btc_mxn")),
    "usd_mxn": (parse_size("1000 usd", "usd_mxn"), parse_size("10000 usd", "usd_mxn")),
}
MID = {"btc_mxn": Decimal(1_000_000), "usd_mxn": Decimal(18)}
D = Decimal


def measured(book: str, tick: int, rng: random.Random) -> DepthRow | None:
    """The liquidity of a made-up book: ten levels a side 0.2 % apart, the asks thinner, all in
    waves; mostly the exact book, sometimes the top-20 fallback, now and then no book at all."""
    roll = rng.random()
    if roll < 0.03:
        return None
    mid = MID[book]
    scale = 1.2 + math.sin(tick / 5_000)  # from 0.2 to 2.2 times the usual amounts
    unit = D(repr(round(scale * (0.4 if book == "btc_mxn" else 700), 6)))
    step = mid * D("0.002")
    bids = [(mid - step * (i + D("0.5")), unit * (i + 1)) for i in range(10)]
    asks = [(mid + step * (i + D("0.5")), unit * (i + 1) * D("0.7")) for i in range(10)]
    source = "orders" if roll < 0.2 else "diff"
    return depth_row(source, bids, asks, SIZES[book], levels=(10, 10), received_at=tick - 0.2)


def with_depth(rows: list[Observation], seed: int = 0) -> list[Observation]:
    rng = random.Random(f"depth-{rows[0].book}-{rows[0].tick}-{seed}")
    return [replace(o, depth=measured(o.book, o.tick, rng)) for o in rows]


def write_lake(root: Path, *, depth: bool = False) -> Path:
    storage = LocalStorage(root)
    for book in BOOKS:
        for start in WINDOW_STARTS:
            rows = window(book, start)
            if depth:
                write_depth_window(storage, book, start, with_depth(rows), SIZES[book])
            write_window(storage, book, start, rows, "parquet")
    return root
