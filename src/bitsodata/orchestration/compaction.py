"""Daily compaction: a day's window files of one book -> one ``spreads_daily/`` file and the
day's per-minute rollups (``spreads_minute/``, read by ``Lake.resample`` at whole minutes).

Long-range queries then read 1 file per book per day instead of 144. The window files stay as they
are (they remain the source of truth); re-running a day rewrites the same daily key. A day
is due once its next midnight + a delay has passed, and stays due until each book has its file.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pyarrow as pa
import pyarrow.parquet as pq

from bitsodata.lake.catalog import window_keys
from bitsodata.lake.layout import (
    DEPTH,
    SPREADS,
    check_book,
    daily_key,
    parse_window_key,
    rollup_key,
)
from bitsodata.lake.reader import WINDOWS_KEY
from bitsodata.lake.rollup import build_rollup, encode_rollup
from bitsodata.lake.stats import DEFAULT_THRESHOLDS
from bitsodata.lake.storage import Storage
from bitsodata.lake.windowfile import decode_table, encode_table


@dataclass(frozen=True)
class CompactResult:
    """One book's compacted day: the daily key (None when the day had no window file)."""

    book: str
    day: date
    key: str | None
    windows: int
    rows: int
    rollup: str | None = None
    """The day's ``spreads_minute/`` key (None when the day had no window file)."""


def compaction_day(interval_end: int, after_seconds: int) -> date:
    """The latest day whose compaction is due by ``interval_end``: its next midnight +
    ``after_seconds`` (time for late window files to land first) has passed."""
    return datetime.fromtimestamp(interval_end - after_seconds, tz=UTC).date() - timedelta(days=1)


def needs_compaction(storage: Storage, books: Sequence[str], day: date, fmt: str) -> bool:
    """Some book has window files of ``day`` but no daily file or no rollup file yet.

    Asked by every run, so a run that was skipped or failed is made up by the next one.
    """
    return any(
        not (storage.exists(daily_key(book, day, fmt)) and storage.exists(rollup_key(book, day)))
        and day_window_keys(storage, book, day, fmt)
        for book in books
    )


def day_window_keys(storage: Storage, book: str, day: date, fmt: str) -> list[str]:
    """The day's window files of ``book``, one per window, in time order (either layout)."""
    del fmt  # Parquet is preferred where a window exists in both formats
    return window_keys(storage, SPREADS, check_book(book), day)


def compact_day(storage: Storage, book: str, day: date, fmt: str = "parquet") -> CompactResult:
    """Concatenate the day's window files of ``book`` into ``layout.daily_key``, sorted by time,
    and write its per-minute rollups to ``layout.rollup_key`` (the daily file first: a rollup
    never exists without the rows it sums). Both record the window count they were made of."""
    keys = day_window_keys(storage, book, day, fmt)
    if not keys:
        return CompactResult(book=book, day=day, key=None, windows=0, rows=0)
    tables = [decode_table(storage.get(key), parse_window_key(key)[2]) for key in keys]
    table = pa.concat_tables(tables).sort_by("observed_at")
    meta = {**(table.schema.metadata or {}), WINDOWS_KEY: str(len(keys)).encode()}
    key = daily_key(book, day, fmt)
    storage.put(key, encode_table(table.replace_schema_metadata(meta), fmt))
    minutes = rollup_key(book, day)
    storage.put(minutes, encode_rollup(build_rollup(table), len(keys), DEFAULT_THRESHOLDS))
    return CompactResult(
        book=book, day=day, key=key, windows=len(keys), rows=table.num_rows, rollup=minutes
    )


def compact_depth_day(storage: Storage, book: str, day: date) -> CompactResult:
    """The same for the ``depth/`` table (Parquet windows): one ``depth_daily/`` file per book-day.

    A day with a CSV depth window is left as it is (its columns depend on the book's sizes)."""
    keys = window_keys(storage, DEPTH, check_book(book), day)
    if not keys or any(not key.endswith(".parquet") for key in keys):
        return CompactResult(book=book, day=day, key=None, windows=0, rows=0)
    tables = [pq.read_table(io.BytesIO(storage.get(key))) for key in keys]
    table = pa.concat_tables(tables, promote_options="permissive").sort_by("observed_at")
    meta = {**(tables[0].schema.metadata or {}), WINDOWS_KEY: str(len(keys)).encode()}
    sink = io.BytesIO()
    pq.write_table(table.replace_schema_metadata(meta), sink, compression="zstd")
    key = daily_key(book, day, "parquet", table=DEPTH)
    storage.put(key, sink.getvalue())
    return CompactResult(book=book, day=day, key=key, windows=len(keys), rows=table.num_rows)
