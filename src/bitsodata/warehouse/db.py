"""One small port over the two warehouse engines: a DuckDB file and a PostgreSQL server.

SQL is written once with ``:name`` placeholders; each adapter translates them to its own style.
Bulk inserts go through Arrow (DuckDB) or ``COPY`` (PostgreSQL).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from bitsodata.errors import WarehouseError

_PARAM = re.compile(r"(?<![:\w]):([a-z_][a-z0-9_]*)")

Row = tuple[Any, ...]
DUCKDB_MEMORY_LIMIT = "4GB"
SMALL_BATCH_BYTES = 4 << 20
SMALL_HISTORY_ROWS = 2_000_000


def _used(sql: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """Only the parameters the statement names (engines refuse or ignore extras inconsistently)."""
    names = set(_PARAM.findall(sql))
    return {k: v for k, v in params.items() if k in names}


class Database(Protocol):
    """What the loader, runner, questions and exports need from an engine."""

    engine: str
    url: str

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> None: ...

    def fetchall(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Row]: ...

    def fetch_column(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Any]:
        """The first column of the result (a cheaper path for long answers)."""
        ...

    def execute_count(self, sql: str) -> int:
        """Run one INSERT/UPDATE/DELETE or CREATE TABLE AS; the number of rows it wrote (no extra
        count query)."""
        ...

    def insert_rows(
        self,
        table: str,
        columns: Sequence[str],
        rows: Sequence[Row],
        types: Sequence[str] | None = None,
    ) -> None: ...

    def insert_arrow(self, table: str, rows: Any) -> None:
        """Bulk insert an Arrow table whose column names are columns of ``table``."""
        ...

    def transaction(self) -> Any: ...

    def size_for(self, n_bytes: int) -> None:
        """Tune the engine for the next batch of ``n_bytes`` of source files."""
        ...

    def copy_out(self, sql: str, path: Path, fmt: str) -> None: ...

    def close(self) -> None: ...


class DuckDatabase:
    """A DuckDB file (or ``:memory:``)."""

    engine = "duckdb"

    def __init__(self, path: str) -> None:
        import duckdb

        self.url = path
        self._types: dict[str, dict[str, str]] = {}
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self._con = duckdb.connect(path)
        except duckdb.Error as exc:
            raise WarehouseError(_open_failure(path, exc)) from None
        self._con.execute("set enable_progress_bar = false")
        # spill big batches (a scale-100 snapshot) to disk instead of growing past a few GB
        self._con.execute(f"set memory_limit = '{DUCKDB_MEMORY_LIMIT}'")
        self._threads = self.fetchall("select current_setting('threads')")[0][0]
        self._single = False
        self._history_rows: int | None = None
        self._batches = 0

    def size_for(self, n_bytes: int) -> None:
        """Run a small batch on a small warehouse on one thread: its statements are too short to
        gain from more, and scheduling them across threads is much of their cost (a day-by-day
        replay at scale 1 is ~15 % faster). A long history keeps every thread for its scans."""
        self._batches += 1
        if self._history_rows is None or self._batches % 100 == 0:  # the history grows
            self._history_rows = int(
                self.fetchall(
                    "select coalesce(sum(estimated_size), 0) from duckdb_tables() "
                    "where table_name in ('fct_event', 'fct_transaction')"
                )[0][0]
            )
        single = n_bytes < SMALL_BATCH_BYTES and self._history_rows < SMALL_HISTORY_ROWS
        if single != self._single:
            self._con.execute(f"set threads = {1 if single else self._threads}")
            self._single = single

    def _sql(self, sql: str) -> str:
        return _PARAM.sub(r"$\1", sql)

    def _run(self, sql: str, params: Mapping[str, Any] | None) -> Any:
        if params:
            return self._con.execute(self._sql(sql), _used(sql, params))
        return self._con.execute(sql)

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        self._run(sql, params)

    def fetchall(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        return list(self._run(sql, params).fetchall())

    def fetch_column(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Any]:
        """A text column through NumPy: a few times faster than tuples (and than Arrow) for
        millions of rows; other types as tuples (NumPy would turn decimals into floats)."""
        cursor = self._run(sql, params)
        if str(cursor.description[0][1]) != "VARCHAR":
            return [row[0] for row in cursor.fetchall()]
        values: list[Any] = next(iter(cursor.fetchnumpy().values())).tolist()
        return values

    def execute_count(self, sql: str) -> int:
        row = self._con.execute(sql).fetchone()
        return int(row[0]) if row else 0

    def insert_rows(
        self,
        table: str,
        columns: Sequence[str],
        rows: Sequence[Row],
        types: Sequence[str] | None = None,
    ) -> None:
        """Bulk insert through Arrow; ``types`` (SQL types of ``columns``) spares a look-up."""
        if not rows:
            return
        import pyarrow as pa

        by_name = dict(zip(columns, types, strict=True)) if types else self._types.get(table)
        if by_name is None or any(c not in by_name for c in columns):
            by_name = dict(
                self.fetchall(
                    "select column_name, data_type from duckdb_columns() where table_name = :t",
                    {"t": table},
                )
            )
            self._types[table] = by_name
        arrays = {}
        for i, col in enumerate(columns):
            arrays[col] = pa.array([r[i] for r in rows], type=_arrow_type(by_name[col]))
        self.insert_arrow(table, pa.table(arrays))

    def insert_arrow(self, table: str, rows: Any) -> None:
        if not rows.num_rows:
            return
        # DuckDB finds the local Arrow table by its name (a replacement scan). Not register():
        # a registered view is a catalog entry, kept with its Arrow buffers until the transaction
        # ends, so a big batch would hold every row it inserted in memory twice.
        bitsodata_arrow_rows = rows  # noqa: F841 - read by name in the statement below
        cols = ", ".join(rows.column_names)
        self._con.execute(f"insert into {table} ({cols}) select {cols} from bitsodata_arrow_rows")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self._con.execute("begin transaction")
        try:
            yield
        except BaseException:
            self._con.execute("rollback")
            raise
        self._con.execute("commit")

    def copy_out(self, sql: str, path: Path, fmt: str) -> None:
        """Write a query's rows to a CSV or Parquet file (fast path of the exporter)."""
        opts = "(header, delimiter ',')" if fmt == "csv" else "(format parquet)"
        target = str(path).replace("'", "''")
        self._con.execute(f"copy ({sql}) to '{target}' {opts}")

    def close(self) -> None:
        self._con.close()


