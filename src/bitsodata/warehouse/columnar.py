"""Parse a source file a block of lines at a time with Arrow kernels (the bulk path of the loader).

Every line whose fields have the plain shape the exports use (``1500,2020-01-06 19:08:58.303+00,
049b…,20.000000000000000000,usd,complete``) is split, checked and typed by vectorized kernels,
about fifty times faster than line by line. Every other line — quoted fields, a wrong field count,
surrounding spaces, another time-zone offset, an impossible date, a bad amount — goes to
:func:`bitsodata.warehouse.sources.parse_line`, the reference parser, which types it or gives the
quarantine reason. The shapes accepted here are a strict subset of what the reference parser
accepts, and both give the same typed row for them (a property test holds them to it), so where a
line is parsed never changes the result.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from pyarrow import csv as pa_csv

from bitsodata.warehouse.merge import SOURCE_ENTITY
from bitsodata.warehouse.sources import BadRow, Row, SourceSpec, check_header, parse_lines

_TIMESTAMP = (
    r"^(?:19|20)\d\d-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01]) "
    r"(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,6})?(?:\+00)?$"
)
_ID = r"^\d{1,18}$"
_AMOUNT = r"^-?\d{1,20}(?:\.\d{1,18})?$"
_WORD = r"^[0-9A-Za-z_-]+$"
_LEVEL = r"^-?\d{1,9}$"
_SECONDS = "%Y-%m-%d %H:%M:%S"
_DELIMITER = "\x1f"  # never in the exports: each line arrives as one string
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
        "interface": (r"^[0-9A-Za-z_-]*$", "lower_or_null"),
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
    with its raw line), the bad lines, and the number of input lines (blank lines excluded)."""

    table: pa.Table | None
    rows: list[Row]
    bad: list[BadRow]
    n_in: int


class BulkReadError(Exception):
    """The Arrow reader could not take the file (a line longer than a block, a header without a
    line end…): the caller parses it with the reference parser instead."""


def _lines(path: Path, leftovers: list[str]) -> Iterator[pa.StringArray]:
    """The file's lines after the header, a block at a time; a line the reader cannot take as
    one field (it holds the delimiter) is kept in ``leftovers`` for the reference parser."""

    def keep(row: Any) -> str:
        leftovers.append(row.text)
        return "skip"

    reader = pa_csv.open_csv(
        path,
        read_options=pa_csv.ReadOptions(column_names=["line"], skip_rows=1, block_size=BLOCK_BYTES),
        parse_options=pa_csv.ParseOptions(
            delimiter=_DELIMITER,
            quote_char=False,
            double_quote=False,
            escape_char=False,
            newlines_in_values=False,
            ignore_empty_lines=True,
            invalid_row_handler=keep,
        ),
        convert_options=pa_csv.ConvertOptions(
            column_types={"line": pa.string()},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    for batch in reader:
        yield batch.column(0)


def _read(path: Path, leftovers: list[str]) -> Iterator[pa.StringArray]:
    """:func:`_lines`, with the reader's own failures raised as :class:`BulkReadError`."""
    try:
        yield from _lines(path, leftovers)
    except pa.ArrowInvalid as exc:
        raise BulkReadError(str(exc)) from exc


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
    spec: SourceSpec, columns: list[str], lines: pa.StringArray
) -> tuple[pa.Table, list[str]]:
    """Type the plain lines of a block; returns their table and the other lines."""
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
    rest = pc.filter(lines, pc.invert(shaped)).to_pylist()
    rest += pc.filter(candidates, pc.invert(plain)).to_pylist()
    return pa.table(out), rest


def _natural_key(entity: str, out: dict[str, pa.Array], stamps: pa.Array | None) -> pa.Array:
    """The key text :func:`bitsodata.warehouse.merge.natural_key` gives the same row."""
    if entity == "transaction":
        return pc.cast(out["transaction_id"], pa.string())
    if entity == "event":
        return pc.cast(out["event_id"], pa.string())
    if entity == "user_level":
        return pc.binary_join_element_wise(out["user_id"], _key_time(stamps), "|")
    return out["user_id"]


def iter_columnar(path: Path, spec: SourceSpec) -> Iterator[Chunk]:
    """Parse ``path`` a block at a time (see the module docstring). Raises
    :class:`BulkReadError`, possibly after some chunks, when the Arrow reader cannot read it."""
    columns = check_header(path, spec)
    leftovers: list[str] = []
    for lines in _read(path, leftovers):
        table, rest = _columnar(spec, columns, lines)
        taken = len(leftovers)  # the reader may add more while this block is parsed
        rows, bad, n_in = _reference(spec, columns, [*rest, *leftovers[:taken]])
        del leftovers[:taken]
        yield Chunk(table, rows, bad, table.num_rows + n_in)
    if leftovers:
        yield Chunk(None, *_reference(spec, columns, leftovers))


def _reference(
    spec: SourceSpec, columns: list[str], lines: list[str]
) -> tuple[list[Row], list[BadRow], int]:
    """Lines outside the plain shape, through the reference parser, as one chunk."""
    numbered = ((0, raw) for raw in lines)  # line numbers are not known on this path
    for parsed in parse_lines(spec, columns, numbered, chunk_size=len(lines) + 1):
        return parsed
    return [], [], 0
