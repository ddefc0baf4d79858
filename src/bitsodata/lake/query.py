"""DuckDB over the lake: a ``spreads`` view with Hive partitions (book/date/hour) that prune files.

A local lake is read in place. Any other store (S3, memory) is read by fetching only the window
files of the wanted book and dates through ``Storage.list``/``get`` into a temporary folder first.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from bitsodata.domain.observation import Observation
from bitsodata.domain.windows import iso_second
from bitsodata.errors import LakeError
from bitsodata.lake.bookscan import book_rows
from bitsodata.lake.layout import SPREADS
from bitsodata.lake.source import (
    COLUMN_TYPES,
    LakeSource,
    as_storage,
    check_book,
    csv_options,
    day_of,
    empty_select,
    sql_quote,
)
from bitsodata.lake.storage import LocalStorage, Storage
from bitsodata.lake.windowfile import table_to_rows

__all__ = [
    "LakeSource",
    "QueryResult",
    "create_spreads_view",
    "iter_observations",
    "lake_connection",
    "run_query",
]
_HIVE_TYPES = "{'book': 'VARCHAR', 'date': 'DATE', 'hour': 'INTEGER'}"


def _wanted(key: str, first: date | None, last: date | None) -> bool:
    if first is None or last is None:
        return True
    part = next((p for p in key.split("/") if p.startswith("date=")), None)
    return part is not None and first.isoformat() <= part[5:] <= last.isoformat()


def _fetch(
    storage: Storage, into: Path, book: str | None, start: int | None, end: int | None
) -> None:
    """Copy the window files a query needs (one book, the dates of [start, end)) into ``into``."""
    prefix = f"{SPREADS}/book={check_book(book)}/" if book else f"{SPREADS}/"
    first = day_of(start) if start is not None else None
    last = day_of(end - 1) if end is not None else None
    local = LocalStorage(into, durable=False)  # a scratch copy
    for key in storage.list(prefix):
        if key.endswith((".parquet", ".csv")) and _wanted(key, first, last):
            local.put(key, storage.get(key))


def _source_sql(base: Path, ext: str) -> str | None:
    if next(base.rglob(f"*.{ext}"), None) is None:
        return None
    glob = sql_quote(f"{base.as_posix()}/**/*.{ext}")
    if ext == "parquet":
        return (
            f"select * from read_parquet({glob}, hive_partitioning = true, "
            f"hive_types = {_HIVE_TYPES})"
        )
    return (
        f"select * from read_csv({glob}, hive_partitioning = true, hive_types = {_HIVE_TYPES}, "
        f"{csv_options()})"
    )


def create_spreads_view(
    con: duckdb.DuckDBPyConnection, root: Path, book: str | None = None
) -> None:
    """``spreads``: every window file under ``root`` (Parquet and CSV) plus book/date/hour."""
    base = root / SPREADS / f"book={check_book(book)}" if book else root / SPREADS
    parts = [sql for ext in ("parquet", "csv") if base.is_dir() and (sql := _source_sql(base, ext))]
    select_list = ", ".join(f'"{name}"' for name in (*COLUMN_TYPES, "date", "hour"))
    if parts:
        body = " union all by name ".join(f"({part})" for part in parts)
        con.execute(f"create or replace view spreads as select {select_list} from ({body})")
        return
    con.execute(
        'create or replace view spreads as select *, null::date as "date", '
        f"null::integer as hour from ({empty_select()})"
    )


@contextmanager
def lake_connection(
    source: LakeSource,
    *,
    book: str | None = None,
    start: int | None = None,
    end: int | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB with the ``spreads`` view; ``book``/``start``/``end`` limit what a remote
    lake downloads (and, for ``book``, what the view covers)."""
    storage = as_storage(source)
    with ExitStack() as stack:
        if isinstance(storage, LocalStorage):
            root = storage.root
        else:
            root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bitsodata-lake-")))
            _fetch(storage, root, book, start, end)
        con = stack.enter_context(duckdb.connect())
        try:
            create_spreads_view(con, root, book)
        except duckdb.Error as exc:
            raise LakeError(f"cannot read the lake: {exc}", lake=storage.url) from exc
        yield con


def range_filter(book: str | None, start: int, end: int) -> tuple[str, list[Any]]:
    """WHERE clause for one book (or all) and ticks in [start, end), with partition pruning."""
    if end <= start:
        raise LakeError("empty time range: --to must be after --from", start=start, end=end)
    clauses = ['"date" between ? and ?', "orderbook_timestamp >= ?", "orderbook_timestamp < ?"]
    params: list[Any] = [day_of(start), day_of(end - 1), iso_second(start), iso_second(end)]
    if book is not None:
        clauses.insert(0, "book = ?")
        params.insert(0, check_book(book))
    return " and ".join(clauses), params


def iter_observations(
    source: LakeSource, book: str | None, start: int, end: int, *, batch_rows: int = 65_536
) -> Iterator[Observation]:
    """Stored observations with ticks in [start, end), ordered by (tick, book)."""
    if book is not None:
        with book_rows(source, book, start, end) as (con, rows, params):
            yield from _batches(con, f"{rows} order by orderbook_timestamp", params, batch_rows)
        return
    where, params = range_filter(None, start, end)
    columns = ", ".join(f'"{name}"' for name in COLUMN_TYPES)
    sql = f"select {columns} from spreads where {where} order by orderbook_timestamp, book"
    with lake_connection(source, start=start, end=end) as con:
        yield from _batches(con, sql, params, batch_rows)


def _batches(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[Any], batch_rows: int
) -> Iterator[Observation]:
    try:
        reader = con.execute(sql, params).to_arrow_reader(batch_rows)
    except duckdb.Error as exc:
        raise LakeError(f"cannot read the lake: {exc}") from exc
    for batch in reader:
        yield from table_to_rows(pa.Table.from_batches([batch]))


@dataclass(frozen=True)
class QueryResult:
    """Column names and rows of one SQL statement."""

    columns: tuple[str, ...]
    rows: Sequence[tuple[Any, ...]]


def run_query(source: LakeSource, sql: str) -> QueryResult:
    """Run one SQL statement over the lake (the ``spreads`` view)."""
    with lake_connection(source) as con:
        try:
            cursor = con.execute(sql)
            columns = tuple(d[0] for d in cursor.description or ())
            return QueryResult(columns, cursor.fetchall() if columns else [])
        except duckdb.Error as exc:
            raise LakeError(f"query failed: {exc}") from exc
