"""Export every output table as one CSV (and one Parquet file), rows ordered by primary key."""

from __future__ import annotations

from pathlib import Path

from bitsodata.warehouse.db import Database, DuckDatabase, open_db
from bitsodata.warehouse.schema import ensure_schema
from bitsodata.warehouse.serve.catalog import tables


def export_tables(db: str | Database, out: Path, *, parquet: bool = True) -> list[Path]:
    """Write ``out/<table>.csv`` (and ``.parquet``) for every table; returns the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with open_db(db) as handle:
        ensure_schema(handle)
        for table in tables(handle):
            order = ", ".join(table.primary_key or tuple(c.name for c in table.columns))
            sql = f"select * from {table.name} order by {order}"
            csv_path = out / f"{table.name}.csv"
            _atomic(handle, sql, csv_path, "csv")
            written.append(csv_path)
            if parquet:
                pq_path = out / f"{table.name}.parquet"
                if isinstance(handle, DuckDatabase):
                    _atomic(handle, sql, pq_path, "parquet")
                else:
                    _parquet_from_csv(csv_path, pq_path)
                written.append(pq_path)
    return written


def _atomic(handle: Database, sql: str, path: Path, fmt: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    handle.copy_out(sql, tmp, fmt)
    tmp.replace(path)


def _parquet_from_csv(csv_path: Path, pq_path: Path) -> None:
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    tmp = pq_path.with_name(f".{pq_path.name}.tmp")
    pq.write_table(pacsv.read_csv(csv_path), tmp)
    tmp.replace(pq_path)
