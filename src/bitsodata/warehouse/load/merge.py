"""Merge by natural key: collapse exact duplicates, quarantine conflicting ones.

A conflicting duplicate is a natural key seen with two different contents — inside a batch, or
between a batch and what is already loaded. The rule is order independent: every version of a
conflicting key is quarantined (an already loaded version is withdrawn from its fact table), and the
key stays blocked, so loading day by day ends where loading everything at once does.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bitsodata.warehouse.db import Database, Row

CONFLICT = "conflicting duplicate"


@dataclass(frozen=True)
class Entity:
    """One kind of source row: its staging tables, fact table, key and content columns."""

    name: str
    fact: str
    key: tuple[str, ...]
    content: tuple[str, ...]
    types: tuple[str, ...]
    source_expr: str

    @property
    def columns(self) -> tuple[str, ...]:
        return (*self.key, *self.content)

    @property
    def in_table(self) -> str:
        return f"_in_{self.name}"

    @property
    def batch_table(self) -> str:
        return f"_batch_{self.name}"


TS, DEC = "timestamp", "decimal(38,18)"
ENTITIES: dict[str, Entity] = {
    "transaction": Entity(
        "transaction",
        "fct_transaction",
        ("transaction_kind", "transaction_id"),
        ("user_id", "occurred_at", "currency_code", "amount", "interface", "tx_status"),
        ("varchar", "bigint", "varchar", TS, "varchar", DEC, "varchar", "varchar"),
        "transaction_kind",
    ),
    "event": Entity(
        "event",
        "fct_event",
        ("event_id",),
        ("user_id", "occurred_at", "event_name"),
        ("bigint", "varchar", TS, "varchar"),
        "'event'",
    ),
    "user_level": Entity(
        "user_level",
        "fct_user_level_change",
        ("user_id", "changed_at"),
        ("jurisdiction", "level"),
        ("varchar", TS, "varchar", "integer"),
        "'user_level'",
    ),
    "user": Entity("user", "user_snapshot", ("user_id",), (), ("varchar",), "'user'"),
}
SOURCE_ENTITY = {
    "deposit": "transaction",
    "withdrawal": "transaction",
    "event": "event",
    "user_level": "user_level",
    "user": "user",
}


def quarantine_row(
    source: str, reason: str, raw_line: str, natural_key: str | None, content: str | None = None
) -> Row:
    """A quarantine record; its id hashes (source, raw line) — or, for a conflicting version,
    its typed content — so reloading anything already quarantined adds nothing."""
    ident = f"{source}\n{raw_line}" if content is None else f"{source}\n{natural_key}\n{content}"
    qid = hashlib.md5(ident.encode(), usedforsecurity=False).hexdigest()
    return (qid, source, natural_key, reason, raw_line)


def natural_key(entity: str, row: Row) -> str:
    """The natural key of a typed row as text (stored beside quarantined rows)."""
    if entity in ("transaction",):
        return str(row[1])
    if entity == "event":
        return str(row[0])
    if entity == "user_level":
        return f"{row[0]}|{row[1].isoformat(sep=' ')}"
    return str(row[0])


def keyed(entity: str, rows: list[Row]) -> list[Row]:
    """Parsed rows (typed values, then the raw line) with their natural key before the raw line:
    the column order of the ``_in_*`` staging tables."""
    return [(*r[:-1], natural_key(entity, r), r[-1]) for r in rows]


def create_batch_tables(db: Database, e: Entity) -> None:
    """The per-connection tables that receive a batch: every typed row (with its key text and raw
    line), and the rows to merge. Kept across batches, emptied after each."""
    cols = ", ".join(f"{c} {t}" for c, t in zip(e.columns, e.types, strict=True))
    db.execute(f"create temp table {e.in_table} ({cols}, natural_key varchar, raw_line varchar)")
    db.execute(f"create temp table {e.batch_table} ({cols})")


def _match(left: str, right: str, cols: tuple[str, ...]) -> str:
    return " and ".join(f"{left}.{c} = {right}.{c}" for c in cols)


def _render(e: Entity, row: Row | list[Any]) -> str:
    def text(v: Any) -> str:
        if v is None:
            return ""
        return v.isoformat(sep=" ") + "+00" if isinstance(v, datetime) else str(v)

    if e.name == "transaction":
        _kind, tid, user, at, cur, amount, interface, status = row
        return ",".join(text(v) for v in (tid, at, user, amount, interface, cur, status))
    if e.name == "user_level":
        user, at, jur, level = row
        return ",".join(text(v) for v in (user, jur, level, at))
    return ",".join(text(v) for v in row)


@dataclass
class MergeOutcome:
    """What resolving one entity's batch produced."""

    quarantine: list[Row]
    quarantined_by_source: Counter[str]
    withdrawn_users: set[str]


