"""Physical upkeep of a DuckDB warehouse: keep ``dim_user`` in user order.

A full load stores ``dim_user`` sorted by user id, so listing millions of users in order
(``users-without-deposit``) is a linear pass. Each daily load deletes its touched users' rows and
appends their new rows at the end, so over weeks the table turns into sorted storage segments plus
segments that hold users from the whole key range, and that sort slows down (~0.4 s -> ~1 s at
scale 100). :func:`compact` measures the share of rows in such wide segments from DuckDB's storage
statistics (metadata: no table scan) and rewrites the table in user order past a threshold. The
daily load runs it after each batch; ``bitsodata warehouse compact`` runs it by hand. PostgreSQL
needs none of it (it has no zone maps to keep narrow, and the question sorts in Python either way).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from bitsodata.warehouse.db import Database
from bitsodata.warehouse.load.runner import table_columns

SHARE = 0.10  # rewrite once a tenth of the rows sit in wide segments
MIN_ROWS = 200_000  # below this, sorting the ids in Python is cheap whatever the order

# Segments of user_id with their min/max (the first characters DuckDB keeps). A segment is wide
# when the minimum of two or more other segments falls inside its range: sorted segments are
# disjoint, a segment of re-inserted users spans nearly all of them.
_WIDE_ROWS = """
with seg as (
    select
        count as n,
        regexp_extract(stats, 'Min: ([^,]*),', 1) as lo,
        regexp_extract(stats, 'Max: ([^,]*),', 1) as hi
    from pragma_storage_info('dim_user')
    where column_name = 'user_id' and segment_type = 'VARCHAR'
),

flagged as (
    select s.n, (select count(*) from seg as o where o.lo > s.lo and o.lo < s.hi) >= 2 as wide
    from seg as s
)

select
    coalesce(sum(case when wide then n else 0 end), 0),
    (select count(*) from dim_user)  -- live rows (segments still count deleted ones)
from flagged
"""


@dataclass(frozen=True)
class Upkeep:
    """What :func:`compact` found and did."""

    rows: int
    wide_rows: int
    rewritten: bool
    seconds: float

    @property
    def wide_share(self) -> float:
        return self.wide_rows / self.rows if self.rows else 0.0


def wide_rows(db: Database) -> tuple[int, int]:
    """(rows stored in wide user_id segments, live rows) of ``dim_user``; (0, 0) on other
    engines. Segments keep deleted rows until DuckDB vacuums them: the first is an estimate."""
    if db.engine != "duckdb":
        return 0, 0
    wide, total = db.fetchall(_WIDE_ROWS)[0]
    return int(wide), int(total)


def compact(
    db: Database, *, share: float = SHARE, min_rows: int = MIN_ROWS, force: bool = False
) -> Upkeep:
    """Rewrite ``dim_user`` in user order when more than ``share`` of its rows sit in wide segments
    and it has ``min_rows`` (or whatever they are with ``force``); one transaction, the rows
    themselves unchanged. On PostgreSQL it does nothing."""
    started = time.perf_counter()
    wide, total = wide_rows(db)
    due = total >= min_rows and wide > share * total
    rewrite = db.engine == "duckdb" and (force or due)
    if rewrite:
        cols = ", ".join(table_columns("dim_user"))
        with db.transaction():
            db.execute(
                f"create temp table _user_order as select {cols} from dim_user order by user_id"
            )
            db.execute("delete from dim_user")
            db.execute(f"insert into dim_user ({cols}) select {cols} from _user_order")
            db.execute("drop table _user_order")
    return Upkeep(total, wide, rewrite, time.perf_counter() - started)
