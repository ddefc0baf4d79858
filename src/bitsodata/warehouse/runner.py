"""A thin dbt-like runner: reads the SQL models, orders them by reference, materializes each.

Each model file is one SELECT with a header comment: grain, ``materialized`` and tests.
Materializations (the only four the warehouse needs):

- ``view``: a temporary view over this batch's rows (staging);
- ``append_new``: insert rows whose ``key`` is not in the table yet (facts, dims that only grow);
- ``append``: insert every row; for a model whose rows are new by construction (the calendar
  days that widen ``dim_date``'s range), so the key look-up of ``append_new`` is not paid;
- ``temp_table``: a per-batch temporary table (intermediate results read by several models);
- ``replace``: delete the rows whose keys are in the model's ``scope`` (a small key table the
  loader fills per batch, e.g. ``_touched_days(user_id, date_key)``) and insert the model's rows
  for them — every aggregate the batch touches is recomputed, no others. A model that reads its
  own previous rows is computed into a temporary table first.

Every lookup of a big table goes through an inner join on a small key table (never ``IN`` or
``EXISTS``): DuckDB then pushes the keys' min/max into the big table's scan, and its zone maps skip
the row groups outside the batch's ids and days, so the cost follows the batch, not the history.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from bitsodata.errors import WarehouseError
from bitsodata.warehouse.db import Database

LAYERS = ("staging", "core", "marts")


@dataclass(frozen=True)
class Model:
    """One SQL model and what its header says about it."""

    name: str
    layer: str
    sql: str
    materialized: str
    key: tuple[str, ...]
    grain: str
    tests: tuple[str, ...]
    scope: tuple[str, tuple[str, ...]] | None = None

    @property
    def reads_itself(self) -> bool:
        """Whether the SELECT reads the model's own table (its previous rows)."""
        return re.search(rf"\b{self.name}\b", self.sql) is not None


def _header(sql: str, field: str) -> str:
    """The value of ``-- field: ...`` including its continuation comment lines."""
    lines = sql.splitlines()
    for i, line in enumerate(lines):
        if line.startswith(f"-- {field}:"):
            parts = [line.split(":", 1)[1].strip()]
            for nxt in lines[i + 1 :]:
                if not nxt.startswith("--   ") and not nxt.startswith("--        "):
                    break
                parts.append(nxt[2:].strip())
            return " ".join(parts)
    return ""


def _body(sql: str) -> str:
    lines = [ln for ln in sql.splitlines() if not ln.startswith("--")]
    return "\n".join(lines).strip().rstrip(";")


@cache
def _load_models() -> tuple[Model, ...]:
    return tuple(_read_models())


def load_models() -> list[Model]:
    """Every model of the package, in dependency order (read once per process)."""
    return list(_load_models())


def _read_models() -> list[Model]:
    root = resources.files("bitsodata.warehouse") / "models"
    found: list[Model] = []
    for layer in LAYERS:
        for entry in sorted((root / layer).iterdir(), key=lambda e: e.name):
            if not entry.name.endswith(".sql"):
                continue
            text = entry.read_text(encoding="utf-8")
            key = _header(text, "key")
            tests = _header(text, "tests")
            scope = re.fullmatch(r"(\w+)\(([\w, ]+)\)", _header(text, "scope"))
            found.append(
                Model(
                    name=entry.name.removesuffix(".sql"),
                    layer=layer,
                    sql=_body(text),
                    materialized=_header(text, "materialized"),
                    key=tuple(k.strip() for k in key.split(",")) if key else (),
                    grain=_header(text, "grain"),
                    tests=tuple(t.strip() for t in tests.split(";") if t.strip()),
                    scope=(scope[1], tuple(c.strip() for c in scope[2].split(",")))
                    if scope
                    else None,
                )
            )
    return _ordered(found)


