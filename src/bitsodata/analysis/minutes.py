"""Resampling at whole minutes from the per-minute rollups compaction writes (``spreads_minute/``),
the raw rows filling in every second no current rollup covers: the same rows out as from the raw
rows alone, read from 1,440 rows per book-day instead of 86,400.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from bitsodata.analysis.buckets import STATUSES, threshold_column
from bitsodata.domain.windows import DAY_SECONDS
from bitsodata.errors import LakeKeyMissing
from bitsodata.lake import layout
from bitsodata.lake.catalog import day_start, day_windows
from bitsodata.lake.reader import LakeReader
from bitsodata.lake.rollup import (
    MINUTE_US,
    above_column,
    exact_mean,
    held,
    minute_sql,
    rollup_info,
)
from bitsodata.lake.source import days_of
from bitsodata.lake.stats import DEFAULT_THRESHOLDS

_PARTS = [
    "book", "_minute", "n_seconds", "n_spread", "first_at", "last_at", '"open"', "high", "low",
    '"close"', "sum_spread", *(f"n_{s}" for s in STATUSES),
    *(above_column(t) for t in DEFAULT_THRESHOLDS),
]  # fmt: skip
"""Columns of a per-minute partial, from a rollup file or from raw rows alike."""
_NAMES = itertools.count()


@dataclass(frozen=True)
class Segment:
    """Whole minutes [start, end) of one book read from the rollup file ``key``."""

    key: str
    start: int
    end: int

    def whole_day(self) -> bool:
        return self.end - self.start == DAY_SECONDS


@dataclass(frozen=True)
class MinutePlan:
    """Rollup segments and the raw ranges (book, start, end) that fill in around them."""

    segments: list[Segment]
    raw: list[tuple[str, int, int]]


def plan_minutes(reader: LakeReader, books: Sequence[str], start: int, end: int) -> MinutePlan:
    """Per book and day: the day's whole minutes in [start, end) from its rollup when that is
    current, every other second (edges, stale or missing rollups) from the raw rows."""
    segments: list[Segment] = []
    raw: list[tuple[str, int, int]] = []
    for book in books:
        for day in days_of(start, end):
            first = day_start(day)
            lo, hi = max(start, first), min(end, first + DAY_SECONDS)
            seg = _segment(reader, book, day, -(-lo // 60) * 60, hi - hi % 60)
            pieces = [(lo, hi)] if seg is None else [(lo, seg.start), (seg.end, hi)]
            segments += [] if seg is None else [seg]
            for a, b in pieces:
                if a >= b:
                    continue
                if raw and raw[-1][0] == book and raw[-1][2] == a:
                    raw[-1] = (book, raw[-1][1], b)  # one range across midnight
                else:
                    raw.append((book, a, b))
    return MinutePlan(segments, raw)


def _segment(reader: LakeReader, book: str, day: date, start: int, end: int) -> Segment | None:
    if start >= end:
        return None
    key = layout.rollup_key(book, day)
    schema = _schema(reader, key)
    info = None if schema is None else rollup_info(schema)
    if info is None or not held(DEFAULT_THRESHOLDS, info.thresholds):
        return None
    if info.windows != len(day_windows(reader.storage, layout.SPREADS, book, day)):
        return None  # the day got (or lost) window files since: the rollup is stale
    return Segment(key, start, end)


def _schema(reader: LakeReader, key: str) -> pa.Schema | None:
    """The schema of a rollup file; None when it is absent or unreadable (a rollup is a cache:
    the rows still answer)."""
    root = reader.local_root
    try:
        if root is not None:
            path = root / key
            return pq.read_schema(path) if path.is_file() else None
        return pq.read_schema(io.BytesIO(reader.fetch(key)))
    except LakeKeyMissing:
        return None
    except (OSError, pa.ArrowException):
        return None


def resample_minutes(
    reader: LakeReader,
    books: Sequence[str],
    start: int,
    end: int,
    seconds: int,
    thresholds: Sequence[Decimal | float],
) -> duckdb.DuckDBPyRelation | None:
    """The ``Lake.resample`` rows of an interval of whole minutes and thresholds the rollups
    hold, or None when no current rollup covers a minute of the range (read the rows then)."""
    if seconds % 60 or not held(thresholds, DEFAULT_THRESHOLDS):
        return None
    if len({float(t) for t in thresholds}) < len(thresholds):
        return None  # a threshold asked twice: two columns of one name, which Arrow refuses
    plan = plan_minutes(reader, books, start, end)
    if not plan.segments:
        return None
    scratch = _Scratch(reader.con)
    try:
        sources = _rollup_sources(reader, plan.segments, scratch)
        for book, a, b in plan.raw:
            rows = reader.relation([book], a, b).project("book, observed_at, spread, status")
            sources.append(minute_sql(scratch.view(rows)))
        parts = " union all ".join(f"select {', '.join(_PARTS)} from ({s})" for s in sources)
        buckets = reader.con.sql(_bucket_sql(parts, seconds // 60, thresholds)).to_arrow_table()
    finally:
        scratch.drop()
    return reader.con.from_arrow(_finish(buckets, seconds, thresholds))


class _Scratch:
    """Views and tables one resample needs until its buckets are computed."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.views: list[str] = []
        self.tables: list[str] = []

    def view(self, rel: duckdb.DuckDBPyRelation) -> str:
        name = f"_minute_rows_{next(_NAMES)}"
        rel.create_view(name)
        self.views.append(name)
        return name

    def register(self, table: pa.Table) -> str:
        name = f"_minute_table_{next(_NAMES)}"
        self.con.register(name, table)
        self.tables.append(name)
        return name

    def drop(self) -> None:
        for name in self.views:
            self.con.execute(f"drop view if exists {name}")
        for name in self.tables:
            self.con.unregister(name)


