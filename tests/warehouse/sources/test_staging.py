"""The staging models check and type every field in SQL, on both engines, as users know it: the
same typed values and the same quarantine reasons, word for word, as the line parser they
replace gave (``tests/warehouse/data/staging_cases.json`` holds its answers for the fields'
hostile spellings)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from bitsodata.warehouse.db import Database, DuckDatabase, PostgresDatabase
from bitsodata.warehouse.load import merge
from bitsodata.warehouse.load.models import landing_models, project_root, rejected_model
from bitsodata.warehouse.sources.columns import READ_COLUMNS, SOURCES, landing_ddl
from bitsodata.warehouse.sources.lines import EventWindow, landing_row, landing_table

CASES = json.loads(
    (Path(__file__).parents[1] / "data" / "staging_cases.json").read_text(encoding="utf-8")
)
WINDOW = EventWindow(datetime(2010, 1, 1), datetime(2026, 1, 1, 12))


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest) -> Iterator[Database]:
    if request.param == "duckdb":
        db: Database = DuckDatabase(":memory:")
    else:
        db = PostgresDatabase(request.getfixturevalue("pg_url"))
    yield db
    db.close()


def _staged(db: Database, source: str, columns: list[str], lines: list[str]) -> list[Any]:
    """The staging model's rows for ``lines`` of a ``source`` file with ``columns``: the typed
    columns and natural key, then the reason of ``stg_landing__rejected`` (null when valid)."""
    models = landing_models(db.engine, WINDOW.variables())
    for other in SOURCES.values():
        db.execute(landing_ddl(other))
    for model in models.values():
        db.execute(f"create temp table {model.name} as select * from ({model.sql}) as s limit 0")
    spec = SOURCES[source]
    rows = [landing_row(spec, columns, line, no) for no, line in enumerate(lines, 2)]
    db.insert_arrow(spec.raw_table, landing_table(spec, [r for r in rows if r is not None]))
    model = models[spec.raw_table]
    db.execute(f"insert into {model.name} select * from ({model.sql}) as s")
    entity = merge.ENTITIES[merge.SOURCE_ENTITY[source]]
    cols = ", ".join(f"s.{c}" for c in (*entity.columns, "natural_key"))
    return db.fetchall(
        f"select {cols}, r.reason from {model.name} as s "
        f"left join ({rejected_model(db.engine).sql}) as r on r.raw_line = s.raw_line "
        "order by s.line_no"
    )


def _same(expected: str | None, value: Any) -> bool:
    if expected is None or value is None:
        return expected is value
    if isinstance(value, Decimal):
        return Decimal(expected) == value
    return expected == str(value)


@pytest.mark.parametrize("source", sorted(CASES))
def test_staging_types_and_quarantines_as_the_line_parser_did(
    engine: Database, source: str
) -> None:
    cases = CASES[source]["cases"]
    rows = _staged(engine, source, CASES[source]["columns"], [c["line"] for c in cases])
    assert len(rows) == len(cases)
    for case, row in zip(cases, rows, strict=True):
        *typed, key, reason = row
        if "reason" in case:
            assert (case["line"], reason) == (case["line"], case["reason"])
            continue
        assert reason is None, (case["line"], reason)
        assert all(_same(e, v) for e, v in zip(case["typed"], typed, strict=True)), (case, row)
        assert key == case["natural_key"]


def test_a_record_that_cannot_be_split_keeps_its_read_reason(engine: Database) -> None:
    lines = ["1,2020-01-01 00:00:00+00,u1", '2,"2020-01-01 00:00:00+00,u1,login', "   "]
    rows = _staged(engine, "event", ["id", "event_timestamp", "user_id", "event_name"], lines)
    assert [r[-1] for r in rows] == ["wrong number of fields", "unterminated quoted field"]


@pytest.mark.parametrize("zone", ["UTC", "America/Mexico_City", "Asia/Kolkata"])
def test_event_times_are_read_in_utc_whatever_the_sessions_time_zone(
    engine: Database, zone: str
) -> None:
    engine.execute(f"set timezone = '{zone}'")
    lines = [
        "1,2020-01-10 10:00:00,u1,login",
        "2,2020-01-10T10:00:00Z,u1,login",
        "3,2020-01-10 10:00:00.5-05:30,u1,login",
        "4,2020-01-10 10:00:00+0130,u1,login",
        "5,0000-12-31 23:00:00-05,u1,login",
        "6,2020-01-10 23:00:00-05,u1,login",
        "7,2020-01-10 02:00:00+05,u1,login",
    ]
    rows = _staged(engine, "event", ["id", "event_timestamp", "user_id", "event_name"], lines)
    assert [str(r[2]) for r in rows[:4]] == [
        "2020-01-10 10:00:00",
        "2020-01-10 10:00:00",
        "2020-01-10 15:30:00.500000",
        "2020-01-10 08:30:00",
    ]
    assert rows[4][-1] == "unparseable timestamp '0000-12-31 23:00:00-05'"
    assert [str(r[2]) for r in rows[5:]] == ["2020-01-11 04:00:00", "2020-01-09 21:00:00"]


def test_a_control_character_around_a_field_is_kept_and_quoted(engine: Database) -> None:
    lines = ["1,2020-01-10 10:00:00,\x01u1,login", "2,2020-01-10 10:00:00, u2\t,login\x1f"]
    rows = _staged(engine, "event", ["id", "event_timestamp", "user_id", "event_name"], lines)
    assert [r[-1] for r in rows] == ["invalid user_id '\\x01u1'", "invalid event_name 'login\\x1f'"]


def test_the_landing_tables_are_the_declared_columns_and_the_sources_yaml() -> None:
    data = yaml.safe_load(
        (project_root() / "models" / "staging" / "_sources.yml").read_text(encoding="utf-8")
    )
    [landing] = [s for s in data["sources"] if s["name"] == "landing"]
    declared = {t["identifier"]: [c["name"] for c in t["columns"]] for t in landing["tables"]}
    assert declared == {s.raw_table: list(s.landing_columns) for s in SOURCES.values()}
    assert all(s.landing_columns[:3] == READ_COLUMNS for s in SOURCES.values())


def test_each_source_has_one_staging_model_giving_the_merge_its_columns() -> None:
    models = landing_models("duckdb", WINDOW.variables())
    assert set(models) == {s.raw_table for s in SOURCES.values()}
    for spec in SOURCES.values():
        sql = models[spec.raw_table].sql
        entity = merge.ENTITIES[merge.SOURCE_ENTITY[spec.name]]
        db = DuckDatabase(":memory:")
        db.execute(landing_ddl(spec))
        names = [d for d in db.fetch_column(f"select column_name from (describe {sql})")]
        db.close()
        assert set(entity.columns) | {"natural_key", "raw_line", "rejected_because"} <= set(names)


def test_the_staging_limits_are_the_ones_the_python_side_documents() -> None:
    from bitsodata.warehouse.load.models import project_vars
    from bitsodata.warehouse.sources import columns

    limits = project_vars()
    assert limits["max_code_length"] == columns.MAX_CODE_LENGTH
    assert limits["max_amount_digits"] == columns.MAX_AMOUNT_DIGITS


def _staging_text(source: str) -> str:
    from bitsodata.warehouse.load.models import project_root

    root = project_root()
    if source in ("deposit", "withdrawal"):  # both stage through one macro
        return (root / "macros" / "staging.sql").read_text(encoding="utf-8")
    name = {"event": "events", "user_level": "user_levels", "user": "users"}[source]
    return (root / "models" / "staging" / f"stg_landing__{name}.sql").read_text(encoding="utf-8")


@pytest.mark.parametrize("source", ["deposit", "withdrawal", "event", "user_level", "user"])
def test_each_column_is_checked_in_sql_as_its_declaration_says(source: str) -> None:
    import re

    from bitsodata.warehouse.sources.columns import CHECKS, SOURCES

    text = _staging_text(source)
    aliases = dict(re.findall(r"trim_blanks\('(\w+)'\) }} as (\w+)", text))
    calls = set(re.findall(r"(\w+)_reason\('(\w+)'", text))
    expected = set()
    for column in SOURCES[source].columns:
        assert column.check in CHECKS, column
        macro = "event_time" if column.check == "timestamp" else column.check
        expected.add((macro, aliases[column.name]))
    assert calls == expected
