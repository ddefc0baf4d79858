"""Window files: observations <-> Parquet or CSV bytes, and the one writer of ``spreads/`` files.

Columns are ``COLUMNS`` in order (the brief's five first). Prices and spreads are float64 in the
file and come back as ``Decimal(repr(value))``, so every value a float64 holds (any decimal with
up to 15 significant digits) round-trips exactly; times are ISO-8601 UTC text, nulls stay nulls.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from bitsodata.domain.observation import COLUMNS, STATUSES, Observation
from bitsodata.domain.windows import iso_second, parse_iso_second
from bitsodata.errors import LakeError, WindowRejected
from bitsodata.lake.layout import check_book, spread_window_key
from bitsodata.lake.storage import Storage

Format = Literal["parquet", "csv"]
FORMATS: tuple[Format, ...] = ("parquet", "csv")
_INT64 = 2**63

SCHEMA = pa.schema(
    [
        pa.field("orderbook_timestamp", pa.string(), nullable=False),
        pa.field("book", pa.string(), nullable=False),
        pa.field("bid", pa.float64()),
        pa.field("ask", pa.float64()),
        pa.field("spread", pa.float64()),
        pa.field("exchange_timestamp", pa.string()),
        pa.field("received_at", pa.float64()),
        pa.field("age_ms", pa.int64()),
        pa.field("source", pa.string()),
        pa.field("status", pa.string(), nullable=False),
        pa.field("sequence", pa.int64()),
    ]
)
assert tuple(SCHEMA.names) == COLUMNS


def check_format(fmt: str) -> Format:
    """``parquet`` or ``csv``."""
    if fmt not in FORMATS:
        raise LakeError(f"unknown window file format {fmt!r} (parquet or csv)")
    return fmt


def _float(value: Decimal | float | None, column: str, tick: int) -> float | None:
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


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)  # naive means UTC
    return aware.astimezone(UTC).isoformat()


def _row(obs: Observation) -> dict[str, Any]:
    if obs.status not in STATUSES:
        raise WindowRejected(f"unknown status {obs.status!r}", tick=obs.tick, book=obs.book)
    if obs.source == "":
        raise WindowRejected("source must be null or non-empty", tick=obs.tick, book=obs.book)
    return {
        "orderbook_timestamp": iso_second(obs.tick),
        "book": obs.book,
        "bid": _float(obs.bid, "bid", obs.tick),
        "ask": _float(obs.ask, "ask", obs.tick),
        "spread": _float(obs.spread, "spread", obs.tick),
        "exchange_timestamp": _iso(obs.exchange_timestamp),
        "received_at": _float(obs.received_at, "received_at", obs.tick),
        "age_ms": _int(obs.age_ms, "age_ms", obs.tick),
        "source": obs.source,
        "status": obs.status,
        "sequence": _int(obs.sequence, "sequence", obs.tick),
    }


def rows_to_table(rows: Sequence[Observation]) -> pa.Table:
    """Observations as an Arrow table with ``SCHEMA``."""
    return pa.Table.from_pylist([_row(obs) for obs in rows], schema=SCHEMA)


def _dec(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(repr(value))


def table_to_rows(table: pa.Table) -> list[Observation]:
    """Inverse of ``rows_to_table`` (extra columns, e.g. hive partitions, are ignored)."""
    cols = {name: table.column(name).to_pylist() for name in COLUMNS}
    unknown = set(cols["status"]) - set(STATUSES)
    if unknown:
        raise LakeError("unknown status in a window file", statuses=sorted(map(str, unknown)))
    out = []
    for i, stamp in enumerate(cols["orderbook_timestamp"]):
        exch = cols["exchange_timestamp"][i]
        out.append(
            Observation(
                tick=parse_iso_second(stamp),
                book=cols["book"][i],
                bid=_dec(cols["bid"][i]),
                ask=_dec(cols["ask"][i]),
                spread=_dec(cols["spread"][i]),
                exchange_timestamp=None if exch is None else datetime.fromisoformat(exch),
                received_at=cols["received_at"][i],
                age_ms=cols["age_ms"][i],
                source=cols["source"][i],
                status=cols["status"][i],
                sequence=cols["sequence"][i],
            )
        )
    return out


def encode_table(table: pa.Table, fmt: str) -> bytes:
    """Arrow table (``SCHEMA``) -> file bytes. CSV: header row, nulls as empty fields."""
    table = table.select(list(COLUMNS)).cast(SCHEMA)
    sink = io.BytesIO()
    if check_format(fmt) == "parquet":
        pq.write_table(table, sink, compression="zstd")
    else:
        pa_csv.write_csv(table, sink, pa_csv.WriteOptions(quoting_style="needed"))
    return sink.getvalue()


def decode_table(data: bytes, fmt: str) -> pa.Table:
    """File bytes -> Arrow table with exactly ``SCHEMA``."""
    try:
        if check_format(fmt) == "parquet":
            table = pq.read_table(io.BytesIO(data))
        else:
            convert = pa_csv.ConvertOptions(
                column_types=SCHEMA,
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=False,
            )
            table = pa_csv.read_csv(io.BytesIO(data), convert_options=convert)
        return table.select(list(COLUMNS)).cast(SCHEMA)
    except (pa.ArrowException, KeyError, ValueError) as exc:
        raise LakeError(f"not a window file: {exc}", format=fmt) from exc


def encode_window(rows: Sequence[Observation], fmt: str) -> bytes:
    """Observations -> Parquet or CSV bytes."""
    return encode_table(rows_to_table(rows), fmt)


def decode_window(data: bytes, fmt: str) -> list[Observation]:
    """Parquet or CSV bytes -> observations, in file order."""
    return table_to_rows(decode_table(data, fmt))


def check_window(
    book: str, window_start: int, rows: Sequence[Observation], window_seconds: int
) -> list[Observation]:
    """The rows sorted by tick; refuses another book, ticks outside the window, repeated ticks."""
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
    if window_start % window_seconds:
        raise WindowRejected(
            "window start not aligned", window_start=window_start, window_seconds=window_seconds
        )
    ordered = check_window(book, window_start, rows, window_seconds)
    key = spread_window_key(book, window_start, check_format(fmt))
    storage.put(key, encode_window(ordered, fmt))
    return key