def _ordered(models: list[Model]) -> list[Model]:
    names = {m.name for m in models}
    deps = {
        m.name: {n for n in re.findall(r"\b([a-z_]+)\b", m.sql) if n in names and n != m.name}
        for m in models
    }
    by_name = {m.name: m for m in models}
    done: list[Model] = []
    placed: set[str] = set()
    while len(done) < len(models):
        ready = [m for m in models if m.name not in placed and deps[m.name] <= placed]
        if not ready:
            raise WarehouseError("models have a reference cycle", models=sorted(names - placed))
        for m in ready:
            done.append(by_name[m.name])
            placed.add(m.name)
    return done


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


def _append_new(db: Database, model: Model, cols: str) -> None:
    """Insert the model's rows whose key is new. The keys already stored are found with an inner
    join of the table on the batch's keys (pruned by zone maps), not an anti-join over the table."""
    keys = ", ".join(f"t.{k}" for k in model.key)
    on = " and ".join(f"t.{k} = b.{k}" for k in model.key)
    match = " and ".join(f"e.{k} = m.{k}" for k in model.key)
    db.execute(
        f"insert into {model.name} ({cols}) select {cols} from ({model.sql}) as m "
        f"where not exists (select 1 from (select {keys} from {model.name} as t "
        f"inner join ({model.sql}) as b on {on}) as e where {match}){_by_day(model)}"
    )


def _replace(db: Database, model: Model, cols: str) -> None:
    """Delete the rows of the model's scope and insert them again from the model."""
    if model.scope is None:
        raise WarehouseError("a replace model needs a scope", model=model.name)
    scope, scope_cols = model.scope
    on = " and ".join(f"t.{c} = s.{c}" for c in scope_cols)
    order = _by_day(model)
    if not model.reads_itself:
        db.execute(f"delete from {model.name} as t using {scope} as s where {on}")
        db.execute(
            f"insert into {model.name} ({cols}) select {cols} from ({model.sql}) as m{order}"
        )
        return
    db.execute(f"create temp table _replacement as {model.sql}")
    db.execute(f"delete from {model.name} as t using {scope} as s where {on}")
    db.execute(f"insert into {model.name} ({cols}) select {cols} from _replacement{order}")
    db.execute("drop table _replacement")


def materialize(db: Database, model: Model) -> None:
    """Run one model with its materialization."""
    sql = model.sql
    if model.materialized == "view":
        db.execute(f"create or replace temp view {model.name} as {sql}")
        return
    if model.materialized == "temp_table":
        db.execute(f"drop table if exists {model.name}")
        db.execute(f"create temp table {model.name} as {sql}")
        return
    cols = ", ".join(table_columns(model.name))
    if model.materialized == "append_new":
        _append_new(db, model, cols)
    elif model.materialized == "append":
        order = _by_day(model)
        db.execute(f"insert into {model.name} ({cols}) select {cols} from ({sql}) as m{order}")
    elif model.materialized == "replace":
        _replace(db, model, cols)
    else:
        raise WarehouseError("unknown materialization", model=model.name, how=model.materialized)


def run_models(db: Database, models: list[Model] | None = None) -> None:
    """Materialize every model in dependency order (inside the caller's transaction)."""
    for model in models or load_models():
        materialize(db, model)


@cache
def schema_sql() -> list[str]:
    """The DDL statements of the physical tables."""
    text = (resources.files("bitsodata.warehouse") / "schema.sql").read_text(encoding="utf-8")
    body = "\n".join(ln for ln in text.splitlines() if not ln.startswith("--"))
    return [s.strip() for s in body.split(";") if s.strip()]


def has_schema(db: Database) -> bool:
    """The warehouse tables exist in ``db`` (a batch was loaded, or the schema was created)."""
    found = db.fetchall(
        "select count(*) from information_schema.tables where table_name = 'quarantine' "
        "and table_schema in ('main', 'public')"
    )
    return bool(found[0][0])


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


def models_dir() -> Path:
    """Where the SQL models live (for docs and tooling)."""
    return Path(str(resources.files("bitsodata.warehouse") / "models"))
