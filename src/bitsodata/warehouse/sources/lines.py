"""The five source CSVs: expected columns; every record parsed into a typed row or a bad row.

This is the boundary of the warehouse: past it, timestamps are naive UTC ``datetime``s inside the
plausible event window, amounts exact ``Decimal``s with at most 18 decimals, ids ``int``s, codes
short ASCII words. Only the exports' own spellings are accepted (ASCII digits, no exponents or
digit separators); a record that cannot be typed — not UTF-8, a line break in a quoted field, a
value out of range — becomes a :class:`BadRow` (reason + raw line) and is quarantined, never
dropped, never the cause of a failed batch.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Context, Decimal
from pathlib import Path
from typing import Any

from bitsodata.errors import SchemaMismatchError
from bitsodata.settings import WarehouseSettings
from bitsodata.warehouse.sources.records import BOM, iter_records, split_fields

Row = tuple[Any, ...]

MAX_CODE_LENGTH = 64
"""Longest id or code (``user_id``, ``currency``, ``tx_status``, ``interface``, ``event_name``,
``jurisdiction``); the exports' are 32-character hex ids and short lowercase words."""
# the exports' shapes, ASCII digits only (Python's \d, int() and Decimal() take any script's)
_TS = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?"
    r"(?:Z|[+-](?:[01][0-9]|2[0-3])(?::?[0-5][0-9])?)?"
)
_INT = re.compile(r"[0-9]{1,18}")
MAX_AMOUNT_DIGITS = 15
"""Integer digits of an amount (the exports' largest has 13): a sum of up to 100,000 of them per
user, currency and day still fits ``decimal(38,18)``, so no batch fails on an aggregate."""
_AMOUNT = re.compile(rf"-?[0-9]{{1,{MAX_AMOUNT_DIGITS}}}(?:\.[0-9]{{1,18}})?")
_DECIMAL = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_LEVEL = re.compile(r"-?[0-9]{1,9}")
_CODE = re.compile(rf"[0-9A-Za-z_-]{{1,{MAX_CODE_LENGTH}}}")
_BLANK = " \t"
"""Blanks around a field that are not part of its value."""
_LINE_BLANKS = " \t\r\n\x0b\x0c"
"""What makes a line blank (ASCII only, as ``bytes.strip`` and the landing see it)."""
_SCALE = Decimal(1).scaleb(-18)
_EXACT = Context(prec=40)
"""Enough digits for any amount the shape allows (20 + 18)."""


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


@dataclass(frozen=True)
class EventWindow:
    """The event times a row may carry (naive UTC, both ends included); a row outside it is
    quarantined as implausible instead of stretching the calendar (``dim_date``) to its day."""

    earliest: datetime = datetime.min
    latest: datetime = datetime.max

    @classmethod
    def around(cls, settings: WarehouseSettings, now: datetime) -> EventWindow:
        """The window the settings give a load running at ``now`` (aware, or naive UTC)."""
        if now.tzinfo is not None:
            now = now.astimezone(UTC).replace(tzinfo=None)
        earliest = datetime.combine(settings.earliest_event_day, datetime.min.time())
        return cls(earliest, now + timedelta(hours=settings.latest_event_ahead_hours))

    def check(self, value: datetime) -> datetime:
        if not self.earliest <= value <= self.latest:
            raise BadValue(
                f"implausible event_timestamp {value.isoformat(sep=' ')} (outside "
                f"{self.earliest.isoformat(sep=' ')} .. {self.latest.isoformat(sep=' ')} UTC)"
            )
        return value


ANY_TIME = EventWindow()


def _shown(text: str) -> str:
    """A field as a quarantine reason quotes it: at most 40 characters."""
    return repr(text) if len(text) <= 40 else f"{text[:40]!r}... ({len(text)} characters)"


def parse_timestamp(text: str) -> datetime:
    """``2020-01-10 14:11:05.63+00`` (0-6 fractional digits, optional offset) -> naive UTC."""
    text = text.strip(_BLANK)
    if _TS.fullmatch(text) is None:
        raise BadValue(f"unparseable timestamp {_shown(text)}")
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise BadValue(f"unparseable timestamp {_shown(text)}") from exc
    offset = value.utcoffset()
    try:
        return value if offset is None else (value - offset).replace(tzinfo=None)
    except OverflowError as exc:  # 9999-12-31 23:00-05 is in year 10000 in UTC
        raise BadValue(f"timestamp out of range {_shown(text)}") from exc


def parse_amount(text: str) -> Decimal:
    """An exact decimal written as the exports do: ASCII digits, at most ``MAX_AMOUNT_DIGITS``
    integer digits and 18 decimals, an optional minus (no exponent, no separators)."""
    text = text.strip(_BLANK)
    if _AMOUNT.fullmatch(text) is None:
        if _DECIMAL.fullmatch(text) is not None:
            raise BadValue(
                f"amount out of range ({MAX_AMOUNT_DIGITS} integer digits, 18 decimals) "
                f"{_shown(text)}"
            )
        raise BadValue(f"unparseable amount {_shown(text)}")
    return Decimal(text).quantize(_SCALE, context=_EXACT)


def parse_id(text: str, column: str = "id") -> int:
    """A non-negative integer id of at most 18 ASCII digits."""
    text = text.strip(_BLANK)
    if not text:
        raise BadValue(f"missing {column}")
    if _INT.fullmatch(text) is None:
        raise BadValue(f"missing or invalid {column} {_shown(text)}")
    return int(text)


