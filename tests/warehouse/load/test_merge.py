"""Each entity's columns are declared once (``vars.entities``); what must repeat them agrees, and
the SQL text of keys and contents is the text Python gives, on both engines."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal

import pytest
import yaml

from bitsodata.warehouse.db import Database, DuckDatabase, PostgresDatabase
from bitsodata.warehouse.load import merge
from bitsodata.warehouse.load.models import project_root, render
from bitsodata.warehouse.schema import migrations


def _migration_types() -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for migration in migrations():
        for statement in migration.statements:
            m = re.match(r"create table if not exists (\w+) \((.*)\)$", statement, re.S)
            if m is None:
                continue
            cols = [ln.strip().split(None, 1) for ln in m.group(2).splitlines() if ln.strip()]
            found[m.group(1)] = {
                name: re.match(r"\w+(\([^)]*\))?", rest).group(0).replace(" ", "")  # type: ignore[union-attr]
                for name, rest in cols
            }
    return found


def test_the_staging_tables_follow_the_project_s_declaration() -> None:
    declared = yaml.safe_load((project_root() / "dbt_project.yml").read_text())["vars"]
    for name, spec in declared["entities"].items():
        entity = merge.ENTITIES[name]
        assert entity.columns == tuple(spec["columns"]) and entity.fact == spec["fact"]
        assert entity.types == tuple(spec["columns"].values())


def test_the_parsers_the_source_yaml_and_the_migrations_agree_with_the_entities() -> None:
    sources = yaml.safe_load((project_root() / "models" / "staging" / "_sources.yml").read_text())
    batch = {
        t["identifier"]: t for s in sources["sources"] if s["name"] == "batch" for t in s["tables"]
    }
    tables = _migration_types()
    for entity in merge.ENTITIES.values():
        yaml_cols = tuple(c["name"] for c in batch[entity.in_table]["columns"])
        assert yaml_cols == (*entity.columns, "natural_key", "raw_line"), entity.name
        stored = tables[entity.fact]
        for column, kind in zip(entity.columns, entity.types, strict=True):
            assert stored[column] == kind.replace(" ", ""), (entity.fact, column)


ROWS = [
    datetime(2021, 3, 10, 4, 5, 6),
    datetime(2021, 3, 10, 4, 5, 6, 500000),
    datetime(2021, 12, 31, 23, 59, 59, 1),
]


def _sql_texts(db: Database) -> list[tuple[str, str]]:
    key = render(db.engine, "{{ key_text('r', var('entities')['user_level']) }}")
    content = render(db.engine, "{{ rendered('r', var('entities')['transaction']) }}")
    db.execute(
        "create temp table r (transaction_id bigint, occurred_at timestamp, user_id varchar, "
        "amount decimal(38,18), interface varchar, currency_code varchar, tx_status varchar, "
        "changed_at timestamp)"
    )
    for i, at in enumerate(ROWS):
        db.execute(
            "insert into r values (:i, :at, 'u1', :amount, null, 'mxn', 'complete', :at)",
            {"i": i, "at": at, "amount": Decimal("-1.5")},
        )
    return [
        (str(a), str(b))
        for a, b in db.fetchall(f"select {key}, {content} from r order by transaction_id")
    ]


def _python_texts() -> list[tuple[str, str]]:
    out = []
    for i, at in enumerate(ROWS):
        key = f"u1|{at.isoformat(sep=' ')}"  # (user_id, changed_at) as the staging writes it
        stamp = at.isoformat(sep=" ") + "+00"
        out.append((key, f"{i},{stamp},u1,-1.500000000000000000,,mxn,complete"))
    return out


def test_keys_and_contents_as_text_on_duckdb(tmp_path: object) -> None:
    db = DuckDatabase(":memory:")
    try:
        assert _sql_texts(db) == _python_texts()
    finally:
        db.close()


@pytest.mark.postgres
def test_keys_and_contents_as_text_on_postgres(pg_url: str) -> None:
    db = PostgresDatabase(pg_url)
    try:
        assert _sql_texts(db) == _python_texts()
    finally:
        db.close()
