"""The batch's typed rows as the merge models read them.

Each entity's columns are declared once, in the dbt project (``vars.entities`` of
``dbt_project.yml``); :data:`ENTITIES` reads them. The staging models write every valid row into the
entity's ``_in_<entity>`` table (its columns, its natural key as text, its raw line); the project's
merge models (``int_<entity>_versions`` / ``_conflicts`` / ``_accepted``) collapse exact
duplicates and quarantine conflicting versions, order independently.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bitsodata.errors import WarehouseError
from bitsodata.warehouse.db import Database
from bitsodata.warehouse.load.models import project_vars


@dataclass(frozen=True)
class Entity:
    """One kind of source row: its staging table, fact table, key and content columns."""

    name: str
    fact: str
    key: tuple[str, ...]
    content: tuple[str, ...]
    types: tuple[str, ...]
    key_text: tuple[str, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return (*self.key, *self.content)

    @property
    def in_table(self) -> str:
        return f"_in_{self.name}"


def _entity(name: str, spec: dict[str, Any]) -> Entity:
    columns: dict[str, str] = spec["columns"]
    key = tuple(spec["key"])
    if tuple(columns)[: len(key)] != key:
        raise WarehouseError("an entity's key columns come first", entity=name)
    content = tuple(c for c in columns if c not in key)
    return Entity(
        name,
        spec["fact"],
        key,
        content,
        tuple(columns[c] for c in (*key, *content)),
        tuple(spec["key_text"]),
    )


ENTITIES: dict[str, Entity] = {
    name: _entity(name, spec) for name, spec in project_vars()["entities"].items()
}
SOURCE_ENTITY = {
    "deposit": "transaction",
    "withdrawal": "transaction",
    "event": "event",
    "user_level": "user_level",
    "user": "user",
}


def create_batch_tables(db: Database, e: Entity) -> None:
    """The per-connection table that receives a batch: every typed row, with its key text and
    raw line. Kept across batches, emptied after each."""
    cols = ", ".join(f"{c} {t}" for c, t in zip(e.columns, e.types, strict=True))
    db.execute(f"create temp table {e.in_table} ({cols}, natural_key varchar, raw_line varchar)")
