"""DuckDB over the lake: the ``spreads`` view of ``spread query`` and ordered observation streams.

Both read through ``LakeReader``, so a question limited to some books and a time range opens (or,
on S3, downloads) only the files of those partitions; without limits the whole table is read.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from bitsodata.domain.observation import Observation
from bitsodata.domain.windows import DAY_SECONDS
from bitsodata.errors import LakeError
from bitsodata.lake import layout
from bitsodata.lake.catalog import books_in, day_folders, day_start, day_windows
from bitsodata.lake.reader import LakeReader, check_range
from bitsodata.lake.source import LakeSource, check_book
from bitsodata.lake.storage import Storage
from bitsodata.lake.windowfile import table_to_rows

__all__ = [
    "LakeSource",
    "QueryResult",
    "iter_observations",
    "lake_connection",
    "lake_span",
    "run_query",
]


def lake_span(
    storage: Storage, books: Sequence[str], table: str = layout.SPREADS
) -> tuple[int, int]:
    """[first day's start, last day's end) of the window files of ``books``: from the listing of
    each book's day folders, and of the first and last day that hold a window file."""
    firsts, lasts = [], []
    for book in books:
        days = day_folders(storage, table, book)
        first = next((d for d in days if day_windows(storage, table, book, d)), None)
        if first is None:
            continue
        last = next(d for d in reversed(days) if day_windows(storage, table, book, d))
        firsts.append(first)
        lasts.append(last)
    if not firsts:
        raise LakeError("the lake has no window files for these books", books=",".join(books))
    return day_start(min(firsts)), day_start(max(lasts)) + DAY_SECONDS


def resolve_books(reader: LakeReader, books: Sequence[str] | None) -> list[str]:
    """The asked books (checked), or every book of the lake; an unknown book is an error."""
    present = books_in(reader.storage)
    if not books:
        if not present:
            raise LakeError("the lake holds no window files", lake=reader.storage.url)
        return present
    unknown = [b for b in books if check_book(b) not in present]
    if unknown:
        raise LakeError(
            f"no data for book {', '.join(unknown)} in the lake (books: "
            f"{', '.join(present) or 'none'})",
            lake=reader.storage.url,
        )
    return list(books)


@contextmanager
def lake_connection(
    source: LakeSource,
    *,
    books: Sequence[str] | None = None,
    start: int | None = None,
    end: int | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB with ``spreads`` (and, where it exists, ``depth``) views of ``books``
    in [start, end) (default: all)."""
    reader = LakeReader(source)
    try:
        chosen = resolve_books(reader, books)
        if start is None or end is None:
            first, last = lake_span(reader.storage, chosen)
            start = first if start is None else start
            end = last if end is None else end
        reader.relation(chosen, start, end).create_view("spreads")
        # the liquidity table, where the collector kept full books (else only `spreads`)
        with suppress(LakeError):
            reader.relation(chosen, start, end, table=layout.DEPTH).create_view("depth")
        yield reader.con
    finally:
        reader.con.close()


def iter_observations(
    source: LakeSource, book: str | None, start: int, end: int, *, batch_rows: int = 65_536
) -> Iterator[Observation]:
    """Stored observations with ticks in [start, end), ordered by (tick, book)."""
    check_range(start, end)
    reader = LakeReader(source)
    try:
        chosen = resolve_books(reader, [book] if book else None)
        rel = reader.relation(chosen, start, end).order("observed_at, book")
        try:
            batches = rel.to_arrow_reader(batch_rows)
        except duckdb.Error as exc:
            raise LakeError(f"cannot read the lake: {exc}") from exc
        for batch in batches:
            yield from table_to_rows(pa.Table.from_batches([batch]))
    finally:
        reader.con.close()


@dataclass(frozen=True)
class QueryResult:
    """Column names and rows of one SQL statement."""

    columns: tuple[str, ...]
    rows: Sequence[tuple[Any, ...]]


def run_query(
    source: LakeSource,
    sql: str,
    *,
    books: Sequence[str] | None = None,
    start: int | None = None,
    end: int | None = None,
) -> QueryResult:
    """Run one SQL statement over the ``spreads`` view (limited to ``books`` and [start, end))."""
    with lake_connection(source, books=books, start=start, end=end) as con:
        try:
            cursor = con.execute(sql)
            columns = tuple(d[0] for d in cursor.description or ())
            return QueryResult(columns, cursor.fetchall() if columns else [])
        except duckdb.Error as exc:
            raise LakeError(f"query failed: {exc}") from exc
