"""The runner reads the dbt project: models rendered, ordered by ref(), config from the YAML."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bitsodata.errors import WarehouseError
from bitsodata.warehouse.db import Database, connect
from bitsodata.warehouse.load import merge
from bitsodata.warehouse.load.models import batch_sources, load_models, ordered
from bitsodata.warehouse.load.runner import ensure_schema, run_batch, schema_columns


def test_models_come_in_ref_order() -> None:
    models = load_models()
    names = [m.name for m in models]
    assert names.index("stg_transactions") < names.index("fct_transaction")
    assert names.index("fct_transaction") < names.index("dim_user")
    assert names.index("dim_user_level_history") < names.index("dim_user")
    assert names.index("fct_event") < names.index("mart_user_daily")
    for i, model in enumerate(models):
        assert model.refs <= set(names[:i]), model.name


def test_a_ref_cycle_or_a_missing_ref_is_an_error() -> None:
    by_name = {m.name: m for m in load_models()}
    fct = by_name["fct_event"]
    stg = by_name["stg_events"]
    from dataclasses import replace

    with pytest.raises(WarehouseError, match="cycle"):
        ordered(
            [
                replace(fct, refs=frozenset({"stg_events"})),
                replace(stg, refs=frozenset({"fct_event"})),
            ]
        )
    with pytest.raises(WarehouseError, match="does not exist"):
        ordered([fct])


def test_rendered_sql_has_no_jinja_left_and_names_the_engine_s_relations() -> None:
    for engine in ("duckdb", "postgres"):
        for model in load_models(engine):
            assert "{{" not in model.sql and "{%" not in model.sql, model.name
    fct = {m.name: m for m in load_models()}["fct_event"]
    assert fct.sources == frozenset() and fct.refs == {"int_event_accepted", "int_event_conflicts"}
    assert fct.reads_itself  # its new-keys filter reads the stored keys ({{ this }})
    assert "from fct_event as t" in fct.sql


def test_every_persisted_model_has_a_table_grain_key_and_tests() -> None:
    tables = schema_columns()
    for model in load_models():
        assert model.grain.startswith("one row per"), model.name
        assert model.description, model.name
        if not model.persisted:
            continue
        assert model.name in tables and model.tests, model.name
        assert set(model.unique_key) <= set(tables[model.name]), model.name
        assert model.strategy in ("append", "replace_scope"), model.name
        if model.strategy == "replace_scope":  # the rows a batch recomputes are named by keys
            assert model.scope is not None, model.name
            assert set(model.scope.columns) <= set(tables[model.name]), model.name


class _Recording:
    """A real database that notes the tables each statement writes."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self.engine = db.engine
        self.written: list[str] = []

    def _note(self, sql: str) -> None:
        for verb in ("insert into ", "delete from ", "create temp table "):
            if sql.startswith(verb) and not sql.endswith("limit 0"):  # not an empty creation
                name = sql[len(verb) :].split()[0]
                if not name.startswith("_"):
                    self.written.append(name)

    def execute(self, sql: str, params: Any = None) -> None:
        self._note(sql)
        self._db.execute(sql, params)

    def execute_count(self, sql: str) -> int:
        self._note(sql)
        return self._db.execute_count(sql)

    def fetchall(self, sql: str, params: Any = None) -> Any:
        return self._db.fetchall(sql, params)


def _run(db: Database, rows: dict[str, int], created: set[str]) -> list[str]:
    models = load_models()
    recording = _Recording(db)
    counts = {**{s: 0 for s in batch_sources()}, **rows, "new_currencies": 0}
    with db.transaction():
        run_batch(recording, models, counts, created)  # type: ignore[arg-type]
    return recording.written


def test_only_models_with_work_run_for_a_batch(tmp_path: Path) -> None:
    db = connect(str(tmp_path / "wh.duckdb"))
    ensure_schema(db)
    for entity in merge.ENTITIES.values():
        merge.create_batch_tables(db, entity)
    created: set[str] = set()
    db.execute("insert into _in_user values ('u1', 'u1', 'u1')")
    # dim_user deletes its scope's rows and inserts them again; nothing else has work
    assert sorted(_run(db, {"_in_user": 1}, created)) == [
        "dim_user", "dim_user", "int_affected_users", "int_user_accepted", "user_snapshot"
    ]  # fmt: skip
    db.execute(
        "delete from _in_user; delete from int_user_accepted; delete from int_affected_users"
    )
    db.execute(
        "insert into _in_event values (1, 'u1', timestamp '2021-03-01 10:00:00', 'login', '1', 'l')"
    )
    written = _run(db, {"_in_event": 1}, created)
    # no conflict: nothing withdrawn, nothing quarantined; the user's snapshot rows recomputed
    assert "quarantine" not in written and "int_withdrawn_users" not in written
    assert written.count("fct_event") == 1 and "fct_transaction" not in written
    assert "mart_user_daily" in written and "dim_user_level_history" not in written
    assert db.fetchall("select event_id, is_login from fct_event") == [(1, True)]
    db.close()


def test_every_scope_is_a_ref_dbt_sees_when_it_parses() -> None:
    """dbt finds refs by rendering a model as not incremental: a scope read only by the
    materialization (or inside ``is_incremental()``) must be named where dbt sees it."""
    import re

    from bitsodata.warehouse.load.models import project_root

    for model in load_models():
        if model.scope is None:
            continue
        text = (project_root() / "models" / model.layer / f"{model.name}.sql").read_text()
        outside = re.sub(r"\{%-? if is_incremental\(\) %\}.*?\{%-? endif %\}", "", text, flags=re.S)
        assert f"ref('{model.scope.table}')" in outside, model.name
