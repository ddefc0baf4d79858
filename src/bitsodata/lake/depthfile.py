"""Depth window files: the liquidity part of a window's rows <-> Parquet or CSV (schema version 2).

``<lake>/depth/<book>/date=…/hour=…/<book>_<start>Z.<ext>``, the same windows, names and
guarantees as ``spreads/``: one row per second (a second without a book is a row of nulls with
``depth_source`` null), written atomically, rewritten identically from the journal after a crash.
Columns: ``DEPTH_HEAD`` then the book's metric columns (``row_metric_names`` of its sizes), so a
book's files share one schema; the sizes priced are part of the column names.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from bitsodata.domain.depth import NotionalSize, row_metric_names
from bitsodata.domain.observation import Observation
from bitsodata.domain.windows import iso_second
from bitsodata.errors import LakeError
from bitsodata.lake.layout import DEPTH, window_key
from bitsodata.lake.storage import Storage
from bitsodata.lake.windowfile import (
    SCHEMA_VERSION,
    TABLE_KEY,
    VERSION_KEY,
    check_format,
    check_window,
    finite_float,
)

_US = pa.timestamp("us", tz="UTC")
DEPTH_HEAD: tuple[tuple[str, pa.DataType], ...] = (
    ("orderbook_timestamp", pa.string()),
    ("book", pa.string()),
    ("observed_at", _US),
    ("depth_source", pa.string()),
    ("sequence", pa.int64()),
    ("received_at", _US),
    ("age_ms", pa.int64()),
    ("levels_bid", pa.int64()),
    ("levels_ask", pa.int64()),
)
_REQUIRED = {"orderbook_timestamp", "book", "observed_at"}


def depth_schema(sizes: Sequence[NotionalSize]) -> pa.Schema:
    """The Arrow schema of a book's depth files (with the version metadata)."""
    fields = [pa.field(n, t, nullable=n not in _REQUIRED) for n, t in DEPTH_HEAD]
    fields += [pa.field(n, pa.float64()) for n in row_metric_names(sizes)]
    meta = {VERSION_KEY: str(SCHEMA_VERSION).encode(), TABLE_KEY: DEPTH.encode()}
    return pa.schema(fields, metadata=meta)


def _micros(value: float | None) -> int | None:
    return None if value is None else round(value * 1_000_000)


def depth_table(rows: Sequence[Observation], sizes: Sequence[NotionalSize]) -> pa.Table:
    """The depth part of observations as an Arrow table with ``depth_schema(sizes)``."""
    schema = depth_schema(sizes)
    ticks = [o.tick for o in rows]
    depths = [o.depth for o in rows]
    arrays: dict[str, pa.Array] = {
        "orderbook_timestamp": pa.array([iso_second(t) for t in ticks], pa.string()),
        "book": pa.array([o.book for o in rows], pa.string()),
        "observed_at": pa.array([t * 1_000_000 for t in ticks], pa.int64()).cast(_US),
        "depth_source": pa.array([d.source if d else None for d in depths], pa.string()),
        "sequence": pa.array([d.sequence if d else None for d in depths], pa.int64()),
        "received_at": pa.array(
            [_micros(d.received_at) if d else None for d in depths], pa.int64()
        ).cast(_US),
        "age_ms": pa.array(
            [
                max(0, round((t - d.received_at) * 1000)) if d and d.received_at else None
                for t, d in zip(ticks, depths, strict=True)
            ],
            pa.int64(),
        ),
        "levels_bid": pa.array([d.levels_bid if d else None for d in depths], pa.int64()),
        "levels_ask": pa.array([d.levels_ask if d else None for d in depths], pa.int64()),
    }
    for name in row_metric_names(sizes):
        arrays[name] = pa.array(
            [
                finite_float(d.metrics.get(name), name, t) if d else None
                for t, d in zip(ticks, depths, strict=True)
            ],
            pa.float64(),
        )
    return pa.table(arrays, schema=schema)


def _csv_bytes(table: pa.Table) -> bytes:
    """Header, floats with a decimal point, times ISO-8601 ``+00:00``, nulls empty (as spreads)."""
    columns: list[list[Any]] = []
    for field in table.schema:
        values = table.column(field.name).to_pylist()
        if pa.types.is_floating(field.type):
            columns.append(
                ["" if v is None else np.format_float_positional(v, trim="0") for v in values]
            )
        elif pa.types.is_timestamp(field.type):
            columns.append(["" if v is None else v.isoformat() for v in values])
        else:
            columns.append(["" if v is None else v for v in values])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.column_names)
    writer.writerows(zip(*columns, strict=True))
    return out.getvalue().encode()


def encode_depth_window(
    rows: Sequence[Observation], sizes: Sequence[NotionalSize], fmt: str
) -> bytes:
    """The depth rows of a window as Parquet or CSV bytes."""
    table = depth_table(rows, sizes)
    if check_format(fmt) == "csv":
        return _csv_bytes(table)
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue()


def decode_depth_window(data: bytes, fmt: str, sizes: Sequence[NotionalSize]) -> pa.Table:
    """Depth file bytes -> an Arrow table with ``depth_schema(sizes)``."""
    schema = depth_schema(sizes)
    try:
        if check_format(fmt) == "parquet":
            table = pq.read_table(io.BytesIO(data))
        else:
            convert = pa_csv.ConvertOptions(
                column_types=schema,
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=False,
            )
            table = pa_csv.read_csv(io.BytesIO(data), convert_options=convert)
        return table.select(schema.names).cast(schema)
    except (pa.ArrowException, KeyError, ValueError) as exc:
        raise LakeError(f"not a depth window file: {exc}", format=fmt) from exc


def write_depth_window(
    storage: Storage,
    book: str,
    window_start: int,
    rows: Sequence[Observation],
    sizes: Sequence[NotionalSize],
    fmt: str = "parquet",
    *,
    window_seconds: int = 600,
) -> str:
    """Write one depth window file atomically (a rewrite replaces it); returns its key."""
    ordered = check_window(book, window_start, rows, window_seconds)
    key = window_key(DEPTH, book, window_start, check_format(fmt))
    storage.put(key, encode_depth_window(ordered, sizes, fmt))
    return key
