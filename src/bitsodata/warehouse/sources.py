"""The five source CSVs: expected columns, and parsing of every line into a typed row or a bad row.

This is the boundary of the warehouse: past it, timestamps are naive UTC ``datetime``s, amounts
exact ``Decimal``s with at most 18 decimals, ids ``int``s. A line that cannot be typed becomes a
:class:`BadRow` (reason + raw line) and is quarantined, never dropped.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation, localcontext
from pathlib import Path
from typing import Any

from bitsodata.errors import SchemaMismatchError

Row = tuple[Any, ...]

_TS = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?"
    r"(?:(Z)|([+-])(\d{2})(?::?(\d{2}))?)?$"
)
_INT = re.compile(r"^[0-9]{1,18}$")
_SCALE = Decimal(1).scaleb(-18)
_MAX_AMOUNT = Decimal(10) ** 20


@dataclass(frozen=True)
class SourceSpec:
    """One source file: its name, required columns and tolerated extra columns."""

    name: str
    file_name: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()


SOURCES: dict[str, SourceSpec] = {
    s.name: s
    for s in (
        SourceSpec("user", "user_id_sample_data.csv", ("user_id",)),
        SourceSpec(
            "deposit",
            "deposit_sample_data.csv",
            ("id", "event_timestamp", "user_id", "amount", "currency", "tx_status"),
            ("interface",),
        ),
        SourceSpec(
            "withdrawal",
            "withdrawals_sample_data.csv",
            ("id", "event_timestamp", "user_id", "amount", "interface", "currency", "tx_status"),
        ),
        SourceSpec(
            "event", "event_sample_data.csv", ("id", "event_timestamp", "user_id", "event_name")
        ),
        SourceSpec(
            "user_level",
            "user_level_sample_data.csv",
            ("user_id", "jurisdiction", "level", "event_timestamp"),
        ),
    )
}


@dataclass(frozen=True)
class BadRow:
    """A line that could not be typed: where it came from, why, and the line itself."""

    source: str
    line_no: int
    reason: str
    raw_line: str
    natural_key: str | None = None


class BadValue(ValueError):
    """A field that does not parse; the message is the quarantine reason."""


def parse_timestamp(text: str) -> datetime:
    """``2020-01-10 14:11:05.63+00`` (0-6 fractional digits, optional offset) -> naive UTC."""
    if _TS.match(text) is None:
        text = text.strip()
        if _TS.match(text) is None:
            raise BadValue(f"unparseable timestamp {text!r}")
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise BadValue(f"unparseable timestamp {text!r}") from exc
    offset = value.utcoffset()
    if offset is None:
        return value
    return (value - offset).replace(tzinfo=None)


def parse_amount(text: str) -> Decimal:
    """An exact decimal with at most 18 decimals and 20 integer digits."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation as exc:
        raise BadValue(f"unparseable amount {text!r}") from exc
    if not value.is_finite():
        raise BadValue(f"unparseable amount {text!r}")
    with localcontext() as ctx:
        ctx.prec = 60
        if abs(value) >= _MAX_AMOUNT or value != (exact := value.quantize(_SCALE)):
            raise BadValue(f"amount out of range (20 digits, 18 decimals) {text!r}")
    return exact


def parse_id(text: str, column: str = "id") -> int:
    """A non-negative integer id."""
    if not _INT.match(text.strip()):
        raise BadValue(
            f"missing or invalid {column} {text!r}" if text.strip() else f"missing {column}"
        )
    return int(text)


def _required(text: str, column: str) -> str:
    value = text.strip()
    if not value:
        raise BadValue(f"missing {column}")
    return value


def check_header(path: Path, spec: SourceSpec) -> list[str]:
    """The header's columns, or :class:`SchemaMismatchError` when they do not match ``spec``."""
    with path.open(encoding="utf-8", newline="") as f:
        first = f.readline()
    columns = [c.strip().lower() for c in next(csv.reader([first]), [])]
    missing = [c for c in spec.required if c not in columns]
    extra = [c for c in columns if c not in spec.required and c not in spec.optional]
    if missing or extra or len(set(columns)) != len(columns):
        raise SchemaMismatchError(
            f"{path.name}: columns {columns} do not match the expected {list(spec.required)}",
            path=str(path),
            missing=missing,
            unexpected=extra,
        )
    return columns


