"""A lake for report tests, written by the collector's own window writer: both books, every row
status, windows spread over four days (so the weekly heatmap applies) with gaps between them."""

from __future__ import annotations

from pathlib import Path

from bitsodata.lake.storage import LocalStorage
from bitsodata.lake.windowfile import write_window
from tests.lake.helpers import BOOKS, DAY0, window

SIX_HOURS = 6 * 3_600
WINDOW_STARTS = tuple(DAY0 + k * SIX_HOURS for k in range(16))  # four days, every 6 h
FIRST, LAST = WINDOW_STARTS[0], WINDOW_STARTS[-1] + 600


def write_lake(root: Path) -> Path:
    storage = LocalStorage(root)
    for book in BOOKS:
        for start in WINDOW_STARTS:
            write_window(storage, book, start, window(book, start), "parquet")
    return root
