"""A thin dbt-like runner: reads the SQL models, orders them by reference, materializes each.

Each model file is one SELECT with a header comment: grain, ``materialized`` and tests.
Materializations (the only three the warehouse needs):

- ``view``: a temporary view over this batch's rows (staging);
- ``append_new``: insert rows whose ``key`` is not in the table yet (facts, dims that only grow);
- ``rebuild_for_users``: delete the rows of the users the batch touched (``_affected_users``) and
  insert them again from the model — every aggregate the batch touches is recomputed, no others.
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


def load_models() -> list[Model]:
    """Every model of the package, in dependency order."""
    root = resources.files("bitsodata.warehouse") / "models"
    found: list[Model] = []
    for layer in LAYERS:
        for entry in sorted((root / layer).iterdir(), key=lambda e: e.name):
            if not entry.name.endswith(".sql"):
                continue
            text = entry.read_text(encoding="utf-8")
            key = _header(text, "key")
            tests = _header(text, "tests")
            found.append(
                Model(
                    name=entry.name.removesuffix(".sql"),
                    layer=layer,
                    sql=_body(text),
                    materialized=_header(text, "materialized"),
                    key=tuple(k.strip() for k in key.split(",")) if key else (),
                    grain=_header(text, "grain"),
                    tests=tuple(t.strip() for t in tests.split(";") if t.strip()),
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


AFFECTED = "(select user_id from _affected_users)"


def materialize(db: Database, model: Model) -> None:
    """Run one model with its materialization."""
    sql = model.sql
    if model.materialized == "view":
        db.execute(f"create or replace temp view {model.name} as {sql}")
        return
    cols = ", ".join(table_columns(model.name))
    if model.materialized == "append_new":
        match = " and ".join(f"t.{k} = m.{k}" for k in model.key)
        db.execute(
            f"insert into {model.name} ({cols}) select {cols} from ({sql}) as m "
            f"where not exists (select 1 from {model.name} as t where {match})"
        )
    elif model.materialized == "rebuild_for_users":
        db.execute(f"delete from {model.name} where user_id in {AFFECTED}")
        db.execute(f"insert into {model.name} ({cols}) select {cols} from ({sql}) as m")
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
