"""Recorded migrations: a database knows which schema version it holds."""

from __future__ import annotations

from pathlib import Path

from bitsodata.warehouse.db import connect
from bitsodata.warehouse.schema import applied_versions, ensure_schema, migrations, schema_columns


def test_a_new_database_records_every_migration_once(tmp_path: Path) -> None:
    url = str(tmp_path / "w.duckdb")
    db = connect(url)
    ensure_schema(db)
    db.close()
    db = connect(url)  # a new connection checks again and applies nothing twice
    ensure_schema(db)
    assert applied_versions(db) == {m.version for m in migrations()}
    n = db.fetchall("select count(*) from schema_migrations")[0][0]
    tables = {r[0] for r in db.fetchall("select table_name from information_schema.tables")}
    db.close()
    assert n == len(migrations())
    assert set(schema_columns()) <= tables


def test_a_database_made_before_the_records_keeps_its_rows(tmp_path: Path) -> None:
    db = connect(str(tmp_path / "old.duckdb"))
    for statement in migrations()[0].statements:  # the tables as an older version created them
        db.execute(statement)
    db.execute("insert into dim_currency values ('mxn', true)")
    ensure_schema(db)
    assert db.fetchall("select * from dim_currency") == [("mxn", True)]
    assert migrations()[0].version in applied_versions(db)
    db.close()
