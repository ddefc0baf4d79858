"""Window files: observations <-> Parquet or CSV bytes (schema version 2), and the one writer of
``spreads/`` files. Version 1 files are read and upgraded to version 2 on the way in.

Columns are ``SCHEMA`` in order: the brief's five first, typed as the brief wrote them
(``orderbook_timestamp`` the ISO-8601 text, prices and spread float64), then ``observed_at``
(the tick as a real UTC timestamp), ``exchange_timestamp`` and ``received_at`` (UTC timestamps,
microseconds) and the status columns. Prices stay float64, the type the brief names and every
tool reads natively: each Bitso price has at most 15 significant digits, so a float64 holds it
exactly and ``Decimal(repr(value))`` gives back the published decimal; the brief's formula
recomputed from the stored bid and ask agrees with the stored spread to float64 precision.

The version is recorded in every file: Parquet key-value metadata ``bitsodata.schema_version``
(absent in version 1), and for CSV the header (version 2 headers have ``observed_at``).
CSV floats always carry a decimal point and times an explicit ``+00:00``, so a reader's type
inference cannot take a price for an integer or a time for text.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from bitsodata.domain.observation import COLUMNS, STATUSES, Observation
from bitsodata.domain.windows import iso_second, parse_iso_second
from bitsodata.errors import LakeError, WindowRejected
from bitsodata.lake.layout import SPREADS, check_book, spread_window_key
from bitsodata.lake.storage import Storage

Format = Literal["parquet", "csv"]
FORMATS: tuple[Format, ...] = ("parquet", "csv")
SCHEMA_VERSION = 2
VERSION_KEY = b"bitsodata.schema_version"
TABLE_KEY = b"bitsodata.table"
_INT64 = 2**63
_US = pa.timestamp("us", tz="UTC")
_TIMES = ("observed_at", "exchange_timestamp", "received_at")
_FLOATS = ("bid", "ask", "spread")

FILE_COLUMNS: tuple[str, ...] = (*COLUMNS[:5], "observed_at", *COLUMNS[5:])
"""Column order of a version 2 spreads file."""

_TYPES: dict[str, pa.DataType] = {
    "orderbook_timestamp": pa.string(),
    "book": pa.string(),
    "bid": pa.float64(),
    "ask": pa.float64(),
    "spread": pa.float64(),
    "observed_at": _US,
    "exchange_timestamp": _US,
    "received_at": _US,
    "age_ms": pa.int64(),
    "source": pa.string(),
    "status": pa.string(),
    "sequence": pa.int64(),
}
_REQUIRED = {"orderbook_timestamp", "book", "observed_at", "status"}
SCHEMA = pa.schema(
    [pa.field(n, _TYPES[n], nullable=n not in _REQUIRED) for n in FILE_COLUMNS],
    metadata={VERSION_KEY: str(SCHEMA_VERSION).encode(), TABLE_KEY: SPREADS.encode()},
)
"""Arrow schema of a version 2 spreads file (with its version metadata)."""

V1_SCHEMA = pa.schema(
    [
        pa.field(n, pa.float64() if n == "received_at" else _TYPES[n])
        if n != "exchange_timestamp"
        else pa.field(n, pa.string())
        for n in COLUMNS
    ]
)
"""Arrow schema of a version 1 file: times as text, ``received_at`` as epoch seconds."""


def check_format(fmt: str) -> Format:
    """``parquet`` or ``csv``."""
    if fmt not in FORMATS:
        raise LakeError(f"unknown window file format {fmt!r} (parquet or csv)")
    return fmt


def finite_float(value: Decimal | float | None, column: str, tick: int) -> float | None:
    """A price or metric as the float the files store; a window is refused for a non-finite one."""
    if value is None:
        return None
    out = float(value)
    if not math.isfinite(out):
        raise WindowRejected(f"{column} must be finite", tick=tick, value=str(value))
    return out


def _int(value: int | None, column: str, tick: int) -> int | None:
    if value is not None and not -_INT64 <= value < _INT64:
        raise WindowRejected(f"{column} does not fit in int64", tick=tick, value=value)
    return value


def _micros(value: float | None, tick: int) -> int | None:
    if value is None:
        return None
    if not math.isfinite(value):
        raise WindowRejected("received_at must be finite", tick=tick, value=str(value))
    return round(value * 1_000_000)


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)  # naive = UTC


def _check(obs: Observation) -> None:
    if obs.status not in STATUSES:
        raise WindowRejected(f"unknown status {obs.status!r}", tick=obs.tick, book=obs.book)
    if obs.source == "":
        raise WindowRejected("source must be null or non-empty", tick=obs.tick, book=obs.book)


def rows_to_table(rows: Sequence[Observation]) -> pa.Table:
    """Observations as an Arrow table with ``SCHEMA``."""
    for obs in rows:
        _check(obs)
    ticks = [obs.tick for obs in rows]
    arrays = {
        "orderbook_timestamp": pa.array([iso_second(t) for t in ticks], pa.string()),
        "book": pa.array([obs.book for obs in rows], pa.string()),
        "bid": pa.array([finite_float(o.bid, "bid", o.tick) for o in rows], pa.float64()),
        "ask": pa.array([finite_float(o.ask, "ask", o.tick) for o in rows], pa.float64()),
        "spread": pa.array([finite_float(o.spread, "spread", o.tick) for o in rows], pa.float64()),
        "observed_at": pa.array([t * 1_000_000 for t in ticks], pa.int64()).cast(_US),
        "exchange_timestamp": pa.array([_utc(o.exchange_timestamp) for o in rows], _US),
        "received_at": pa.array([_micros(o.received_at, o.tick) for o in rows], pa.int64()).cast(
            _US
        ),
        "age_ms": pa.array([_int(o.age_ms, "age_ms", o.tick) for o in rows], pa.int64()),
        "source": pa.array([obs.source for obs in rows], pa.string()),
        "status": pa.array([obs.status for obs in rows], pa.string()),
        "sequence": pa.array([_int(o.sequence, "sequence", o.tick) for o in rows], pa.int64()),
    }
    return pa.table(arrays, schema=SCHEMA)


def _dec(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(repr(value))


def _epoch(value: datetime | None) -> float | None:
    return None if value is None else value.timestamp()


def table_to_rows(table: pa.Table) -> list[Observation]:
    """Inverse of ``rows_to_table`` (any version; extra columns such as partitions are ignored)."""
    table = upgrade_table(table)
    cols = {name: table.column(name).to_pylist() for name in FILE_COLUMNS}
    unknown = set(cols["status"]) - set(STATUSES)
    if unknown:
        raise LakeError("unknown status in a window file", statuses=sorted(map(str, unknown)))
    return [
        Observation(
            tick=parse_iso_second(stamp),
            book=cols["book"][i],
            bid=_dec(cols["bid"][i]),
            ask=_dec(cols["ask"][i]),
            spread=_dec(cols["spread"][i]),
            exchange_timestamp=cols["exchange_timestamp"][i],
            received_at=_epoch(cols["received_at"][i]),
            age_ms=cols["age_ms"][i],
            source=cols["source"][i],
            status=cols["status"][i],
            sequence=cols["sequence"][i],
        )
        for i, stamp in enumerate(cols["orderbook_timestamp"])
    ]


def schema_version(table: pa.Table) -> int:
    """1 or 2: what the file's metadata (or, for CSV, its columns) says."""
    meta = table.schema.metadata or {}
    if VERSION_KEY in meta:
        return int(meta[VERSION_KEY])
    return SCHEMA_VERSION if "observed_at" in table.column_names else 1


