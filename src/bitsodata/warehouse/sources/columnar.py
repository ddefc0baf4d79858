"""Parse a source file a block of lines at a time with Arrow kernels (the bulk path of the loader).

Every line whose fields have the plain shape the exports use (``1500,2020-01-06 19:08:58.303+00,
049b…,20.000000000000000000,usd,complete``) is split, checked and typed by vectorized kernels,
about fifty times faster than line by line. Records are cut by
:mod:`bitsodata.warehouse.sources.records` (a quoted field may span lines). Every other record —
not UTF-8, quoted fields, a wrong field count, surrounding spaces, another time-zone offset, an
impossible or implausible date, a bad amount, an overlong code — goes to
:func:`bitsodata.warehouse.sources.lines.parse_record`, the reference parser, which types it or
gives the quarantine reason. The shapes accepted here are a strict subset of what the reference
parser accepts, and both give the same typed row for them (a property test holds them to it), so
where a line is parsed never changes the result.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from bitsodata.warehouse.load.merge import SOURCE_ENTITY
from bitsodata.warehouse.sources.lines import (
    ANY_TIME,
    MAX_AMOUNT_DIGITS,
    MAX_CODE_LENGTH,
    BadRow,
    EventWindow,
    Row,
    SourceSpec,
    check_header,
    parse_lines,
)
from bitsodata.warehouse.sources.records import Block, blocks

_TIMESTAMP = (
    r"^(?:19|20)\d\d-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01]) "
    r"(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,6})?(?:\+00)?$"
)
_ID = r"^\d{1,18}$"
_AMOUNT = rf"^-?\d{{1,{MAX_AMOUNT_DIGITS}}}(?:\.\d{{1,18}})?$"
_WORD = rf"^[0-9A-Za-z_-]{{1,{MAX_CODE_LENGTH}}}$"
_LEVEL = r"^-?\d{1,9}$"
_SECONDS = "%Y-%m-%d %H:%M:%S"
BLOCK_BYTES = 16 << 20

# per source: column -> (shape regex, how the value is typed)
_FIELDS: dict[str, dict[str, tuple[str, str]]] = {
    "deposit": {
        "id": (_ID, "int64"),
        "event_timestamp": (_TIMESTAMP, "timestamp"),
        "user_id": (_WORD, "text"),
        "amount": (_AMOUNT, "amount"),
        "currency": (_WORD, "lower"),
        "tx_status": (_WORD, "lower"),
        "interface": (rf"^[0-9A-Za-z_-]{{0,{MAX_CODE_LENGTH}}}$", "lower_or_null"),
    },
    "event": {
        "id": (_ID, "int64"),
        "event_timestamp": (_TIMESTAMP, "timestamp"),
        "user_id": (_WORD, "text"),
        "event_name": (_WORD, "lower"),
    },
    "user": {"user_id": (_WORD, "text")},
    "user_level": {
        "user_id": (_WORD, "text"),
        "jurisdiction": (_WORD, "lower"),
        "level": (_LEVEL, "int32"),
        "event_timestamp": (_TIMESTAMP, "timestamp"),
    },
}
_FIELDS["withdrawal"] = _FIELDS["deposit"]

# the typed row of each source, in the staging table's column order: (name, source column)
_OUTPUT: dict[str, tuple[tuple[str, str], ...]] = {
    "transaction": (
        ("transaction_kind", ""),
        ("transaction_id", "id"),
        ("user_id", "user_id"),
        ("occurred_at", "event_timestamp"),
        ("currency_code", "currency"),
        ("amount", "amount"),
        ("interface", "interface"),
        ("tx_status", "tx_status"),
    ),
    "event": (
        ("event_id", "id"),
        ("user_id", "user_id"),
        ("occurred_at", "event_timestamp"),
        ("event_name", "event_name"),
    ),
    "user": (("user_id", "user_id"),),
    "user_level": (
        ("user_id", "user_id"),
        ("changed_at", "event_timestamp"),
        ("jurisdiction", "jurisdiction"),
        ("level", "level"),
    ),
}


@dataclass
class Chunk:
    """One block of a file: the lines typed by the kernels (``table``: the typed columns, then
    ``natural_key`` and ``raw_line``), the lines the reference parser typed (``rows``, each ending
    with its raw line), the bad lines, the number of input records (blank lines excluded), and
    the file's first and last line numbers the chunk covers."""

    table: pa.Table | None
    rows: list[Row]
    bad: list[BadRow]
    n_in: int
    lines: tuple[int, int] = (0, 0)