def _rollup_sources(
    reader: LakeReader, segments: Sequence[Segment], scratch: _Scratch
) -> list[str]:
    """A SELECT of the rollup rows of ``segments``, decoded by Arrow (a local lake's files in
    place: a fresh DuckDB connection takes longer over 30 small files than Arrow does)."""
    select = f"select *, epoch_us(minute_at) // {MINUTE_US} as _minute from "
    root = reader.local_root
    if root is None:
        tables = [_within(pq.read_table(io.BytesIO(reader.fetch(s.key))), s) for s in segments]
    else:
        whole = [(root / s.key).as_posix() for s in segments if s.whole_day()]
        tables = [ds.dataset(whole, format="parquet").to_table()] if whole else []
        tables += [_within(pq.read_table(root / s.key), s) for s in segments if not s.whole_day()]
    tables = [t.replace_schema_metadata(None) for t in tables]
    return [select + scratch.register(pa.concat_tables(tables))]


def _within(table: pa.Table, segment: Segment) -> pa.Table:
    """The rows of ``table`` whose minute is in the segment."""
    minutes = table.column("minute_at").cast(pa.int64()).to_numpy() // 1_000_000
    return table.filter(pa.array((minutes >= segment.start) & (minutes < segment.end)))


def _bucket_sql(parts: str, minutes: int, thresholds: Sequence[Decimal | float]) -> str:
    if minutes == 1:  # each minute comes from one source only: its row is its bucket
        return _minute_buckets(parts, thresholds)
    counts = "".join(f", sum(n_{s})::bigint as n_{s}" for s in STATUSES)
    above = "".join(
        f", sum({above_column(t)})::bigint as _above_{i}" for i, t in enumerate(thresholds)
    )
    return f"""
        select book, _minute // {minutes} as _bucket, sum(n_seconds)::bigint as n_seconds,
               arg_min("open", first_at) as "open", max(high) as high, min(low) as low,
               arg_max("close", last_at) as "close", sum(sum_spread) as _sum,
               sum(n_spread)::bigint as _n{counts}{above}
        from ({parts}) group by book, _bucket
    """


def _minute_buckets(parts: str, thresholds: Sequence[Decimal | float]) -> str:
    counts = "".join(f", n_{s}" for s in STATUSES)
    above = "".join(f", {above_column(t)} as _above_{i}" for i, t in enumerate(thresholds))
    return f"""
        select book, _minute as _bucket, n_seconds, "open", high, low, "close",
               sum_spread as _sum, n_spread as _n{counts}{above}
        from ({parts})
    """


def _finish(buckets: pa.Table, seconds: int, thresholds: Sequence[Decimal | float]) -> pa.Table:
    """The resample columns from the buckets, computed as DuckDB computes them from the rows:
    the bucket start in microseconds, shares as double divisions, the exact mean; in the order
    of ``order by book, bucket_at`` (strings by their bytes, as DuckDB orders them)."""
    buckets = buckets.sort_by([("book", "ascending"), ("_bucket", "ascending")])
    n = buckets.column("n_seconds").to_numpy().astype(np.float64)
    start = buckets.column("_bucket").to_numpy() * (seconds * 1_000_000)
    columns: dict[str, pa.Array | pa.ChunkedArray] = {
        "book": buckets.column("book"),
        "bucket_at": pa.array(start, pa.int64()).cast(pa.timestamp("us", tz="UTC")),
        **{c: buckets.column(c) for c in ("n_seconds", "open", "high", "low", "close")},
        "mean": exact_mean(buckets.column("_sum"), buckets.column("_n").to_numpy()),
        **{f"n_{s}": buckets.column(f"n_{s}") for s in STATUSES},
    }
    shares = [(f"share_{s}", buckets.column(f"n_{s}")) for s in STATUSES]
    shares += [
        (threshold_column(t), buckets.column(f"_above_{i}")) for i, t in enumerate(thresholds)
    ]
    names = list(columns) + [name for name, _ in shares]
    arrays = list(columns.values()) + [
        pa.array(count.to_numpy().astype(np.float64) / n, pa.float64()) for _, count in shares
    ]
    return pa.Table.from_arrays(arrays, names=names)


__all__ = ["MinutePlan", "Segment", "plan_minutes", "resample_minutes"]
