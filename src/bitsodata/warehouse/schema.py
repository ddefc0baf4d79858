"""The warehouse's physical tables: recorded migrations (``migrations/NNNN_name.sql``).

``ensure_schema`` applies, in order, every migration not yet listed in ``schema_migrations`` (one
transaction each), so a database always knows which schema version it holds; the column lists
of the tables are read from the same files.
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass
from functools import cache
from importlib import resources

from bitsodata.errors import WarehouseError
from bitsodata.warehouse.db import Database

MIGRATIONS_TABLE = "schema_migrations"


@dataclass(frozen=True)
class Migration:
    """One schema change: its version (the file name) and its statements."""

    version: str
    statements: tuple[str, ...]


def _statements(text: str) -> tuple[str, ...]:
    body = "\n".join(ln for ln in text.splitlines() if not ln.startswith("--"))
    return tuple(s.strip() for s in body.split(";") if s.strip())


@cache
def migrations() -> tuple[Migration, ...]:
    """Every migration of the package, oldest first."""
    root = resources.files("bitsodata.warehouse") / "migrations"
    entries = sorted((e for e in root.iterdir() if e.name.endswith(".sql")), key=lambda e: e.name)
    return tuple(
        Migration(e.name.removesuffix(".sql"), _statements(e.read_text(encoding="utf-8")))
        for e in entries
    )


@cache
def schema_columns() -> dict[str, list[str]]:
    """Columns of every warehouse table, in declaration order, read from the migrations."""
    found: dict[str, list[str]] = {}
    for migration in migrations():
        for statement in migration.statements:
            m = re.match(r"create table if not exists (\w+) \((.*)\)$", statement, re.S)
            if m is None:
                continue
            cols = [ln.strip().split()[0] for ln in m.group(2).splitlines() if ln.strip()]
            found[m.group(1)] = [c for c in cols if c != "primary"]
    return found


def table_columns(table: str) -> list[str]:
    """Columns of a warehouse table, in declaration order."""
    try:
        return schema_columns()[table]
    except KeyError:
        raise WarehouseError("table does not exist", table=table) from None


# connections whose schema is known to be current (a long-lived connection checks once)
_CURRENT: weakref.WeakSet[Database] = weakref.WeakSet()


def applied_versions(db: Database) -> set[str]:
    """The migrations recorded in ``db``."""
    return {str(v) for (v,) in db.fetchall(f"select version from {MIGRATIONS_TABLE}")}


def has_schema(db: Database) -> bool:
    """The warehouse tables exist in ``db`` (a batch was loaded, or the schema was created)."""
    found = db.fetchall(
        "select count(*) from information_schema.tables where table_name = 'quarantine' "
        "and table_schema in ('main', 'public')"
    )
    return bool(found[0][0])


def ensure_schema(db: Database) -> None:
    """Apply the migrations ``db`` has not recorded yet (idempotent)."""
    if db in _CURRENT:
        return
    db.execute(
        f"create table if not exists {MIGRATIONS_TABLE} "
        "(version varchar primary key, applied_at timestamp not null)"
    )
    applied = applied_versions(db)
    for migration in migrations():
        if migration.version in applied:
            continue
        with db.transaction():
            for statement in migration.statements:
                db.execute(statement)
            db.execute(
                f"insert into {MIGRATIONS_TABLE} values (:version, current_timestamp)",
                {"version": migration.version},
            )
    _CURRENT.add(db)
