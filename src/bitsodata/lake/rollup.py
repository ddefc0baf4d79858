"""Per-minute rollups of the ``spreads`` table: one ``spreads_minute/`` file per book-day, made by
compaction from the day's rows, so a resample at whole minutes reads 1,440 rows a day, not 86,400.

Every figure is one that merges exactly into a longer bucket: counts, first/last tick with a
spread (for open and close), high, low, and the spread summed as an exact decimal. The file
records how many window files it was built from; a day that gained windows since is stale.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from bitsodata.domain.observation import STATUSES
from bitsodata.lake.layout import MINUTES
from bitsodata.lake.reader import WINDOWS_KEY, connect
from bitsodata.lake.stats import DEFAULT_THRESHOLDS
from bitsodata.lake.windowfile import TABLE_KEY, VERSION_KEY

ROLLUP_VERSION = 1
THRESHOLDS_KEY = b"bitsodata.thresholds"
"""Key-value metadata: the thresholds (percent) whose ``n_above_*`` columns the file holds."""
MINUTE_US = 60_000_000
SUM_TYPE = "decimal(38, 18)"
"""The exact type spreads are summed in: the one ``Lake.resample`` averages (raw rows) in."""
_SCALE = np.longdouble(1e18)
_TWO_64 = np.longdouble(2**64)


def threshold_suffix(threshold: Decimal | float) -> str:
    """``0_5`` for 0.5 (``minus_1`` for -1): a threshold in a column name."""
    text = format(Decimal(str(threshold)).normalize(), "f")
    return text.replace(".", "_").replace("-", "minus_")


def above_column(threshold: Decimal | float) -> str:
    """``n_above_0_5`` for 0.5: seconds whose spread is strictly above the threshold."""
    return "n_above_" + threshold_suffix(threshold)


def held(thresholds: Sequence[Decimal | float], kept: Sequence[Decimal]) -> bool:
    """Every asked threshold is one a rollup keeps (compared as the float the SQL uses)."""
    floats = {float(t) for t in kept}
    return all(float(t) in floats for t in thresholds)


def minute_sql(source: str, thresholds: Sequence[Decimal | float] = DEFAULT_THRESHOLDS) -> str:
    """Per book and minute of ``source`` (rows with ``book``, ``observed_at``, ``spread``,
    ``status``): the rollup columns, the minute as ``_minute`` (epoch minutes)."""
    has = "filter (where spread is not null)"
    counts = "".join(f", count(*) filter (where status = '{s}') as n_{s}" for s in STATUSES)
    above = "".join(
        f", count(*) filter (where spread > {float(t)!r}) as {above_column(t)}" for t in thresholds
    )
    return f"""
        select book, epoch_us(observed_at) // {MINUTE_US} as _minute,
               count(*) as n_seconds, count(spread) as n_spread,
               min(observed_at) {has} as first_at, max(observed_at) {has} as last_at,
               arg_min(spread, observed_at) {has} as "open", max(spread) as high,
               min(spread) as low, arg_max(spread, observed_at) {has} as "close",
               sum(spread::{SUM_TYPE}) as sum_spread{counts}{above}
        from {source} group by book, _minute
    """


def build_rollup(rows: pa.Table, thresholds: Sequence[Decimal] = DEFAULT_THRESHOLDS) -> pa.Table:
    """The rollup table of one book-day's rows, one row per minute with a row, in time order."""
    con = connect()
    try:
        con.register("_rows", rows)
        sql = (
            f"select book, to_timestamp(_minute * 60) as minute_at, * exclude (book, _minute) "
            f"from ({minute_sql('_rows', thresholds)}) order by book, minute_at"
        )
        return con.sql(sql).to_arrow_table()
    finally:
        con.close()


@dataclass(frozen=True)
class RollupInfo:
    """What a rollup file's metadata says: its window count and its thresholds."""

    windows: int
    thresholds: tuple[Decimal, ...]


def encode_rollup(table: pa.Table, windows: int, thresholds: Sequence[Decimal]) -> bytes:
    """Parquet bytes of a rollup table, with what it was built from in its metadata."""
    meta = {
        VERSION_KEY: str(ROLLUP_VERSION).encode(),
        TABLE_KEY: MINUTES.encode(),
        WINDOWS_KEY: str(windows).encode(),
        THRESHOLDS_KEY: ",".join(str(t) for t in thresholds).encode(),
    }
    sink = io.BytesIO()
    pq.write_table(table.replace_schema_metadata(meta), sink, compression="zstd")
    return sink.getvalue()


def rollup_info(schema: pa.Schema) -> RollupInfo | None:
    """The metadata of a rollup file's schema; None for a file this version cannot trust."""
    meta = schema.metadata or {}
    if meta.get(TABLE_KEY) != MINUTES.encode() or WINDOWS_KEY not in meta:
        return None
    if meta.get(VERSION_KEY) != str(ROLLUP_VERSION).encode():
        return None  # written by another version: its columns may mean something else
    text = meta.get(THRESHOLDS_KEY, b"").decode()
    kept = tuple(Decimal(t) for t in text.split(",") if t)
    return RollupInfo(int(meta[WINDOWS_KEY]), kept)


def exact_mean(sums: pa.Array | pa.ChunkedArray, counts: np.ndarray) -> pa.Array:
    """``sum / count`` as DuckDB's ``avg`` of a ``decimal(38, 18)`` column gives it, bit for bit.

    DuckDB finishes that average in the C ``long double`` (x87 extended on x86-64): the exact
    scaled integer sum converted as ``lower + upper * 2**64``, divided by ``count * 1e18``, then
    rounded to a double. numpy's ``longdouble`` is the same C type, so the same steps give the
    same bits (a plain float division differs in the last bit for about a third of buckets).
    """
    array = sums.combine_chunks() if isinstance(sums, pa.ChunkedArray) else sums
    if len(array) == 0:
        return pa.array([], pa.float64())
    words = np.frombuffer(array.buffers()[1], dtype="<u8").reshape(-1, 2)
    words = words[array.offset : array.offset + len(array)]
    lower, upper = words[:, 0], words[:, 1].view(np.int64)
    positive = lower.astype(np.longdouble) + upper.astype(np.longdouble) * _TWO_64
    negative = -(np.uint64(2**64 - 1) - lower).astype(np.longdouble) - 1
    value = np.where(upper == -1, negative, positive)
    n = np.asarray(counts, dtype=np.uint64)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = (value / (n.astype(np.longdouble) * _SCALE)).astype(np.float64)
    invalid = (n == 0) | array.is_null().to_numpy(zero_copy_only=False)
    return pa.array(mean, pa.float64(), mask=invalid)