Numbers = npt.NDArray[np.int64]
Numbered = list[tuple[int, bytes | str]]


def _text(block: Block) -> tuple[pa.StringArray, Numbers, Numbered]:
    """The block's records without their line ends, as text, with their line numbers; and
    the records that are not UTF-8 (for the reference parser to quarantine)."""
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
    except pa.ArrowInvalid:  # some record is not UTF-8: those go to the reference parser
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


_PLACEHOLDER = "2000-01-01 00:00:00"


def _timestamps(text: pa.Array, plain: pa.Array) -> tuple[pa.Array, pa.Array, pa.Array]:
    """Typed timestamps (for the plain lines), whether each is a real date (``2020-02-30`` is
    not), and the text without its ``+00``."""
    bare = pc.replace_substring(text, pattern="+00", replacement="")
    bare = pc.if_else(plain, bare, _PLACEHOLDER)
    try:
        return pc.cast(bare, pa.timestamp("us")), plain, bare
    except pa.ArrowInvalid:  # an impossible day somewhere in the block: find which
        pass
    seconds = pc.utf8_slice_codeunits(bare, 0, 19)
    parsed = pc.strptime(seconds, format=_SECONDS, unit="s", error_is_null=True)
    # strptime rolls an impossible day over to the next month: its day differs from the text's
    day = pc.cast(pc.utf8_slice_codeunits(seconds, 8, 10), pa.int64())
    real = pc.and_(plain, pc.fill_null(pc.equal(pc.day(parsed), day), False))
    bare = pc.if_else(real, bare, _PLACEHOLDER)
    return pc.cast(bare, pa.timestamp("us")), real, bare


def _key_time(bare: pa.Array) -> pa.Array:
    """``YYYY-MM-DD HH:MM:SS[.ffffff]``: the text ``datetime.isoformat(sep=" ")`` gives."""
    seconds = pc.utf8_slice_codeunits(bare, 0, 19)
    digits = pc.utf8_rpad(pc.utf8_slice_codeunits(bare, 20, 26), width=6, padding="0")
    joined = pc.binary_join_element_wise(seconds, digits, ".")
    return pc.if_else(pc.equal(digits, "000000"), seconds, joined)


def _typed(how: str, text: pa.Array) -> pa.Array:
    if how == "int64":
        return pc.cast(text, pa.int64())
    if how == "int32":
        return pc.cast(text, pa.int32())
    if how == "amount":
        return pc.cast(text, pa.decimal128(38, 18))
    if how == "lower":
        return pc.ascii_lower(text)
    if how == "lower_or_null":
        lowered = pc.ascii_lower(text)
        return pc.if_else(pc.equal(lowered, ""), pa.scalar(None, pa.string()), lowered)
    return text


