"""Rows of a lake table as a DuckDB relation, reading only the files a question needs.

A local lake's version 2 Parquet files are scanned in place by DuckDB; every other file (S3 or
memory lakes, CSV, version 1) is fetched once with one GET, decoded with Arrow and upgraded to
version 2. The relation has the file columns plus ``date`` and ``hour`` (the UTC partition of
``observed_at``, equal to the folder keys), and is limited to [start, end).
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from bitsodata.errors import LakeError
from bitsodata.lake import layout
from bitsodata.lake.catalog import LakeFile, plan
from bitsodata.lake.source import LakeSource, as_storage, sql_quote
from bitsodata.lake.storage import ListingSnapshot, LocalStorage, Storage
from bitsodata.lake.windowfile import SCHEMA, decode_table, upgrade_table

_HIVE_TYPES = "{'date': 'DATE', 'hour': 'INTEGER'}"
WINDOWS_KEY = b"bitsodata.windows"
"""Key-value metadata of a compacted day file: how many window files it was made of."""


def connect() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB whose dates and hours are UTC, whatever the machine's zone."""
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    return con


class LakeReader:
    """Reads planned files of one lake into relations of one connection (kept alive with it)."""

    def __init__(
        self,
        source: LakeSource,
        con: duckdb.DuckDBPyConnection | None = None,
        *,
        workers: int = 8,
    ) -> None:
        self.storage: Storage = as_storage(source)
        self._local = self.storage if isinstance(self.storage, LocalStorage) else None
        if self._local is not None and not self._local.root.is_dir():
            raise LakeError(f"no lake at {self._local.root}: the folder does not exist")
        self.con = con if con is not None else connect()
        self.workers = workers
        self._fetched: dict[str, bytes] = {}
        self._n = 0
        self.gets = 0
        """Objects fetched so far (a local lake's Parquet files are read in place, not counted)."""

    @property
    def local_root(self) -> Path | None:
        """The folder of a local lake (read in place), else None."""
        return self._local.root if self._local is not None else None

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Within the block, each listing is taken once (see ``ListingSnapshot``)."""
        if isinstance(self.storage, ListingSnapshot):
            yield
            return
        inner = self.storage
        self.storage = ListingSnapshot(inner)
        try:
            yield
        finally:
            self.storage = inner

    def fetch(self, key: str) -> bytes:
        """The bytes of ``key``, downloaded once per reader (counted in ``gets``)."""
        return self._get(key)

    def _get(self, key: str) -> bytes:
        if key not in self._fetched:
            self._fetched[key] = self.storage.get(key)
            self.gets += 1
        return self._fetched[key]

    def _daily_is_current(self, daily: str, windows: Sequence[str]) -> bool:
        root = self.local_root
        if root is not None:
            meta = pq.read_schema(root / daily).metadata or {}
        else:
            meta = pq.read_schema(io.BytesIO(self._get(daily))).metadata or {}
        return WINDOWS_KEY in meta and int(meta[WINDOWS_KEY]) == len(windows)

    def files(
        self, books: Sequence[str], start: int, end: int, table: str = layout.SPREADS
    ) -> list[LakeFile]:
        """The files ``relation`` would read."""
        check_range(start, end)
        return plan(
            self.storage, books, start, end, table=table, daily_is_current=self._daily_is_current
        )

    def relation(
        self, books: Sequence[str], start: int, end: int, table: str = layout.SPREADS
    ) -> duckdb.DuckDBPyRelation:
        """Rows of ``books`` in [start, end): file columns + ``date`` + ``hour``."""
        files = self.files(books, start, end, table)
        whole = [f for f in files if f.inside(start, end)]
        cut = [f for f in files if not f.inside(start, end)]
        parts = self._parts(whole, table)
        where = (
            f"observed_at >= to_timestamp({int(start)}) and observed_at < to_timestamp({int(end)})"
        )
        parts += [f"select * from ({part}) where {where}" for part in self._parts(cut, table)]
        if not parts:
            parts.append(_with_partitions(self._register(self._empty(table))))
        sql = " union all by name ".join(f"({p})" for p in parts)
        try:
            return self.con.sql(sql)
        except duckdb.Error as exc:
            raise LakeError(f"cannot read the lake: {exc}", lake=self.storage.url) from exc

    def _parts(self, files: Sequence[LakeFile], table: str) -> list[str]:
        """SELECTs over ``files`` (files wholly inside the range need no row filter)."""
        windows, days, fetched = self._split(files, table)
        parts = []
        # spread files share one schema; depth files have the columns of their book's sizes
        union = "" if table == layout.SPREADS else ", union_by_name = true"
        if windows:  # Hive keys from the paths: DuckDB skips files by date/hour filters
            parts.append(
                f"select * from read_parquet({_list(windows)}, "
                f"hive_partitioning = true, hive_types = {_HIVE_TYPES}{union})"
            )
        if days:
            days_sql = f"read_parquet({_list(days)}, hive_partitioning = false{union})"
            parts.append(_with_partitions(days_sql))
        if fetched:
            parts.append(_with_partitions(self._register(self._decode(fetched, table))))
        return parts

    def _split(
        self, files: Sequence[LakeFile], table: str
    ) -> tuple[list[str], list[str], list[LakeFile]]:
        """(local window paths, local day-file paths, files to fetch and decode)."""
        root = self.local_root
        if root is None:
            return [], [], list(files)
        windows: list[str] = []
        days: list[str] = []
        fetched: list[LakeFile] = []
        for f in files:
            if f.fmt != "parquet" or (table == layout.SPREADS and layout.is_legacy_key(f.key)):
                fetched.append(f)
            else:
                (days if f.daily else windows).append((root / f.key).as_posix())
        return windows, days, fetched

    def _decode(self, files: Sequence[LakeFile], table: str) -> pa.Table:
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            blobs = list(pool.map(lambda f: self._get(f.key), files))
        if table == layout.SPREADS:
            tables = [decode_table(b, f.fmt) for b, f in zip(blobs, files, strict=True)]
        else:
            tables = [_decode_other(b, f) for b, f in zip(blobs, files, strict=True)]
        return pa.concat_tables(tables, promote_options="permissive")

    def _empty(self, table: str) -> pa.Table:
        if table == layout.SPREADS:
            return SCHEMA.empty_table()
        raise LakeError(f"no files in the {table} table for this range", lake=self.storage.url)

    def _register(self, data: pa.Table) -> str:
        self._n += 1
        name = f"_lake_rows_{self._n}"
        self.con.register(name, data)
        return name


def check_range(start: int, end: int) -> None:
    """A time range must hold at least one second."""
    if end <= start:
        raise LakeError("empty time range: the end must be after the start", start=start, end=end)


def _list(paths: Sequence[str]) -> str:
    return "[" + ", ".join(sql_quote(p) for p in paths) + "]"


def _with_partitions(source: str) -> str:
    """``date`` and ``hour`` derived from ``observed_at`` (UTC), as the folders spell them
    (integer arithmetic on the epoch: calendar functions on time zones cost 10x more)."""
    return (
        "select *, date '1970-01-01' + (epoch_us(observed_at) // 86400000000)::integer "
        'as "date", (epoch_us(observed_at) // 3600000000 % 24)::integer as hour '
        f"from {source}"
    )


def _decode_other(data: bytes, f: LakeFile) -> pa.Table:
    try:
        if f.fmt == "parquet":
            return pq.read_table(io.BytesIO(data))
        import pyarrow.csv as pa_csv

        return pa_csv.read_csv(io.BytesIO(data))
    except pa.ArrowException as exc:
        raise LakeError(f"not a lake file: {exc}", key=f.key) from exc


__all__ = ["WINDOWS_KEY", "LakeReader", "connect", "upgrade_table"]
