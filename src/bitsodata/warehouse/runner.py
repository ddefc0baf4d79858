"""The fast runner: materializes the dbt project's models inside the loader's transaction.

dbt itself can build the same project (``make dbt-check`` proves both give the same tables); this
runner exists because a daily batch is a fraction of a second of SQL and a dbt invocation costs
seconds. It renders the models with :mod:`bitsodata.warehouse.models` and knows the
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

import re
from functools import cache
from importlib import resources

from bitsodata.errors import WarehouseError
from bitsodata.warehouse.db import Database
from bitsodata.warehouse.models import Model, load_models

__all__ = ["Model", "ensure_schema", "load_models", "materialize", "run_models", "table_columns"]


@cache
def schema_columns() -> dict[str, list[str]]:
    """Columns of every persistent table, in declaration order, read from schema.sql."""
    found: dict[str, list[str]] = {}
    for statement in schema_sql():
        m = re.match(r"create table if not exists (\w+) \((.*)\)$", statement, re.S)
        if m is None:
            continue
        cols = [ln.strip().split()[0] for ln in m.group(2).splitlines() if ln.strip()]
        found[m.group(1)] = [c for c in cols if c != "primary"]
    return found


def table_columns(table: str) -> list[str]:
    """Columns of a persistent table, in declaration order."""
    try:
        return schema_columns()[table]
    except KeyError:
        raise WarehouseError("table does not exist", table=table) from None


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


@cache
def schema_sql() -> list[str]:
    """The DDL statements of the physical tables."""
    text = (resources.files("bitsodata.warehouse") / "schema.sql").read_text(encoding="utf-8")
    body = "\n".join(ln for ln in text.splitlines() if not ln.startswith("--"))
    return [s.strip() for s in body.split(";") if s.strip()]


def ensure_schema(db: Database) -> None:
    """Create the tables that do not exist yet (idempotent)."""
    if getattr(db, "schema_ready", False):
        return
    exists = db.fetchall(
        "select count(*) from information_schema.tables where table_name = 'quarantine' "
        "and table_schema in ('main', 'public')"
    )[0][0]
    if not exists:
        with db.transaction():
            for statement in schema_sql():
                db.execute(statement)
    db.schema_ready = True