def _columnar(
    spec: SourceSpec,
    columns: list[str],
    lines: pa.StringArray,
    numbers: Numbers,
    window: EventWindow,
) -> tuple[pa.Table, Numbered]:
    """Type the plain lines of a block; returns their table and the other (numbered) lines."""
    parts = pc.split_pattern(lines, ",")
    shaped = pc.and_(
        pc.invert(pc.match_substring(lines, '"')),
        pc.equal(pc.list_value_length(parts), len(columns)),
    )
    candidates, parts = pc.filter(lines, shaped), pc.filter(parts, shaped)
    fields = _FIELDS[spec.name]
    text: dict[str, pa.Array] = {}
    plain = pc.is_valid(candidates)  # all true: a line is never null
    for i, column in enumerate(columns):
        text[column] = pc.list_element(parts, i)
        plain = pc.and_(plain, pc.match_substring_regex(text[column], fields[column][0]))
    bare = None
    if "event_timestamp" in text:
        text["event_timestamp"], plain, bare = _timestamps(text["event_timestamp"], plain)
        plain = pc.and_(plain, _inside(text["event_timestamp"], window))
    n = pc.sum(plain).as_py() or 0
    entity = SOURCE_ENTITY[spec.name]
    out: dict[str, pa.Array] = {}
    for name, column in _OUTPUT[entity]:
        if not column:  # the transaction kind is the source's name
            out[name] = pa.repeat(pa.scalar(spec.name), n)
        elif column not in text:  # an optional column the file does not have
            out[name] = pa.nulls(n, pa.string())
        elif column == "event_timestamp":
            out[name] = pc.filter(text[column], plain)
        else:
            out[name] = _typed(fields[column][1], pc.filter(text[column], plain))
    out["natural_key"] = _natural_key(entity, out, bare if bare is None else pc.filter(bare, plain))
    out["raw_line"] = pc.filter(candidates, plain)
    odd = pc.invert(shaped).to_numpy(zero_copy_only=False)
    rest: Numbered = list(
        zip(numbers[odd].tolist(), pc.filter(lines, odd).to_pylist(), strict=True)
    )
    unplain = pc.invert(plain).to_numpy(zero_copy_only=False)
    candidate_numbers = numbers[~odd][unplain].tolist()
    rest += zip(candidate_numbers, pc.filter(candidates, unplain).to_pylist(), strict=True)
    return pa.table(out), rest


def _inside(stamps: pa.Array, window: EventWindow) -> pa.Array:
    """Whether each timestamp is inside the plausible event window."""
    earliest = pa.scalar(window.earliest, pa.timestamp("us"))
    latest = pa.scalar(window.latest, pa.timestamp("us"))
    return pc.and_(pc.greater_equal(stamps, earliest), pc.less_equal(stamps, latest))


def _natural_key(entity: str, out: dict[str, pa.Array], stamps: pa.Array | None) -> pa.Array:
    """The key text :func:`bitsodata.warehouse.load.merge.natural_key` gives the same row."""
    if entity == "transaction":
        return pc.cast(out["transaction_id"], pa.string())
    if entity == "event":
        return pc.cast(out["event_id"], pa.string())
    if entity == "user_level":
        return pc.binary_join_element_wise(out["user_id"], _key_time(stamps), "|")
    return out["user_id"]


def iter_columnar(
    path: Path, spec: SourceSpec, window: EventWindow = ANY_TIME, block_bytes: int | None = None
) -> Iterator[Chunk]:
    """Parse ``path`` about ``block_bytes`` (default ``BLOCK_BYTES``) at a time (see the module
    docstring); a line longer than a block is read whole."""
    columns = check_header(path, spec)
    with path.open("rb") as f:
        f.readline()
        for block in blocks(f, block_bytes or BLOCK_BYTES, first_line=2):
            lines, numbers, odd = _text(block)
            table, rest = _columnar(spec, columns, lines, numbers, window)
            rows, bad, n_in = _reference(spec, columns, [*rest, *odd], window)
            span = (int(block.line_numbers[0]), int(block.line_numbers[-1]))
            yield Chunk(table, rows, bad, table.num_rows + n_in, span)


def _reference(
    spec: SourceSpec, columns: list[str], lines: Numbered, window: EventWindow
) -> tuple[list[Row], list[BadRow], int]:
    """Records outside the plain shape, through the reference parser, as one chunk."""
    for parsed in parse_lines(spec, columns, lines, len(lines) + 1, window):
        return parsed
    return [], [], 0
