"""The per-batch key tables that scope the incremental models (``-- scope:`` in their headers).

A batch recomputes only what it touched: ``_touched_days`` (user, day) pairs in the daily
snapshots, ``_tail_keys`` (each touched user's snapshot rows from their earliest touched day on,
whose running count can change), ``_affected_users`` in ``dim_user`` and ``_level_users`` in the
SCD2 history. ``_withdrawn_users`` lost a fact to a conflicting duplicate: every day of theirs is
touched. The tables live per connection and are emptied after each batch.
"""

from __future__ import annotations

from datetime import date

from bitsodata.warehouse.db import Database
from bitsodata.warehouse.load import merge

KEY_TABLES = {
    "_affected_users": "user_id varchar",
    "_withdrawn_users": "user_id varchar",
    "_level_users": "user_id varchar",
    "_touched_days": "user_id varchar, date_key date",
    "_old_tail": (
        "user_id varchar, date_key date, n_deposits bigint, n_withdrawals bigint, "
        "n_failed_transactions bigint, n_logins bigint, n_events bigint, is_touched boolean"
    ),
}
# the daily snapshot rows a batch replaces: its touched days and the untouched rows after them
_TAIL_KEYS = (
    "create temp view _tail_keys as select user_id, date_key from _touched_days "
    "union all select user_id, date_key from _old_tail where not is_touched"
)


def fill_key_tables(db: Database, filled: set[str], withdrawn: set[str]) -> dict[str, int]:
    """Fill the per-batch key tables the models are scoped by; returns their row counts.

    ``_touched_days``: the (user, day) pairs of the batch's rows (every day of a user who lost a
    fact to a conflict); ``_tail_keys``: the daily snapshot rows from each touched user's earliest
    touched day on, ``_old_tail``: those rows as they were before the load.
    Only the tables a batch needs get a statement: daily batches pay per statement.
    """
    users = [f"select user_id from {merge.ENTITIES[e].batch_table}" for e in sorted(filled)]
    days = [
        f"select user_id, cast(occurred_at as date) from {merge.ENTITIES[e].batch_table}"
        for e in ("transaction", "event")
        if e in filled
    ]
    levels = ["select user_id from _batch_user_level"] if "user_level" in filled else []
    if withdrawn:
        db.insert_rows(
            "_withdrawn_users", ("user_id",), [(u,) for u in sorted(withdrawn)], ("varchar",)
        )
        users.append("select user_id from _withdrawn_users")
        levels.append("select user_id from _withdrawn_users")
        days.append(
            "select m.user_id, m.date_key from mart_user_daily as m "
            "inner join _withdrawn_users as w on w.user_id = m.user_id"
        )
    counts = {"_affected_users": 0, "_level_users": 0, "_touched_days": 0}
    for table, parts in (
        ("_affected_users", users),
        ("_level_users", levels),
        ("_touched_days", days),
    ):
        if parts:
            union = " union all ".join(parts)  # keys must be distinct: the models join on them
            counts[table] = db.execute_count(
                f"insert into {table} select distinct * from ({union}) as p"
            )
    first, last, known_first, known_last = db.fetchall(
        "select (select min(date_key) from _touched_days), (select max(date_key) from "
        "_touched_days), (select min(date_key) from dim_date), (select max(date_key) from dim_date)"
    )[0]
    if first is not None:
        _tail(db, first)
    outside = first is not None and (
        known_first is None or first < known_first or last > known_last
    )
    counts["_tail_keys"] = counts["_old_tail"] = counts["_touched_days"]  # they contain it
    counts["_withdrawn_users"] = len(withdrawn)
    counts["new_days"] = int(outside)
    return counts


def _tail(db: Database, first_day: date) -> None:
    """Copy the snapshot rows whose running count can change (each touched user's rows from their
    earliest touched day on), flagged when the batch recomputes them: one pass over the snapshot,
    whose constant lower bound on ``date_key`` lets the scan skip the row groups of older days."""
    db.execute(
        "insert into _old_tail select m.user_id, m.date_key, m.n_deposits, m.n_withdrawals, "
        "m.n_failed_transactions, m.n_logins, m.n_events, d.user_id is not null "
        "from mart_user_daily as m inner join (select user_id, min(date_key) as first_day "
        "from _touched_days group by user_id) as t "
        "on t.user_id = m.user_id and m.date_key >= t.first_day "
        "left join _touched_days as d on d.user_id = m.user_id and d.date_key = m.date_key "
        "where m.date_key >= :first_day",
        {"first_day": first_day},
    )


def create_key_tables(db: Database) -> None:
    """Create the connection's key tables (once; they survive batches)."""
    for table, cols in KEY_TABLES.items():
        db.execute(f"create temp table {table} ({cols})")
    db.execute(_TAIL_KEYS)
