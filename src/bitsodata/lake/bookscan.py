"""Fast reads of one book over [start, end): the exact file list from the layout, one compacted
day file instead of 144 window files where a day has been compacted, no row filter when the
range is whole days. ``spread stats`` and alert replays read through here.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq

from bitsodata.domain.windows import DAY_SECONDS, iso_second
from bitsodata.lake.layout import SPREADS, parse_window_key
from bitsodata.lake.source import (
    COLUMN_TYPES,
    LakeSource,
    as_storage,
    check_book,
    csv_options,
    days_of,
    empty_select,
    sql_quote,
)
from bitsodata.lake.storage import LocalStorage, Storage
from bitsodata.lake.windowfile import decode_table

DAILY = f"{SPREADS}_daily"


class LocalFiles:
    """Local paths of lake keys: in place for a local lake, fetched once into ``tmp`` otherwise."""

    def __init__(self, storage: Storage, tmp: Path) -> None:
        self.storage = storage
        self.local = (
            storage if isinstance(storage, LocalStorage) else LocalStorage(tmp, durable=False)
        )

    def path(self, key: str) -> Path:
        path = self.local.path(key)
        if self.local is not self.storage and not path.is_file():
            self.local.put(key, self.storage.get(key))
        return path


def _rows_in(path: Path) -> int:
    if path.suffix == ".parquet":
        return int(pq.read_metadata(path).num_rows)
    return int(decode_table(path.read_bytes(), "csv").num_rows)


def _windows(storage: Storage, book: str, day: date) -> dict[int, str]:
    """Window start -> key for the day (Parquet preferred when a window exists in both formats)."""
    found: dict[int, str] = {}
    for key in storage.list(f"{SPREADS}/book={book}/date={day}/"):
        try:
            key_book, start, fmt = parse_window_key(key)
        except ValueError:
            continue  # not a window file
        if key_book == book and (start not in found or fmt == "parquet"):
            found[start] = key
    return found


def _daily_holds_every_window(files: LocalFiles, daily: str, windows: dict[int, str]) -> bool:
    """A day file is current when it has as many rows as the day's window files (a window that
    landed after compaction makes it stale; it is then ignored until compacted again)."""
    if not windows:
        return True  # only the day file is left
    per_window = _rows_in(files.path(next(iter(windows.values()))))
    return _rows_in(files.path(daily)) == per_window * len(windows)


def plan_keys(files: LocalFiles, book: str, start: int, end: int) -> list[str]:
    """Files holding ``book``'s rows in [start, end): per day its compacted Parquet file when it is
    current, else the day's window files that start before ``end``."""
    check_book(book)
    keys: list[str] = []
    for day in days_of(start, end):
        windows = _windows(files.storage, book, day)
        listed = files.storage.list(f"{DAILY}/book={book}/date={day}/")
        daily = [k for k in listed if k.endswith(".parquet")]
        if daily and _daily_holds_every_window(files, daily[0], windows):
            keys.append(daily[0])
        else:
            keys.extend(key for begin, key in sorted(windows.items()) if begin < end)
    return keys


@contextmanager
def book_files(source: LakeSource, book: str, start: int, end: int) -> Iterator[list[Path]]:
    """Local paths of the files holding ``book``'s rows in [start, end) (see ``plan_keys``)."""
    storage = as_storage(source)
    with tempfile.TemporaryDirectory(prefix="bitsodata-lake-") as tmp:
        files = LocalFiles(storage, Path(tmp))
        yield [files.path(key) for key in plan_keys(files, book, start, end)]


_COLS = ", ".join(f'"{name}"' for name in COLUMN_TYPES)


def _reader(paths: list[str], ext: str) -> str:
    listed = "[" + ", ".join(sql_quote(p) for p in paths) + "]"
    if ext == "parquet":
        return f"select {_COLS} from read_parquet({listed})"
    return f"select {_COLS} from read_csv({listed}, {csv_options()})"


def rows_sql(paths: list[Path], start: int, end: int) -> tuple[str, list[Any]]:
    """A SELECT of every column over ``paths``, limited to [start, end) unless whole days."""
    by_ext: dict[str, list[str]] = {}
    for path in paths:
        by_ext.setdefault(path.suffix.lstrip("."), []).append(path.as_posix())
    parts = [_reader(found, ext) for ext, found in sorted(by_ext.items())] or [empty_select()]
    body = " union all ".join(f"({part})" for part in parts)
    if start % DAY_SECONDS == 0 and end % DAY_SECONDS == 0:
        return f"select * from ({body})", []
    where = "orderbook_timestamp >= ? and orderbook_timestamp < ?"
    return f"select * from ({body}) where {where}", [iso_second(start), iso_second(end)]


@contextmanager
def book_rows(
    source: LakeSource, book: str, start: int, end: int
) -> Iterator[tuple[duckdb.DuckDBPyConnection, str, list[Any]]]:
    """(connection, SELECT, params) over ``book``'s rows in [start, end)."""
    with book_files(source, book, start, end) as paths, duckdb.connect() as con:
        sql, params = rows_sql(paths, start, end)
        yield con, sql, params