def _arrow_type(duck_type: str) -> Any:
    import pyarrow as pa

    t = duck_type.upper()
    if t.startswith("DECIMAL"):
        precision, scale = (int(x) for x in t[t.index("(") + 1 : -1].split(","))
        return pa.decimal128(precision, scale)
    simple = {
        "VARCHAR": pa.string(),
        "BIGINT": pa.int64(),
        "INTEGER": pa.int32(),
        "BOOLEAN": pa.bool_(),
        "DATE": pa.date32(),
        "TIMESTAMP": pa.timestamp("us"),
    }
    return simple[t]


class PostgresDatabase:
    """A PostgreSQL server reached with psycopg 3."""

    engine = "postgres"

    def __init__(self, url: str) -> None:
        import psycopg

        self.url = url
        try:
            self._con = psycopg.connect(url, autocommit=True)
        except psycopg.OperationalError as exc:
            raise WarehouseError(f"cannot connect to PostgreSQL: {exc}") from exc

    def _sql(self, sql: str) -> str:
        return _PARAM.sub(r"%(\1)s", sql.replace("%", "%%"))

    def _run(self, cur: Any, sql: str, params: Mapping[str, Any] | None) -> None:
        if params:
            cur.execute(self._sql(sql), _used(sql, params))
        else:
            cur.execute(sql)

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        with self._con.cursor() as cur:
            self._run(cur, sql, params)

    def fetchall(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Row]:
        with self._con.cursor() as cur:
            self._run(cur, sql, params)
            return list(cur.fetchall())

    def fetch_column(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Any]:
        return [row[0] for row in self.fetchall(sql, params)]

    def execute_count(self, sql: str) -> int:
        with self._con.cursor() as cur:
            cur.execute(sql)
            return max(cur.rowcount, 0)

    def insert_rows(
        self,
        table: str,
        columns: Sequence[str],
        rows: Sequence[Row],
        types: Sequence[str] | None = None,
    ) -> None:
        """Bulk insert with ``COPY ... FROM STDIN``."""
        del types
        if not rows:
            return
        with (
            self._con.cursor() as cur,
            cur.copy(f"copy {table} ({', '.join(columns)}) from stdin") as copy,
        ):
            for row in rows:
                copy.write_row(row)

    def insert_arrow(self, table: str, rows: Any) -> None:
        """Through ``COPY`` as well, a record batch at a time."""
        for batch in rows.to_batches(max_chunksize=50_000):
            values = [c.to_pylist() for c in batch.columns]
            self.insert_rows(table, batch.schema.names, list(zip(*values, strict=True)))

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._con.transaction():
            yield

    def size_for(self, n_bytes: int) -> None:
        """Nothing to tune: the server plans its own parallelism."""
        del n_bytes

    def copy_out(self, sql: str, path: Path, fmt: str) -> None:
        """Write a query's rows to CSV (Parquet goes through Arrow in the exporter)."""
        statement = f"copy ({sql}) to stdout with (format csv, header)"
        with self._con.cursor() as cur, path.open("wb") as out, cur.copy(statement) as copy:
            for chunk in copy:
                out.write(chunk)

    def close(self) -> None:
        self._con.close()


def _open_failure(path: str, exc: Exception) -> str:
    """DuckDB's reason for refusing a file, in a line (its lock message names the holder)."""
    text = str(exc)
    if "lock" in text.lower():
        holder = re.search(r"\(PID (\d+)\)", text)
        by = f" (PID {holder.group(1)})" if holder else ""
        return f"the warehouse database {path} is in use by another process{by}; try again later"
    if "not a valid DuckDB database" in text:
        return f"{path} is not a DuckDB database file"
    first = next(iter(text.splitlines()), "").split(" See also ")[0]
    return f"cannot open the warehouse database {path}: {first}"


def connect(url: str) -> DuckDatabase | PostgresDatabase:
    """Open ``url``: a ``postgresql://`` URL or a DuckDB file path."""
    if url.startswith(("postgresql://", "postgres://")):
        return PostgresDatabase(url)
    return DuckDatabase(url)


@contextmanager
def open_db(db: str | Database) -> Iterator[Database]:
    """Use an open database as is, or open (and close) one from a URL or path."""
    if not isinstance(db, str):
        yield db
        return
    handle = connect(db)
    try:
        yield handle
    finally:
        handle.close()