def _row_transaction(kind: str, f: dict[str, str]) -> Row:
    return (
        kind,
        parse_id(f["id"]),
        _required(f["user_id"], "user_id"),
        parse_timestamp(_required(f["event_timestamp"], "event_timestamp")),
        _required(f["currency"], "currency").lower(),
        parse_amount(_required(f["amount"], "amount")),
        f.get("interface", "").strip().lower() or None,
        _required(f["tx_status"], "tx_status").lower(),
    )


def _row_event(f: dict[str, str]) -> Row:
    return (
        parse_id(f["id"]),
        _required(f["user_id"], "user_id"),
        parse_timestamp(_required(f["event_timestamp"], "event_timestamp")),
        _required(f["event_name"], "event_name").lower(),
    )


def _row_user(f: dict[str, str]) -> Row:
    return (_required(f["user_id"], "user_id"),)


def _row_level(f: dict[str, str]) -> Row:
    level = _required(f["level"], "level")
    if not re.fullmatch(r"-?[0-9]{1,9}", level):
        raise BadValue(f"unparseable level {level!r}")
    return (
        _required(f["user_id"], "user_id"),
        parse_timestamp(_required(f["event_timestamp"], "event_timestamp")),
        _required(f["jurisdiction"], "jurisdiction").lower(),
        int(level),
    )


def parse_fields(source: str, fields: dict[str, str]) -> Row:
    """Type one line's fields (raises :class:`BadValue` with the quarantine reason)."""
    if source in ("deposit", "withdrawal"):
        return _row_transaction(source, fields)
    if source == "event":
        return _row_event(fields)
    if source == "user":
        return _row_user(fields)
    return _row_level(fields)


def _split(line: str) -> list[str]:
    if '"' not in line:
        return line.split(",")
    return next(csv.reader([line]))


def parse_line(
    spec: SourceSpec, columns: list[str], raw: str, line_no: int = 0
) -> Row | BadRow | None:
    """The reference parser of one line (without its line break): the typed row followed by the
    raw line, a :class:`BadRow` with the quarantine reason, or None for a blank line."""
    if not raw.strip():
        return None
    values = _split(raw)
    if len(values) != len(columns):
        return BadRow(spec.name, line_no, "wrong number of fields", raw)
    try:
        fields = dict(zip(columns, values, strict=True))
        return (*parse_fields(spec.name, fields), raw)
    except BadValue as exc:
        return BadRow(spec.name, line_no, str(exc), raw)


def parse_lines(
    spec: SourceSpec,
    columns: list[str],
    numbered: Iterable[tuple[int, str]],
    chunk_size: int = 100_000,
) -> Iterator[tuple[list[Row], list[BadRow], int]]:
    """Parse (line number, line) pairs in chunks: (typed rows + raw line, bad rows, input lines).
    Blank lines (the real files have one right after the header) are not rows."""
    rows: list[Row] = []
    bad: list[BadRow] = []
    n_in = 0
    for line_no, raw in numbered:
        parsed = parse_line(spec, columns, raw, line_no)
        if parsed is None:
            continue
        n_in += 1
        if isinstance(parsed, BadRow):
            bad.append(parsed)
        else:
            rows.append(parsed)
        if n_in >= chunk_size:
            yield rows, bad, n_in
            rows, bad, n_in = [], [], 0
    if n_in:
        yield rows, bad, n_in


def iter_chunks(
    path: Path, spec: SourceSpec, chunk_size: int = 100_000
) -> Iterator[tuple[list[Row], list[BadRow], int]]:
    """Parse ``path`` line by line in chunks (see :func:`parse_lines`). The loader's bulk path
    is :mod:`bitsodata.warehouse.columnar`; this one is its reference."""
    columns = check_header(path, spec)
    with path.open(encoding="utf-8", newline="") as f:
        f.readline()
        lines = ((no, line.rstrip("\r\n")) for no, line in enumerate(f, start=2))
        yield from parse_lines(spec, columns, lines, chunk_size)


def utc_iso(value: datetime | None) -> str | None:
    """A naive-UTC timestamp as an ISO-8601 string with ``+00:00``."""
    return None if value is None else value.replace(tzinfo=UTC).isoformat()
