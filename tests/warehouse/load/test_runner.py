"""The runner reads the dbt project: models rendered, ordered by ref(), config from the YAML."""

from __future__ import annotations

import pytest

from bitsodata.errors import WarehouseError
from bitsodata.warehouse.load.models import load_models, ordered
from bitsodata.warehouse.load.runner import schema_columns


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
        ordered([fct, replace(stg, refs=frozenset({"fct_event"}))])
    with pytest.raises(WarehouseError, match="does not exist"):
        ordered([fct])


def test_rendered_sql_has_no_jinja_left_and_names_the_engine_s_relations() -> None:
    for engine in ("duckdb", "postgres"):
        for model in load_models(engine):
            assert "{{" not in model.sql and "{%" not in model.sql, model.name
    fct = {m.name: m for m in load_models()}["fct_event"]
    assert fct.sources == frozenset() and fct.refs == {"stg_events"}
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


def test_only_models_with_work_run_for_a_batch() -> None:
    from bitsodata.warehouse.load.loader import worth_running

    models = load_models()
    counts = {"_affected_users": 0, "_level_users": 0, "_touched_days": 0, "_tail_keys": 0}
    only_users = worth_running(models, {"user"}, {**counts, "_affected_users": 3})
    assert [m.name for m in only_users] == ["user_snapshot", "int_user_day_activity", "dim_user"]
    events = worth_running(
        models, {"event"}, {**counts, "_affected_users": 1, "_touched_days": 1, "_tail_keys": 1}
    )
    names = [m.name for m in events]
    assert "fct_event" in names and "mart_user_daily" in names
    assert "fct_transaction" not in names and "dim_date" in names  # run_if new_days unknown
    assert "dim_date" not in [m.name for m in worth_running(models, {"event"}, {"new_days": 0})]
