"""The batch's typed rows as the merge models read them, and the quarantine of bad lines.

Each entity's columns are declared once, in the dbt project (``vars.entities`` of
``dbt_project.yml``); :data:`ENTITIES` reads them. The loader writes every parsed row into the
entity's ``_in_<entity>`` table (its columns, its natural key as text, its raw line); the project's
merge models (``int_<entity>_versions`` / ``_conflicts`` / ``_accepted``) collapse exact
duplicates and quarantine conflicting versions, order independently.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from bitsodata.errors import WarehouseError
from bitsodata.warehouse.db import Database, Row
from bitsodata.warehouse.load.models import project_vars

CONFLICT = "conflicting duplicate"


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


class QuarantineRecord(NamedTuple):
    """A line that did not parse, as the ``quarantine`` table stores it."""

    quarantine_id: str
    source: str
    natural_key: str | None
    reason: str
    raw_line: str


def quarantine_row(
    source: str, reason: str, raw_line: str, natural_key: str | None
) -> QuarantineRecord:
    """A quarantine record whose id hashes (source, raw line), so reloading a line already
    quarantined adds nothing. (A conflicting version's id hashes its content instead: the
    ``quarantine`` model of the project.)"""
    ident = f"{source}\n{raw_line}"
    qid = hashlib.md5(ident.encode(), usedforsecurity=False).hexdigest()
    return QuarantineRecord(qid, source, natural_key, reason, raw_line)


def _key_part(value: Any) -> str:
    return value.isoformat(sep=" ") if isinstance(value, datetime) else str(value)


def natural_key(entity: str, row: Row) -> str:
    """The natural key of a typed row as text (stored beside quarantined rows); the project's
    ``key_text`` macro writes the same text in SQL."""
    e = ENTITIES[entity]
    return "|".join(_key_part(row[e.columns.index(c)]) for c in e.key_text)


def keyed(entity: str, rows: list[Row]) -> list[Row]:
    """Parsed rows (typed values, then the raw line) with their natural key before the raw line:
    the column order of the ``_in_*`` staging tables."""
    return [(*r[:-1], natural_key(entity, r), r[-1]) for r in rows]


def create_batch_tables(db: Database, e: Entity) -> None:
    """The per-connection table that receives a batch: every typed row, with its key text and
    raw line. Kept across batches, emptied after each."""
    cols = ", ".join(f"{c} {t}" for c, t in zip(e.columns, e.types, strict=True))
    db.execute(f"create temp table {e.in_table} ({cols}, natural_key varchar, raw_line varchar)")


def store_quarantine(db: Database, rows: Sequence[Row]) -> None:
    """Insert quarantine records not stored yet (a reload adds nothing)."""
    records = [QuarantineRecord._make(r) for r in rows]
    unique = list({r.quarantine_id: r for r in records}.values())
    if not unique:
        return
    db.execute(
        "create temp table _batch_quarantine (quarantine_id varchar, source varchar, "
        "natural_key varchar, reason varchar, raw_line varchar)"
    )
    cols = ("quarantine_id", "source", "natural_key", "reason", "raw_line")
    db.insert_rows("_batch_quarantine", cols, unique, ("varchar",) * 5)
    db.execute(
        "insert into quarantine select * from _batch_quarantine as b where not exists "
        "(select 1 from quarantine as q where q.quarantine_id = b.quarantine_id)"
    )
    db.execute("drop table _batch_quarantine")
