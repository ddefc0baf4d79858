"""Vectorised reading for the landing step: source bytes -> records -> fields -> event days.

A file is read in large blocks of whole records (the loader's cut, see ``records``: a quoted
field may span lines, so such a record lands whole, in one day); each block becomes one
Arrow binary array whose elements are the raw records (zero copy), so what is written out is the
source bytes. Fields come from Arrow's CSV reader (a split per record when one has an odd number
of columns, with the loader's quoting rules), UTC dates from an RE2 pattern and ``strptime``; the
few timestamps in other spellings (offsets, garbage) go through ``event_day``, the per-row
reference the vectorised path is tested against.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import IO

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from bitsodata.warehouse.sources import records

BLOCK_BYTES = 32 << 20
"""Bytes read at a time (cut at the last newline); late-row draws are per block."""
NO_DAY = np.iinfo(np.int32).min
"""Day number of a row whose timestamp cannot be read."""
EPOCH = date(1970, 1, 1)
LAST_DAY = (date.max - EPOCH).days
"""The last day number Python's ``date`` can hold (a late row is not pushed past it)."""
Days = npt.NDArray[np.int32]

_UTC_TS = re.compile(rb"(\d{4}-\d{2}-\d{2})[ T]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:\+00(?::?00)?|Z)?")
_UTC_TS_RE2 = r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:\+00(?::?00)?|Z)?$"
_BLANKS = np.frombuffer(b" \t\r\n\x0b\x0c", np.uint8)
"""What ``bytes.strip()`` removes."""
_EDGE_BLANKS_RE2 = r"^[ \t\r\n\x0b\x0c]+|[ \t\r\n\x0b\x0c]+$"
_VALID: dict[bytes, bool] = {}


def event_day(raw: bytes) -> bytes | None:
    """UTC date (``b"YYYY-MM-DD"``) of a timestamp like ``2020-01-10 14:11:05.63+00``, else None."""
    text = raw.strip()
    match = _UTC_TS.fullmatch(text)
    if match is not None:
        return match.group(1) if _valid_day(match.group(1)) else None
    try:
        parsed = datetime.fromisoformat(text.decode())
    except (ValueError, UnicodeDecodeError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).date().isoformat().encode()


def _valid_day(day: bytes) -> bool:
    known = _VALID.get(day)
    if known is None:
        try:
            date.fromisoformat(day.decode())
            known = True
        except ValueError:
            known = False
        _VALID[day] = known
    return known


def day_text(number: int) -> bytes:
    """``b"YYYY-MM-DD"`` of a day number (days since 1970-01-01)."""
    return (EPOCH + timedelta(days=number)).isoformat().encode()


def day_number(day: bytes) -> int:
    return (date.fromisoformat(day.decode()) - EPOCH).days


def blocks(src: IO[bytes], size: int = BLOCK_BYTES) -> Iterator[pa.BinaryArray]:
    """The non-blank records of the rest of ``src`` (a quoted field may span lines: see
    :mod:`bitsodata.warehouse.sources.records`), about ``size`` bytes at a time, each whole and
    ending with ``\\n``."""
    for block in records.blocks(src, size):
        if len(lines := _lines(block)):
            yield lines


def _lines(block: records.Block) -> pa.BinaryArray:
    data, offsets = block.data, block.offsets.astype(np.int32)
    buf = np.frombuffer(data, np.uint8)
    lines = pa.BinaryArray.from_buffers(
        pa.binary(), len(block), [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    )
    # a blank line starts with a blank: only those few are looked at one by one
    maybe = np.flatnonzero(np.isin(buf[offsets[:-1]], _BLANKS))
    blank = [int(i) for i in maybe if not data[offsets[i] : offsets[i + 1]].strip()]
    if not blank:
        return lines
    keep = np.ones(len(lines), dtype=bool)
    keep[blank] = False
    kept: pa.BinaryArray = lines.filter(pa.array(keep))
    return kept


def columns(lines: pa.BinaryArray, width: int, ats: Sequence[int]) -> list[pa.Array]:
    """Columns ``ats`` of every line (of ``width`` columns), CSV quoting honoured, blanks around
    a value trimmed; null where a line is too short. Arrow's CSV reader does the work unless a
    line has another number of columns; then a split per line does it."""
    found = _csv_columns(lines, width, ats)
    if found is None:
        found = [_split_column(lines, at) for at in ats]
    return [_trim(values) for values in found]


def _csv_columns(lines: pa.BinaryArray, width: int, ats: Sequence[int]) -> list[pa.Array] | None:
    names = [f"c{i}" for i in range(width)]
    odd: list[object] = []

    def invalid(row: object) -> str:
        odd.append(row)
        return "skip"

    try:
        table = pcsv.read_csv(
            pa.BufferReader(line_bytes(lines, 0, len(lines))),
            read_options=pcsv.ReadOptions(column_names=names, block_size=BLOCK_BYTES * 2),
            parse_options=pcsv.ParseOptions(invalid_row_handler=invalid),
            convert_options=pcsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.binary()),
                include_columns=[names[at] for at in ats],
                null_values=[],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, ValueError):
        return None
    if odd or table.num_rows != len(lines):
        return None
    return [table.column(names[at]).combine_chunks() for at in ats]


