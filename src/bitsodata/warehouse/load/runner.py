"""The fast runner: materializes the dbt project's models inside the loader's transaction.

dbt itself can build the same project (``make dbt-check`` proves both give the same tables); this
runner exists because a daily batch is a fraction of a second of SQL and a dbt invocation costs
seconds. It renders the models with :mod:`bitsodata.warehouse.load.models` and knows the
materializations the project uses:

- ``view``: a temporary view over this batch's rows (staging);
- ``table``: a per-batch temporary table (intermediate results read by several models);
- ``incremental`` with ``append``: insert the model's rows (the model keeps only new keys itself);
- ``incremental`` with ``replace_scope``: delete the rows whose keys are in the model's scope (a
  small key table the loader fills per batch, e.g. ``_touched_days(user_id, date_key)``) and
  insert the model's rows for them; a model that reads its own previous rows is computed into a
  temporary table first (as dbt does for every incremental model).

Every lookup of a big table goes through an inner join on a small key table (never ``IN`` or
``EXISTS``): DuckDB then pushes the keys' min/max into the big table's scan, and its zone maps skip
the row groups outside the batch's ids and days, so the cost follows the batch, not the history.
"""

from __future__ import annotations

from bitsodata.errors import WarehouseError
from bitsodata.warehouse.db import Database
from bitsodata.warehouse.load.models import Model, load_models
from bitsodata.warehouse.schema import ensure_schema, schema_columns, table_columns

__all__ = [
    "Model",
    "ensure_schema",
    "load_models",
    "materialize",
    "run_models",
    "schema_columns",
    "table_columns",
]


_ORDER_COLUMNS = ("date_key", "changed_at", "valid_from", "user_id")


def _by_day(model: Model) -> str:
    """Rows go in ordered by day (or change time): then each storage segment holds a short run of
    days, and its zone map lets a scan skip it. The sources are nearly in time order, but a few
    stray rows in every segment would otherwise widen each segment's range to the whole history.
    A table without a time column (the user dimension) goes in by user id: a full load leaves it
    sorted, so listing users in order is a linear pass (daily loads append short sorted runs)."""
    cols = table_columns(model.name)
    order = next((c for c in _ORDER_COLUMNS if c in cols), None)
    return f" order by {order}" if order else ""


def _replace_scope(db: Database, model: Model, cols: str) -> None:
    """Delete the rows of the model's scope and insert them again from the model."""
    if model.scope is None:
        raise WarehouseError("a replace_scope model needs meta.scope", model=model.name)
    on = " and ".join(f"t.{c} = s.{c}" for c in model.scope.columns)
    delete = f"delete from {model.name} as t using {model.scope.table} as s where {on}"
    order = _by_day(model)
    if not model.reads_itself:
        db.execute(delete)
        db.execute(
            f"insert into {model.name} ({cols}) select {cols} from ({model.sql}) as m{order}"
        )
        return
    db.execute(f"create temp table _replacement as {model.sql}")
    db.execute(delete)
    db.execute(f"insert into {model.name} ({cols}) select {cols} from _replacement{order}")
    db.execute("drop table _replacement")


def materialize(db: Database, model: Model) -> None:
    """Run one model with its materialization."""
    if model.materialized == "view":
        db.execute(f"create or replace temp view {model.name} as {model.sql}")
        return
    if model.materialized == "table":
        db.execute(f"drop table if exists {model.name}")
        db.execute(f"create temp table {model.name} as {model.sql}")
        return
    cols = ", ".join(table_columns(model.name))
    if model.strategy == "replace_scope":
        _replace_scope(db, model, cols)
    else:
        order = _by_day(model)
        db.execute(
            f"insert into {model.name} ({cols}) select {cols} from ({model.sql}) as m{order}"
        )


def run_models(db: Database, models: list[Model] | None = None) -> None:
    """Materialize every model in dependency order (inside the caller's transaction)."""
    for model in models if models is not None else load_models(db.engine):
        materialize(db, model)