def _conflicts(e: Entity) -> str:
    """The batch's keys in conflict: two versions in the batch, a key already quarantined as
    conflicting, or a version that differs from the stored fact."""
    k, c = ", ".join(e.key), ", ".join(e.columns)
    differs = " or ".join(f"f.{col} is distinct from i.{col}" for col in e.content)
    keys = ", ".join("i." + x for x in e.key)
    # inner joins only: DuckDB pushes the batch's key range into the fact's scan (zone maps skip
    # the row groups of other ids), where EXISTS would scan the whole fact table
    return (
        f"with versions as (select distinct {c}, natural_key, {e.source_expr} as source "
        f"from {e.in_table}), "
        f"dup as (select {k} from versions group by {k} having count(*) > 1), "
        f"hit as (select {keys}, i.natural_key, i.source from versions as i "
        f"inner join dup as d on {_match('d', 'i', e.key)} "
        f"union all select {keys}, i.natural_key, i.source from versions as i "
        f"inner join quarantine as q on q.natural_key = i.natural_key and q.source = i.source "
        f"where q.reason = '{CONFLICT}' "
        f"union all select {keys}, i.natural_key, i.source from versions as i "
        f"inner join {e.fact} as f on {_match('f', 'i', e.key)} where {differs}) "
        f"select distinct * from hit"
    )


def count_conflicts(db: Database, entities: list[Entity]) -> dict[str, int]:
    """How many keys of each entity's batch conflict, in one round trip (daily batches pay per
    statement; almost always every count is zero)."""
    checked = [e for e in entities if e.content]
    if not checked:
        return {}
    parts = ", ".join(f"(select count(*) from ({_conflicts(e)}) as x)" for e in checked)
    counts = db.fetchall(f"select {parts}")[0]
    return {e.name: int(n) for e, n in zip(checked, counts, strict=True)}


def resolve(db: Database, e: Entity, has_rows: bool, n_conflicts: int) -> MergeOutcome:
    """Split the batch into rows to merge (``_batch_*``) and conflicting rows to quarantine;
    ``n_conflicts`` is the entity's count from :func:`count_conflicts`."""
    out = MergeOutcome([], Counter(), set())
    c = ", ".join(e.columns)
    merge_all = f"insert into {e.batch_table} select distinct {c} from {e.in_table}"
    if not has_rows:
        return out
    if not e.content or not n_conflicts:
        db.execute(merge_all)
        return out
    db.execute(f"create temp table _conflict as {_conflicts(e)}")
    in_conflict = f"exists (select 1 from _conflict as x where {_match('x', 'i', e.key)})"
    for *typed, source, key_text, raw in db.fetchall(
        f"select {c}, {e.source_expr}, natural_key, raw_line from {e.in_table} as i "
        f"where {in_conflict}"
    ):
        out.quarantine.append(quarantine_row(source, CONFLICT, raw, key_text, _render(e, typed)))
        out.quarantined_by_source[source] += 1
    on = _match("f", "i", e.key)
    stored = ", ".join(f"f.{col}" for col in e.columns)
    for row in db.fetchall(f"select {stored} from {e.fact} as f inner join _conflict as i on {on}"):
        source = row[0] if e.name == "transaction" else e.name
        line = _render(e, row)
        out.quarantine.append(
            quarantine_row(source, CONFLICT, line, natural_key(e.name, row), line)
        )
        out.withdrawn_users.add(row[e.columns.index("user_id")])
    db.execute(f"delete from {e.fact} as f using _conflict as i where {on}")
    db.execute(f"{merge_all} as i where not {in_conflict}")
    db.execute("drop table _conflict")
    return out


def store_quarantine(db: Database, rows: list[Row]) -> None:
    """Insert quarantine records not stored yet (a reload adds nothing)."""
    unique = list({r[0]: r for r in rows}.values())
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
