"""Read the live schema (tables, columns, primary keys, references) from either engine.

Keys and references of the user-keyed tables are declared as column comments, ``key`` and/or
``references table.column`` separated by a comma (see migrations/); small tables have real keys.
"""

from __future__ import annotations

from dataclasses import dataclass

from bitsodata.warehouse.db import Database
from bitsodata.warehouse.schema import schema_columns


@dataclass(frozen=True)
class Column:
    """One column of the live schema."""

    name: str
    type: str
    is_pk: bool
    references: str | None  # "table.column"


@dataclass(frozen=True)
class Table:
    """One persistent table of the warehouse."""

    name: str
    columns: tuple[Column, ...]

    @property
    def primary_key(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.is_pk)


def _primary_keys(db: Database) -> dict[str, set[str]]:
    keys: dict[str, set[str]] = {}
    if db.engine == "duckdb":
        for table, cols in db.fetchall(
            "select table_name, constraint_column_names from duckdb_constraints() "
            "where constraint_type = 'PRIMARY KEY' and database_name = current_database() "
            "and schema_name = 'main'"
        ):
            keys.setdefault(table, set()).update(cols)
        return keys
    for table, col in db.fetchall(
        "select tc.table_name, k.column_name from information_schema.table_constraints tc "
        "join information_schema.key_column_usage k on k.constraint_name = tc.constraint_name "
        "and k.table_schema = tc.table_schema "
        "where tc.constraint_type = 'PRIMARY KEY' and tc.table_schema = 'public'"
    ):
        keys.setdefault(table, set()).add(col)
    return keys


def _comments(db: Database) -> dict[tuple[str, str], str]:
    if db.engine == "duckdb":
        rows = db.fetchall(
            "select table_name, column_name, comment from duckdb_columns() "
            "where comment is not null and schema_name = 'main' "
            "and database_name = current_database()"
        )
    else:
        rows = db.fetchall(
            "select c.table_name, c.column_name, "
            "col_description(('public.' || c.table_name)::regclass, c.ordinal_position) "
            "from information_schema.columns c join information_schema.tables t "
            "on t.table_name = c.table_name and t.table_schema = c.table_schema "
            "where c.table_schema = 'public' and t.table_type = 'BASE TABLE'"
        )
    return {(t, c): str(comment) for t, c, comment in rows if comment}


def tables(db: Database) -> list[Table]:
    """Every table of the warehouse (those its migrations create), sorted by name; other tables
    in the schema (migration records, the sources a dbt build reads) are not part of it."""
    schema = "main" if db.engine == "duckdb" else "public"
    rows = db.fetchall(
        "select c.table_name, c.column_name, c.data_type from information_schema.columns c "
        "join information_schema.tables t on t.table_name = c.table_name "
        "and t.table_schema = c.table_schema "
        "where c.table_schema = :schema and t.table_type = 'BASE TABLE' "
        "order by c.table_name, c.ordinal_position",
        {"schema": schema},
    )
    keys = _primary_keys(db)
    comments = _comments(db)
    by_table: dict[str, list[Column]] = {}
    known = schema_columns()
    for table, column, data_type in rows:
        if table not in known:
            continue
        marks = [m.strip() for m in comments.get((table, column), "").split(",")]
        refs = [m.removeprefix("references ").strip() for m in marks if m.startswith("references ")]
        is_pk = column in keys.get(table, set()) or "key" in marks
        by_table.setdefault(table, []).append(
            Column(column, str(data_type).lower(), is_pk, refs[0] if refs else None)
        )
    return [Table(name, tuple(cols)) for name, cols in sorted(by_table.items())]