def _code(text: str, column: str) -> str:
    """An id or code: 1 to ``MAX_CODE_LENGTH`` ASCII letters, digits, ``_`` or ``-``."""
    value = text.strip(_BLANK)
    if not value:
        raise BadValue(f"missing {column}")
    if _CODE.fullmatch(value) is None:
        if len(value) > MAX_CODE_LENGTH:
            raise BadValue(f"{column} longer than {MAX_CODE_LENGTH} characters")
        raise BadValue(f"invalid {column} {_shown(value)}")
    return value


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


def _time(f: dict[str, str], window: EventWindow) -> datetime:
    text = f["event_timestamp"]
    if not text.strip(_BLANK):
        raise BadValue("missing event_timestamp")
    return window.check(parse_timestamp(text))


def _row_transaction(kind: str, f: dict[str, str], window: EventWindow) -> Row:
    interface = f.get("interface", "")
    return (
        kind,
        parse_id(f["id"]),
        _code(f["user_id"], "user_id"),
        _time(f, window),
        _code(f["currency"], "currency").lower(),
        parse_amount(f["amount"]),
        _code(interface, "interface").lower() if interface.strip(_BLANK) else None,
        _code(f["tx_status"], "tx_status").lower(),
    )


def _row_event(f: dict[str, str], window: EventWindow) -> Row:
    return (
        parse_id(f["id"]),
        _code(f["user_id"], "user_id"),
        _time(f, window),
        _code(f["event_name"], "event_name").lower(),
    )


def _row_user(f: dict[str, str], window: EventWindow) -> Row:
    return (_code(f["user_id"], "user_id"),)


def _row_level(f: dict[str, str], window: EventWindow) -> Row:
    level = f["level"].strip(_BLANK)
    if not level:
        raise BadValue("missing level")
    if _LEVEL.fullmatch(level) is None:
        raise BadValue(f"unparseable level {_shown(level)}")
    return (
        _code(f["user_id"], "user_id"),
        _time(f, window),
        _code(f["jurisdiction"], "jurisdiction").lower(),
        int(level),
    )


def parse_fields(source: str, fields: dict[str, str], window: EventWindow = ANY_TIME) -> Row:
    """Type one line's fields (raises :class:`BadValue` with the quarantine reason)."""
    if source in ("deposit", "withdrawal"):
        return _row_transaction(source, fields, window)
    if source == "event":
        return _row_event(fields, window)
    if source == "user":
        return _row_user(fields, window)
    return _row_level(fields, window)


def _stored(raw: str) -> str:
    """The raw line as quarantine stores it: NUL, which PostgreSQL text cannot hold, escaped."""
    return raw.replace("\x00", "\\x00")


def parse_line(
    spec: SourceSpec,
    columns: list[str],
    raw: str,
    line_no: int = 0,
    window: EventWindow = ANY_TIME,
) -> Row | BadRow | None:
    """The reference parser of one record (without its line end): the typed row followed by
    the raw line, a :class:`BadRow` with the quarantine reason, or None for a blank line."""
    if not raw.strip(_LINE_BLANKS):
        return None
    values = split_fields(raw)
    if values is None:
        return BadRow(spec.name, line_no, "unterminated quoted field", _stored(raw))
    if "\n" in raw:  # no source field may hold a line break: the whole record is bad
        return BadRow(spec.name, line_no, "line break inside a quoted field", _stored(raw))
    if len(values) != len(columns):
        return BadRow(spec.name, line_no, "wrong number of fields", _stored(raw))
    try:
        fields = dict(zip(columns, values, strict=True))
        return (*parse_fields(spec.name, fields, window), raw)
    except BadValue as exc:
        return BadRow(spec.name, line_no, str(exc), _stored(raw))


def parse_record(
    spec: SourceSpec,
    columns: list[str],
    raw: bytes | str,
    line_no: int = 0,
    window: EventWindow = ANY_TIME,
) -> Row | BadRow | None:
    """:func:`parse_line` of a record as read from the file: bytes that are not UTF-8 make a
    :class:`BadRow` (the raw line keeps them as ``\\xNN`` escapes)."""
    if isinstance(raw, str):
        return parse_line(spec, columns, raw, line_no, window)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        reason = f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})"
        return BadRow(spec.name, line_no, reason, _stored(raw.decode("utf-8", "backslashreplace")))
    return parse_line(spec, columns, text, line_no, window)


def parse_lines(
    spec: SourceSpec,
    columns: list[str],
    numbered: Iterable[tuple[int, bytes | str]],
    chunk_size: int = 100_000,
    window: EventWindow = ANY_TIME,
) -> Iterator[tuple[list[Row], list[BadRow], int]]:
    """Parse (line number, record) pairs in chunks: (typed rows + raw line, bad rows, input
    records). Blank lines (the real files have one right after the header) are not rows."""
    rows: list[Row] = []
    bad: list[BadRow] = []
    n_in = 0
    for line_no, raw in numbered:
        parsed = parse_record(spec, columns, raw, line_no, window)
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


def records(path: Path) -> Iterator[tuple[int, bytes]]:
    """(line number, record) of every record of ``path`` after its header (line 1)."""
    with path.open("rb") as f:
        f.readline()
        yield from iter_records((line.removesuffix(b"\n") for line in f), 2)


def iter_chunks(
    path: Path, spec: SourceSpec, chunk_size: int = 100_000, window: EventWindow = ANY_TIME
) -> Iterator[tuple[list[Row], list[BadRow], int]]:
    """Parse ``path`` record by record in chunks (see :func:`parse_lines`). The loader's bulk
    path is :mod:`bitsodata.warehouse.sources.columnar`; this one is its reference."""
    columns = check_header(path, spec)
    yield from parse_lines(spec, columns, records(path), chunk_size, window)


def utc_iso(value: datetime | None) -> str | None:
    """A naive-UTC timestamp as an ISO-8601 string with ``+00:00``."""
    return None if value is None else value.replace(tzinfo=UTC).isoformat()