def upgrade_table(table: pa.Table) -> pa.Table:
    """A version 1 or 2 table as exactly ``SCHEMA`` (times parsed, ``observed_at`` derived)."""
    if "observed_at" not in table.column_names:
        stamps = pc.cast(table.column("orderbook_timestamp"), pa.string())
        exch = pc.cast(table.column("exchange_timestamp"), pa.string())
        epoch = pc.cast(table.column("received_at"), pa.float64())
        received = pc.cast(pc.round(pc.multiply(epoch, 1_000_000.0)), pa.int64())
        table = table.drop_columns(["exchange_timestamp", "received_at"])
        table = table.append_column("observed_at", _parse_times(stamps))
        table = table.append_column("exchange_timestamp", _parse_times(exch))
        table = table.append_column("received_at", received.cast(_US))
    try:
        return table.select(list(FILE_COLUMNS)).cast(SCHEMA)
    except (pa.ArrowException, KeyError, ValueError) as exc:
        raise LakeError(f"not a window file: {exc}") from exc


def _parse_times(text: pa.ChunkedArray) -> pa.Array:
    """ISO-8601 text with offsets (as version 1 files hold them) -> UTC microseconds."""
    values = [None if v is None else datetime.fromisoformat(v) for v in text.to_pylist()]
    return pa.array([_utc(v) for v in values], _US)


