"""dim_user is kept in user order: wide segments measured from storage metadata, then rewritten."""

from __future__ import annotations

from pathlib import Path

from bitsodata.warehouse.db import DuckDatabase
from bitsodata.warehouse.load.runner import ensure_schema
from bitsodata.warehouse.load.upkeep import compact, wide_rows
from bitsodata.warehouse.serve.questions import ask

USERS = 300_000


def _reopen(path: Path, db: DuckDatabase | None = None) -> DuckDatabase:
    if db is not None:
        db.close()  # closing checkpoints: the storage statistics are then current
    return DuckDatabase(str(path))


def _physical(db: DuckDatabase) -> list[str]:
    return [r[0] for r in db.fetchall("select user_id from dim_user order by rowid")]


def test_scattered_users_are_found_and_rewritten_in_order(tmp_path: Path) -> None:
    path = tmp_path / "wh.duckdb"
    db = _reopen(path)
    ensure_schema(db)
    db.execute(  # a full load's layout: sorted by user id
        "insert into dim_user (user_id, is_inferred, n_deposits, n_withdrawals, n_logins) "
        f"select md5(cast(i as varchar)), false, i % 3, 0, 0 from range({USERS}) as r(i) "
        "order by 1"
    )
    db = _reopen(path, db)
    assert wide_rows(db) == (0, USERS)
    assert not compact(db).rewritten
    # daily loads: touched users deleted and appended again at the end
    db.execute(  # a fixed share and seed: the share of wide rows must pass the 10 % bar
        "create temp table moved as select * from dim_user using sample 25 percent (bernoulli, 7)"
    )
    db.execute("delete from dim_user as d using moved as m where d.user_id = m.user_id")
    db.execute("insert into dim_user select * from moved")
    db = _reopen(path, db)
    wide, total = wide_rows(db)
    assert total == USERS and wide > 0.10 * USERS
    physical = _physical(db)
    assert physical != sorted(physical)
    before = sorted(db.fetchall("select * from dim_user"))
    answer = ask(db, "users-without-deposit")

    done = compact(db)
    assert done.rewritten and done.wide_share > 0.10
    db = _reopen(path, db)
    assert wide_rows(db) == (0, USERS)
    assert _physical(db) == sorted(physical)
    assert sorted(db.fetchall("select * from dim_user")) == before
    assert ask(db, "users-without-deposit") == answer
    db.close()


def test_a_small_table_is_left_alone(tmp_path: Path) -> None:
    db = _reopen(tmp_path / "wh.duckdb")
    ensure_schema(db)
    db.execute(
        "insert into dim_user (user_id, is_inferred, n_deposits, n_withdrawals, n_logins) "
        "select md5(cast(i as varchar)), false, 0, 0, 0 from range(1000) as r(i)"  # unsorted
    )
    assert not compact(db).rewritten
    assert compact(db, force=True).rewritten  # what --force does
    db.close()