def _split_column(lines: pa.BinaryArray, at: int) -> pa.Array:
    body = pc.binary_slice(lines, 0, -1)  # every line ends with its newline
    parts = pc.split_pattern(body, ",", max_splits=at + 1)
    long_enough = pc.greater(pc.list_value_length(parts), at)
    if not pc.all(long_enough).as_py():
        parts = pc.if_else(long_enough, parts, pa.scalar(None, parts.type))
    values = pc.list_element(parts, at)
    quoted = np.flatnonzero(pc.match_substring(lines, '"').to_numpy(zero_copy_only=False))
    if not len(quoted):
        return values
    items = values.to_pylist()
    for i in quoted.tolist():
        cells = python_fields(lines[i].as_py())
        items[i] = cells[at] if len(cells) > at else None
    return pa.array(items, pa.binary())


def _trim(values: pa.Array) -> pa.Array:
    """Blanks around each value removed (a vectorised look at first and last bytes first)."""
    if not _edge_blanks(values):
        return values
    return pc.replace_substring_regex(values, _EDGE_BLANKS_RE2, "")


def _edge_blanks(values: pa.Array) -> bool:
    data = values.buffers()[2]
    if data is None or not len(values):
        return False
    offsets = np.frombuffer(values.buffers()[1], np.int32)[values.offset :][: len(values) + 1]
    starts, ends = offsets[:-1], offsets[1:]
    filled = ends > starts
    buf = np.frombuffer(data, np.uint8)
    edges = np.concatenate((buf[starts[filled]], buf[ends[filled] - 1]))
    return bool(np.isin(edges, _BLANKS).any())


def line_bytes(lines: pa.BinaryArray, start: int, end: int) -> memoryview:
    """The bytes of ``lines[start:end]`` (contiguous in an Arrow binary array)."""
    offsets = np.frombuffer(lines.buffers()[1], np.int32)[lines.offset :]
    data = lines.buffers()[2]
    assert data is not None
    return memoryview(data)[int(offsets[start]) : int(offsets[end])]


def python_fields(line: bytes) -> list[bytes]:
    """All fields of one record, CSV quoting honoured (the loader's rules; bytes kept as they
    are, UTF-8 or not)."""
    body = line.removesuffix(b"\n").removesuffix(b"\r")
    if b'"' not in body:
        return body.split(b",")
    fields = records.split_fields(body.decode("utf-8", "surrogateescape"))
    if fields is None:  # a quote never closed: the quotes are plain characters
        return body.split(b",")
    return [f.encode("utf-8", "surrogateescape") for f in fields]


def days_of(stamps: pa.Array) -> Days:
    """Day numbers of timestamps (``NO_DAY`` when unreadable), exactly as ``event_day`` says."""
    fast = pc.fill_null(pc.match_substring_regex(stamps, _UTC_TS_RE2), False)
    ymd = pc.if_else(fast, pc.binary_slice(stamps, 0, 10), None).cast(pa.string())
    parsed = pc.strptime(ymd, format="%Y-%m-%d", unit="s", error_is_null=True)
    # strptime rolls 2020-02-30 over to March 1st: the day of the month tells
    written = pc.utf8_slice_codeunits(ymd, 8, 10).cast(pa.int64())
    valid = pc.and_(pc.equal(pc.day(parsed), written), pc.greater_equal(pc.year(parsed), 1))
    numbers = pc.if_else(valid, parsed.cast(pa.date32()).cast(pa.int32()), None)
    days: Days = pc.fill_null(numbers, NO_DAY).to_numpy(zero_copy_only=False).copy()
    other = pc.and_(pc.is_valid(stamps), pc.invert(fast)).to_numpy(zero_copy_only=False)
    for i in np.flatnonzero(other):  # other spellings: offsets, date only, garbage
        days[i] = _python_day(stamps[int(i)].as_py())
    return days


def _python_day(raw: bytes) -> int:
    day = event_day(raw)
    return NO_DAY if day is None else day_number(day)


def fill_forward(days: Days, previous: int) -> Days:
    """Each unreadable day replaced by the last readable one before it (``previous`` first)."""
    index = np.where(days != NO_DAY, np.arange(len(days)), -1)
    np.maximum.accumulate(index, out=index)
    filled: Days = np.where(index >= 0, days[np.maximum(index, 0)], previous).astype(np.int32)
    return filled
