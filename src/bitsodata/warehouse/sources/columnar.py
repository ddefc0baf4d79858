"""Read a source file a block of records at a time with Arrow kernels (the bulk reader).

Records are cut by :mod:`bitsodata.warehouse.sources.records` (a quoted field may span lines);
every record with the plain shape the exports use — UTF-8, no quote, the header's number of
fields — is split into its fields by vectorized kernels, about fifty times faster than line by
line. The others go through :func:`bitsodata.warehouse.sources.lines.landing_row`, the reference
reader, so both readers give the same landing rows (a property test holds them to it).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from bitsodata.warehouse.sources.lines import (
    Chunk,
    SourceSpec,
    check_header,
    landing_row,
    landing_table,
)
from bitsodata.warehouse.sources.records import Block, blocks

BLOCK_BYTES = 16 << 20
_LINE_BLANKS = " \t\r\n\x0b\x0c"

Numbers = npt.NDArray[np.int64]
Numbered = list[tuple[int, bytes | str]]


def _text(block: Block) -> tuple[pa.StringArray, Numbers, Numbered]:
    """The block's records without their line ends, as text, with their line numbers; and
    the records that are not UTF-8 (for the reference reader)."""
    buf = np.frombuffer(block.data, np.uint8)
    starts, ends = block.offsets[:-1], block.offsets[1:]
    cr = (ends - starts >= 2) & (buf[ends - 2] == ord("\r"))  # a CRLF line end
    offsets = pa.py_buffer(block.offsets.astype(np.int32))
    raw = pa.BinaryArray.from_buffers(
        pa.binary(), len(block), [None, offsets, pa.py_buffer(block.data)]
    )
    numbers = block.line_numbers
    odd: Numbered = []
    try:
        text = pc.cast(raw, pa.string())
    except pa.ArrowInvalid:  # some record is not UTF-8: those go to the reference reader
        valid = np.array([_is_utf8(item) for item in raw.to_pylist()], dtype=bool)
        bodies = pc.binary_slice(raw.filter(pa.array(~valid)), 0, -1).to_pylist()
        odd = [
            (int(no), body.removesuffix(b"\r"))
            for no, body in zip(numbers[~valid], bodies, strict=True)
        ]
        text, numbers, cr = (
            pc.cast(raw.filter(pa.array(valid)), pa.string()),
            numbers[valid],
            cr[valid],
        )
    text = pc.utf8_slice_codeunits(text, 0, -1)  # every record ends with its \n
    if cr.any():
        text = pc.if_else(pa.array(cr), pc.utf8_slice_codeunits(text, 0, -1), text)
    return text, numbers, odd


def _is_utf8(item: bytes) -> bool:
    try:
        item.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _split(
    spec: SourceSpec, columns: list[str], lines: pa.StringArray, numbers: Numbers
) -> tuple[pa.Table, Numbered]:
    """The plain lines of a block as landing rows; the other (numbered) lines apart."""
    lines = pc.replace_substring(lines, "\x00", "\\x00")  # as the warehouse stores text
    parts = pc.split_pattern(lines, ",")
    plain = pc.and_(
        pc.invert(pc.match_substring(lines, '"')),
        pc.equal(pc.list_value_length(parts), len(columns)),
    )
    blank = pc.equal(pc.utf8_trim(lines, _LINE_BLANKS), "")
    plain = pc.and_(plain, pc.invert(blank))
    kept, parts = pc.filter(lines, plain), pc.filter(parts, plain)
    n = len(kept)
    out: dict[str, pa.Array] = {
        "line_no": pa.array(numbers[plain.to_numpy(zero_copy_only=False)], pa.int64()),
        "raw_line": kept,
        "read_reason": pa.nulls(n, pa.string()),
    }
    for column in spec.columns:
        if column.name in columns:
            out[column.name] = pc.list_element(parts, columns.index(column.name))
        else:  # an optional column the file does not have
            out[column.name] = pa.nulls(n, pa.string())
    rest = pc.and_(pc.invert(plain), pc.invert(blank)).to_numpy(zero_copy_only=False)
    others: Numbered = list(
        zip(numbers[rest].tolist(), pc.filter(lines, rest).to_pylist(), strict=True)
    )
    return pa.table(out), others


def iter_columnar(path: Path, spec: SourceSpec, block_bytes: int | None = None) -> Iterator[Chunk]:
    """Read ``path`` about ``block_bytes`` (default ``BLOCK_BYTES``) at a time (see the module
    docstring); a line longer than a block is read whole."""
    columns = check_header(path, spec)
    with path.open("rb") as f:
        f.readline()
        for block in blocks(f, block_bytes or BLOCK_BYTES, first_line=2):
            lines, numbers, odd = _text(block)
            table, rest = _split(spec, columns, lines, numbers)
            others = [landing_row(spec, columns, raw, no) for no, raw in [*rest, *odd]]
            extra = landing_table(spec, [r for r in others if r is not None])
            span = (int(block.line_numbers[0]), int(block.line_numbers[-1]))
            yield Chunk(pa.concat_tables([table, extra]) if extra.num_rows else table, span)
