"""The fast runner: materializes the dbt project's models inside the loader's transaction.

dbt itself can build the same project (``make dbt-check`` proves both give the same tables); this
runner exists because a daily batch is a fraction of a second of SQL and a dbt invocation costs
seconds. It renders the models with :mod:`bitsodata.warehouse.load.models` and knows the
materializations the project uses:

- ``view``: a temporary view over this batch's rows, created once per connection;
- ``table``: a per-batch temporary table (the merge's and the scope's intermediate results),
  created once per connection (by its first batch with rows for it, or empty when a reader needs
  it first), filled for a batch and emptied after it;
- ``incremental`` with ``append``: insert the model's rows (the model keeps only new keys itself);
- ``incremental`` with ``replace_scope``: delete the rows whose keys are in the model's scope (a
  small per-batch key model, e.g. ``int_touched_days(user_id, date_key)``) and insert the model's
  rows; a model that reads its own previous rows is computed into a temporary table first (as
  dbt does for every incremental model; kept for the connection and emptied after use).

What runs for a batch follows from the graph (:func:`run_batch`): a model whose per-batch inputs
are all empty has nothing to do and costs no statement (daily batches pay per statement, ~1 ms).

Every lookup of a big table goes through an inner join on a small key table (never ``IN`` or
``EXISTS``): DuckDB then pushes the keys' min/max into the big table's scan, and its zone maps skip
the row groups outside the batch's ids and days, so the cost follows the batch, not the history.
"""

from __future__ import annotations

from collections.abc import Mapping

from bitsodata.errors import WarehouseError
from bitsodata.warehouse.db import Database
from bitsodata.warehouse.load.models import Model, batch_sources, load_models
from bitsodata.warehouse.schema import ensure_schema, schema_columns, table_columns

__all__ = [
    "Model",
    "ensure_schema",
    "fill_table",
    "filled_tables",
    "load_models",
    "run_batch",
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


UNKNOWN = -1  # the row count of a view: not counted, maybe rows


def _insert(db: Database, model: Model, cols: str, source: str) -> None:
    db.execute(f"insert into {model.name} ({cols}) select {cols} from {source}{_by_day(model)}")


def fill_table(db: Database, created: set[str], name: str, sql: str) -> int:
    """Insert the rows of ``sql`` into the connection's temporary table ``name``, which the first
    batch creates with them (``created`` names the tables the connection has); how many."""
    if name in created:
        return db.execute_count(f"insert into {name} select * from ({sql}) as m")
    created.add(name)
    return db.execute_count(f"create temp table {name} as {sql}")


class _Relations:
    """Creates the per-batch relations of one connection when first needed: a view, or a table
    (by the statement that fills it, or empty when a reader needs it before it had rows)."""

    def __init__(self, db: Database, models: list[Model], created: set[str]) -> None:
        self._db, self._created = db, created
        self._by_name = {m.name: m for m in models}

    def ensure(self, name: str) -> None:
        model = self._by_name.get(name)
        if model is None or model.persisted or name in self._created:
            return
        self.inputs(model)
        if model.materialized == "view":
            self._db.execute(f"create or replace temp view {name} as {model.sql}")
        else:
            self._db.execute(
                f"create temp table {name} as select * from ({model.sql}) as m limit 0"
            )
        self._created.add(name)

    def inputs(self, model: Model) -> None:
        for ref in sorted(model.refs):
            self.ensure(ref)

    def fill(self, model: Model) -> int:
        """Insert the table model's rows for this batch; how many."""
        self.inputs(model)
        return fill_table(self._db, self._created, model.name, model.sql)


REPLACEMENT = "_replacement_"
"""Prefix of the table a model that reads its own rows is computed into before they change."""


def _replace_scope(
    db: Database, created: set[str], model: Model, cols: str, delete: bool, insert: bool
) -> None:
    """Delete the rows of the model's scope and insert them again from the model."""
    if model.scope is None:
        raise WarehouseError("a replace_scope model needs meta.scope", model=model.name)
    on = " and ".join(f"t.{c} = s.{c}" for c in model.scope.columns)
    delete_sql = f"delete from {model.name} as t using {model.scope.table} as s where {on}"
    if not (delete and insert and model.reads_itself):
        if delete:
            db.execute(delete_sql)
        if insert:
            _insert(db, model, cols, f"({model.sql}) as m")
        return
    # a per-connection table, emptied after use: no DDL a batch
    replacement = REPLACEMENT + model.name
    fill_table(db, created, replacement, model.sql)
    db.execute(delete_sql)
    _insert(db, model, cols, replacement)
    db.execute(f"delete from {replacement}")


def run_batch(
    db: Database, models: list[Model], counts: Mapping[str, int], created: set[str]
) -> dict[str, int]:
    """Materialize the models with something to do for this batch, in dependency order (inside
    the caller's transaction); returns the row count of every per-batch relation (``UNKNOWN``
    for views). ``created`` names the per-batch relations the connection already has (updated;
    keep it only once the transaction commits).

    ``counts`` holds the rows of each ``batch`` source and the state counts ``meta.run_if`` may
    name. A model's per-batch inputs are the batch sources, views and tables it reads: when they
    are all empty it is skipped, and so is a model whose ``meta.run_if`` (a state count, or a
    per-batch model its rows inner-join on) is zero. A ``replace_scope`` model deletes only
    when its scope has keys. The per-batch tables that got rows (:func:`filled_tables`) must be
    emptied after the batch.
    """
    relations = _Relations(db, models, created)
    seen: dict[str, int] = {s: n for s, n in counts.items() if s in batch_sources()}
    for model in models:
        inputs = [seen[r] for r in (*model.sources, *model.refs) if r in seen]
        live = any(n != 0 for n in inputs)
        if model.run_if is not None and seen.get(model.run_if, counts.get(model.run_if, 1)) == 0:
            live = False
        if model.materialized == "view":
            seen[model.name] = UNKNOWN if live else 0
        elif model.materialized == "table":
            seen[model.name] = relations.fill(model) if live else 0
        elif model.strategy == "replace_scope":
            scoped = model.scope is not None and seen.get(model.scope.table, UNKNOWN) != 0
            if scoped or live:
                relations.inputs(model)
                cols = ", ".join(table_columns(model.name))
                _replace_scope(db, created, model, cols, delete=scoped, insert=live)
        elif live:
            relations.inputs(model)
            _insert(db, model, ", ".join(table_columns(model.name)), f"({model.sql}) as m")
    return seen


def filled_tables(models: list[Model], seen: Mapping[str, int]) -> list[str]:
    """The per-batch tables a batch filled (to be emptied with the batch's sources)."""
    return [m.name for m in models if m.materialized == "table" and seen.get(m.name, 0)]
