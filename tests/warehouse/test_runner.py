"""The runner: models ordered by reference, headers parsed."""

from __future__ import annotations

from bitsodata.warehouse.runner import load_models, schema_columns


def test_models_come_in_dependency_order() -> None:
    names = [m.name for m in load_models()]
    assert names.index("stg_transactions") < names.index("fct_transaction")
    assert names.index("fct_transaction") < names.index("dim_user")
    assert names.index("dim_user_level_history") < names.index("dim_user")
    assert names.index("fct_event") < names.index("mart_user_daily")


def test_every_persisted_model_has_a_table_grain_and_tests() -> None:
    tables = schema_columns()
    for model in load_models():
        assert model.grain.startswith("one row per"), model.name
        assert model.materialized in ("view", "append", "append_new", "temp_table", "replace")
        if model.materialized in ("append", "append_new", "replace"):
            assert model.name in tables and model.tests, model.name
        if model.materialized == "replace":  # the rows a batch recomputes are named by key columns
            assert model.scope is not None, model.name
            assert set(model.scope[1]) <= set(tables[model.name]), model.name
        if model.materialized in ("append", "append_new"):
            assert set(model.key) <= set(tables[model.name]), model.name
