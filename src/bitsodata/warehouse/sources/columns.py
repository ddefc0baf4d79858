"""The five source files and their columns, declared once.

The readers check headers against it and load every record's fields as text into the landing
table ``_raw_<source>`` it describes; the staging models (``project/models/staging``) check and
type each column with the check its ``check`` names (a test holds the models' reason calls to
these declarations), and a test holds ``_sources.yml`` to the same list.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_CODE_LENGTH = 64
"""Longest id or code (``user_id``, ``currency``, ``tx_status``, ``interface``, ``event_name``,
``jurisdiction``); the exports' are 32-character hex ids and short lowercase words."""
MAX_AMOUNT_DIGITS = 15
"""Integer digits of an amount (the exports' largest has 13): a sum of up to 100,000 of them per
user, currency and day still fits ``decimal(38,18)``, so no batch fails on an aggregate."""

CHECKS = ("id", "code", "optional_code", "timestamp", "amount", "level")
"""How staging checks a column: an id of ASCII digits, a code (1 to ``MAX_CODE_LENGTH`` ASCII
letters, digits, ``_`` or ``-``; optional: blank is null), an event time, an exact amount, a
level (a signed integer)."""

READ_COLUMNS = ("line_no", "raw_line", "read_reason")
"""What every landing table holds before the source's fields: the record's first line number,
the record as stored (NUL escaped), and why it could not be split into fields (else null)."""


@dataclass(frozen=True)
class Column:
    """One column of a source file: its header name and how staging checks it."""

    name: str
    check: str
    required: bool = True


@dataclass(frozen=True)
class SourceSpec:
    """One source file: its name, file name, and columns."""

    name: str
    file_name: str
    columns: tuple[Column, ...]

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    @property
    def optional(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if not c.required)

    @property
    def raw_table(self) -> str:
        """The landing table the readers fill (one per connection, emptied after each batch)."""
        return f"_raw_{self.name}"

    @property
    def landing_columns(self) -> tuple[str, ...]:
        return (*READ_COLUMNS, *(c.name for c in self.columns))


def _transaction(interface: Column) -> tuple[Column, ...]:
    return (
        Column("id", "id"),
        Column("event_timestamp", "timestamp"),
        Column("user_id", "code"),
        Column("amount", "amount"),
        interface,
        Column("currency", "code"),
        Column("tx_status", "code"),
    )


SOURCES: dict[str, SourceSpec] = {
    s.name: s
    for s in (
        SourceSpec("user", "user_id_sample_data.csv", (Column("user_id", "code"),)),
        SourceSpec(
            "deposit",
            "deposit_sample_data.csv",
            _transaction(Column("interface", "optional_code", required=False)),
        ),
        SourceSpec(
            "withdrawal",
            "withdrawals_sample_data.csv",
            _transaction(Column("interface", "optional_code")),
        ),
        SourceSpec(
            "event",
            "event_sample_data.csv",
            (
                Column("id", "id"),
                Column("event_timestamp", "timestamp"),
                Column("user_id", "code"),
                Column("event_name", "code"),
            ),
        ),
        SourceSpec(
            "user_level",
            "user_level_sample_data.csv",
            (
                Column("user_id", "code"),
                Column("jurisdiction", "code"),
                Column("level", "level"),
                Column("event_timestamp", "timestamp"),
            ),
        ),
    )
}


def landing_ddl(spec: SourceSpec) -> str:
    """The landing table of ``spec``: every field as text, as the file spelled it."""
    cols = ", ".join(
        f"{c} {'bigint' if c == 'line_no' else 'varchar'}" for c in spec.landing_columns
    )
    return f"create temp table {spec.raw_table} ({cols})"