def _float_text(values: list[float | None]) -> list[str]:
    return ["" if v is None else np.format_float_positional(v, trim="0") for v in values]


def _time_text(values: list[datetime | None]) -> list[str]:
    return ["" if v is None else v.isoformat() for v in values]


def _csv_bytes(table: pa.Table) -> bytes:
    """CSV with a header; floats with a decimal point, times ISO-8601 ``+00:00``, nulls empty."""
    columns: list[list[Any]] = []
    for name in table.column_names:
        values = table.column(name).to_pylist()
        if name in _FLOATS:
            columns.append(_float_text(values))
        elif name in _TIMES:
            columns.append(_time_text(values))
        else:
            columns.append(["" if v is None else v for v in values])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(table.column_names)
    writer.writerows(zip(*columns, strict=True))
    return out.getvalue().encode()


def encode_table(table: pa.Table, fmt: str) -> bytes:
    """Arrow table (any version) -> version 2 file bytes (extra metadata keys are kept)."""
    extra = table.schema.metadata or {}
    table = upgrade_table(table)
    table = table.replace_schema_metadata({**extra, **(SCHEMA.metadata or {})})
    if check_format(fmt) == "csv":
        return _csv_bytes(table)
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue()


def _read_csv(data: bytes) -> pa.Table:
    header = next(csv.reader(io.StringIO(data[:4096].decode("utf-8", "replace"))), [])
    schema = SCHEMA if "observed_at" in header else V1_SCHEMA
    convert = pa_csv.ConvertOptions(
        column_types=schema,
        null_values=[""],
        strings_can_be_null=True,
        quoted_strings_can_be_null=False,
    )
    return pa_csv.read_csv(io.BytesIO(data), convert_options=convert)


def decode_table(data: bytes, fmt: str) -> pa.Table:
    """File bytes of either version -> Arrow table with exactly ``SCHEMA``."""
    try:
        if check_format(fmt) == "parquet":
            table = pq.read_table(io.BytesIO(data))
        else:
            table = _read_csv(data)
    except (pa.ArrowException, KeyError, ValueError) as exc:
        raise LakeError(f"not a window file: {exc}", format=fmt) from exc
    return upgrade_table(table)


def encode_window(rows: Sequence[Observation], fmt: str) -> bytes:
    """Observations -> Parquet or CSV bytes."""
    return encode_table(rows_to_table(rows), fmt)


def decode_window(data: bytes, fmt: str) -> list[Observation]:
    """Parquet or CSV bytes -> observations, in file order."""
    return table_to_rows(decode_table(data, fmt))


def check_window(
    book: str, window_start: int, rows: Sequence[Observation], window_seconds: int
) -> list[Observation]:
    """The rows sorted by tick; refuses a window start off the window grid, another book, ticks
    outside the window, repeated ticks (what every window writer checks first)."""
    if window_start % window_seconds:
        raise WindowRejected(
            "window start not aligned", window_start=window_start, window_seconds=window_seconds
        )
    check_book(book)
    end = window_start + window_seconds
    seen: set[int] = set()
    for obs in rows:
        if obs.book != book:
            raise WindowRejected("row of another book", book=book, row_book=obs.book, tick=obs.tick)
        if not window_start <= obs.tick < end:
            raise WindowRejected(
                "row outside the window", book=book, window_start=window_start, tick=obs.tick
            )
        if obs.tick in seen:
            raise WindowRejected("two rows for one second", book=book, tick=obs.tick)
        seen.add(obs.tick)
    return sorted(rows, key=lambda obs: obs.tick)


def write_window(
    storage: Storage,
    book: str,
    window_start: int,
    rows: Sequence[Observation],
    fmt: str = "parquet",
    *,
    window_seconds: int = 600,
) -> str:
    """Write one window file atomically (a rewrite replaces it); returns its key."""
    ordered = check_window(book, window_start, rows, window_seconds)
    key = spread_window_key(book, window_start, check_format(fmt))
    storage.put(key, encode_window(ordered, fmt))
    return key
