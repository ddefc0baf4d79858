"""The five source CSVs, read record by record into landing rows of text fields.

This is the boundary of the warehouse, and it only reads: a record becomes its line number, its
raw line and its fields as the file spelled them (``_raw_<source>``), or, when it cannot be split
into the header's fields (not UTF-8, a line break in a quoted field, an unterminated quote, a wrong
field count), its read reason. Checking and typing every field is the staging models' work (SQL,
``project/models/staging``); nothing is dropped, and no record fails a batch.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa

from bitsodata.errors import SchemaMismatchError
from bitsodata.settings import WarehouseSettings
from bitsodata.warehouse.sources.columns import (
    MAX_AMOUNT_DIGITS,
    MAX_CODE_LENGTH,
    SOURCES,
    SourceSpec,
)
from bitsodata.warehouse.sources.records import BOM, iter_records, split_fields

__all__ = [
    "MAX_AMOUNT_DIGITS",
    "MAX_CODE_LENGTH",
    "SOURCES",
    "Chunk",
    "EventWindow",
    "SourceSpec",
    "check_header",
    "iter_landing",
    "landing_row",
    "landing_table",
    "records",
    "utc_iso",
]

LandingRow = tuple[Any, ...]
_BLANK = " \t"
"""Blanks around a header name that are not part of it."""
_LINE_BLANKS = " \t\r\n\x0b\x0c"
"""What makes a line blank (ASCII only, as ``bytes.strip`` and the landing see it)."""


@dataclass(frozen=True)
class EventWindow:
    """The event times a row may carry (naive UTC, both ends included); staging quarantines a row
    outside it as implausible instead of stretching the calendar (``dim_date``) to its day."""

    earliest: datetime = datetime.min
    latest: datetime = datetime.max

    @classmethod
    def around(cls, settings: WarehouseSettings, now: datetime) -> EventWindow:
        """The window the settings give a load running at ``now`` (aware, or naive UTC)."""
        if now.tzinfo is not None:
            now = now.astimezone(UTC).replace(tzinfo=None)
        earliest = datetime.combine(settings.earliest_event_day, datetime.min.time())
        return cls(earliest, now + timedelta(hours=settings.latest_event_ahead_hours))

    def variables(self) -> dict[str, str]:
        """The window as the staging models' ``var()``s (what ``dbt --vars`` would pass)."""
        return {
            "earliest_event_at": self.earliest.isoformat(sep=" "),
            "latest_event_at": self.latest.isoformat(sep=" "),
        }


@dataclass
class Chunk:
    """Landing rows of one stretch of a file (``table``: the landing table's columns) and the
    first and last line numbers it covers."""

    table: pa.Table
    lines: tuple[int, int] = (0, 0)


def check_header(path: Path, spec: SourceSpec) -> list[str]:
    """The header's columns (a UTF-8 byte order mark ignored), or :class:`SchemaMismatchError`
    naming the file and line 1 when they do not match ``spec``."""
    with path.open("rb") as f:
        first = f.readline().removeprefix(BOM).rstrip(b"\r\n")
    try:
        text = first.decode("utf-8")
    except UnicodeDecodeError:
        raise SchemaMismatchError(
            f"{path.name} line 1: the header is not UTF-8 text", path=str(path), line=1
        ) from None
    columns = [c.strip(_BLANK).lower() for c in split_fields(text) or [text]]
    missing = [c for c in spec.required if c not in columns]
    extra = [c for c in columns if c not in spec.required and c not in spec.optional]
    if missing or extra or len(set(columns)) != len(columns):
        raise SchemaMismatchError(
            f"{path.name} line 1: columns {columns} do not match the expected "
            f"{list(spec.required)}",
            path=str(path),
            line=1,
            missing=missing,
            unexpected=extra,
        )
    return columns


def stored(raw: str) -> str:
    """The raw line as the warehouse stores it: NUL, which PostgreSQL text cannot hold, escaped."""
    return raw.replace("\x00", "\\x00")


def _row(
    spec: SourceSpec, columns: list[str], line_no: int, raw: str, reason: str | None
) -> LandingRow:
    nothing = [None] * len(spec.columns)
    if reason is not None:
        return (line_no, stored(raw), reason, *nothing)
    values = split_fields(raw)
    if values is None:
        return (line_no, stored(raw), "unterminated quoted field", *nothing)
    if "\n" in raw:  # no source field may hold a line break: the whole record is bad
        return (line_no, stored(raw), "line break inside a quoted field", *nothing)
    if len(values) != len(columns):
        return (line_no, stored(raw), "wrong number of fields", *nothing)
    by_name = dict(zip(columns, values, strict=True))
    fields = [by_name.get(c.name) for c in spec.columns]
    return (line_no, stored(raw), None, *(None if v is None else stored(v) for v in fields))


def landing_row(
    spec: SourceSpec, columns: list[str], raw: bytes | str, line_no: int = 0
) -> LandingRow | None:
    """The landing row of one record (without its line end), or None for a blank line; bytes
    that are not UTF-8 keep them as ``\\xNN`` escapes in the raw line."""
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            reason = f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})"
            return _row(spec, columns, line_no, raw.decode("utf-8", "backslashreplace"), reason)
    else:
        text = raw
    if not text.strip(_LINE_BLANKS):
        return None
    return _row(spec, columns, line_no, text, None)


def landing_table(spec: SourceSpec, rows: Iterable[LandingRow]) -> pa.Table:
    """Landing rows as an Arrow table of the landing table's columns."""
    listed = list(rows)
    names = spec.landing_columns
    arrays = [
        pa.array([r[i] for r in listed], pa.int64() if i == 0 else pa.string())
        for i in range(len(names))
    ]
    return pa.table(arrays, names=list(names))


def records(path: Path) -> Iterator[tuple[int, bytes]]:
    """(line number, record) of every record of ``path`` after its header (line 1)."""
    with path.open("rb") as f:
        f.readline()
        yield from iter_records((line.removesuffix(b"\n") for line in f), 2)


def iter_landing(path: Path, spec: SourceSpec, chunk_size: int = 100_000) -> Iterator[Chunk]:
    """Read ``path`` record by record into landing chunks (the reference reader; the bulk one is
    :mod:`bitsodata.warehouse.sources.columnar`)."""
    columns = check_header(path, spec)
    rows: list[LandingRow] = []
    first = last = 2
    for no, record in records(path):
        last = no
        row = landing_row(spec, columns, record, no)
        if row is not None:
            rows.append(row)
        if len(rows) >= chunk_size:
            yield Chunk(landing_table(spec, rows), (first, last))
            rows, first = [], last + 1
    if rows:
        yield Chunk(landing_table(spec, rows), (first, last))


def utc_iso(value: datetime | None) -> str | None:
    """A naive-UTC timestamp as an ISO-8601 string with ``+00:00``."""
    return None if value is None else value.replace(tzinfo=UTC).isoformat()
