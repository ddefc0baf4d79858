"""The daily load on hand-made batches: quarantine, inferred members, late rows, idempotence."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bitsodata.errors import SchemaMismatchError, WarehouseError
from bitsodata.warehouse.db import DuckDatabase
from bitsodata.warehouse.load.loader import load_batch
from tests.warehouse.conftest import HANDMADE, snapshot


@pytest.fixture
def db(tmp_path: Path) -> DuckDatabase:
    handle = DuckDatabase(str(tmp_path / "wh.duckdb"))
    yield handle  # type: ignore[misc]
    handle.close()


def test_loaded_plus_quarantined_equals_input(db: DuckDatabase) -> None:
    report = load_batch(db, HANDMADE / "day1")
    # data lines per file; the blank line after the user header is not a row
    assert report.rows_in == {
        "user": 4,
        "deposit": 16,
        "withdrawal": 4,
        "event": 8,
        "user_level": 3,
    }
    for source, n in report.rows_in.items():
        assert report.rows_loaded[source] + report.rows_quarantined[source] == n
    assert report.rows_quarantined["deposit"] == 5
    reasons = dict(db.fetchall("select raw_line, reason from quarantine"))
    assert reasons["6,not-a-date,u2,1,mxn,complete"].startswith("unparseable timestamp")
    assert reasons["7,2020-01-10 12:00:00+00,u2,abc,mxn,complete"].startswith("unparseable amount")
    assert reasons["8,2020-01-10 13:00:00+00,,1,mxn,complete"] == "missing user_id"
    assert reasons["9,2020-01-10 13:00:00+00,u3,1,mxn,complete"] == "conflicting duplicate"
    assert reasons["9,2020-01-10 13:00:00+00,u3,2,mxn,complete"] == "conflicting duplicate"


def test_exact_duplicates_collapse_and_values_are_exact(db: DuckDatabase) -> None:
    load_batch(db, HANDMADE / "day1")
    rows = db.fetchall(
        "select transaction_id, amount, occurred_at from fct_transaction "
        "where transaction_kind = 'deposit' and transaction_id in (1, 2, 5, 10) order by 1"
    )
    assert rows == [
        (1, Decimal("100.5"), datetime(2020, 1, 10, 14, 11, 5, 630000)),
        (2, Decimal("0.000000000000000001"), datetime(2020, 1, 10, 23, 59, 59, 999999)),
        (5, Decimal("10"), datetime(2020, 1, 10, 12)),
        (10, Decimal("7"), datetime(2020, 1, 10, 2)),  # -03 offset converted to UTC
    ]
    failed = db.fetchall(
        "select tx_status, is_complete from fct_transaction where transaction_id = 4 "
        "and transaction_kind = 'deposit'"
    )
    assert failed == [("failed", False)]  # failed transactions are kept, flagged


def test_loading_a_batch_twice_changes_nothing(db: DuckDatabase) -> None:
    load_batch(db, HANDMADE / "day1")
    first = snapshot(db)
    again = load_batch(db, HANDMADE / "day1")
    assert snapshot(db) == first
    assert again.total_in == 35


def test_inferred_member_is_flagged_then_completed(db: DuckDatabase) -> None:
    load_batch(db, HANDMADE / "day1")
    inferred = db.fetchall("select user_id from dim_user where is_inferred order by 1")
    assert inferred == [("u5",), ("u6",)]
    assert db.fetchall("select count(*) from fct_transaction where user_id = 'u5'") == [(1,)]
    load_batch(db, HANDMADE / "day2")
    assert db.fetchall("select is_inferred, n_deposits from dim_user where user_id = 'u5'") == [
        (False, 1)
    ]


def test_late_row_lands_in_its_day_and_updates_aggregates(db: DuckDatabase) -> None:
    load_batch(db, HANDMADE / "day1")
    load_batch(db, HANDMADE / "day2")
    daily = db.fetchall(
        "select n_deposits, n_deposits_to_date from mart_user_daily "
        "where user_id = 'u4' and date_key = date '2020-01-10'"
    )
    assert daily == [(1, 1)]
    total = db.fetchall(
        "select sum(amount_deposited) from mart_user_currency_daily "
        "where date_key = date '2020-01-10' and currency_code = 'mxn'"
    )
    assert total == [(Decimal("103.000000000000000001"),)]


def test_late_level_change_reslices_the_scd2_history(db: DuckDatabase) -> None:
    load_batch(db, HANDMADE / "day1")
    load_batch(db, HANDMADE / "day2")
    rows = db.fetchall(
        "select valid_from, valid_to, level, is_current from dim_user_level_history "
        "where user_id = 'u1' order by valid_from"
    )
    jan = [datetime(2020, 1, d) for d in (1, 3, 5)]
    assert rows == [(jan[0], jan[1], 0, False), (jan[1], jan[2], 2, False), (jan[2], None, 1, True)]
    assert db.fetchall("select current_level from dim_user where user_id = 'u1'") == [(1,)]


def test_conflict_with_a_loaded_row_withdraws_it(db: DuckDatabase, tmp_path: Path) -> None:
    load_batch(db, HANDMADE / "day1")
    batch = tmp_path / "fix"
    batch.mkdir()
    (batch / "withdrawals_sample_data.csv").write_text(
        "id,event_timestamp,user_id,amount,interface,currency,tx_status\n"
        "1,2020-01-10 08:00:00.5+00,u4,99,web,mxn,complete\n"
    )
    report = load_batch(db, batch)
    assert report.rows_quarantined["withdrawal"] == 1 and report.rows_withdrawn == 1
    assert db.fetchall(
        "select count(*) from fct_transaction where transaction_kind = 'withdrawal' "
        "and transaction_id = 1"
    ) == [(0,)]
    assert db.fetchall("select n_withdrawals from dim_user where user_id = 'u4'") == [(0,)]


def test_schema_mismatch_fails_and_writes_nothing(db: DuckDatabase, tmp_path: Path) -> None:
    load_batch(db, HANDMADE / "day1")
    before = snapshot(db)
    batch = tmp_path / "bad"
    shutil.copytree(HANDMADE / "day2", batch)
    (batch / "event_sample_data.csv").write_text("id,timestamp,user,event\n1,x,y,z\n")
    with pytest.raises(SchemaMismatchError, match=r"event_sample_data\.csv"):
        load_batch(db, batch)
    assert snapshot(db) == before


def test_a_folder_without_source_files_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(WarehouseError, match="no source file"):
        load_batch(str(tmp_path / "wh.duckdb"), tmp_path)


class _FailingMarts(DuckDatabase):
    """A DuckDB warehouse whose engine fails while the marts are rebuilt (after staging)."""

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        if sql.startswith("insert into mart_user_currency_daily"):
            raise RuntimeError("disk full")
        super().execute(sql, params)


def test_an_engine_error_rolls_the_whole_batch_back(tmp_path: Path) -> None:
    db = DuckDatabase(str(tmp_path / "wh.duckdb"))
    load_batch(db, HANDMADE / "day1")
    before = snapshot(db)
    db.close()
    failing = _FailingMarts(str(tmp_path / "wh.duckdb"))
    with pytest.raises(WarehouseError, match="nothing written"):
        load_batch(failing, HANDMADE / "day2")
    assert snapshot(failing) == before
    failing.close()
    db = DuckDatabase(str(tmp_path / "wh.duckdb"))
    load_batch(db, HANDMADE / "day2")  # nothing half done stands in the way
    assert db.fetchall("select is_inferred from dim_user where user_id = 'u5'") == [(False,)]
    db.close()


class _FailingOnce(_FailingMarts):
    """Fails the first batch's marts, then works."""

    failed = False

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        if not self.failed and sql.startswith("insert into mart_user_currency_daily"):
            self.failed = True
            raise RuntimeError("disk full")
        DuckDatabase.execute(self, sql, params)


def test_a_connection_whose_first_batch_failed_loads_the_next_one(tmp_path: Path) -> None:
    """What a rolled-back batch created on the connection (its per-batch tables) is gone: the
    next batch on the same connection creates it again instead of counting on it."""
    db = _FailingOnce(str(tmp_path / "wh.duckdb"))
    with pytest.raises(WarehouseError, match="nothing written"):
        load_batch(db, HANDMADE / "day1")
    load_batch(db, HANDMADE / "day1")
    load_batch(db, HANDMADE / "day2")
    fresh = DuckDatabase(str(tmp_path / "fresh.duckdb"))
    load_batch(fresh, HANDMADE / "day1")
    load_batch(fresh, HANDMADE / "day2")
    assert snapshot(db) == snapshot(fresh)
    db.close(), fresh.close()


def _write(folder: Path, name: str, header: str, *lines: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text("\n".join((header, *lines)) + "\n")


DEPOSITS = ("deposit_sample_data.csv", "id,event_timestamp,user_id,amount,currency,tx_status")
EVENTS = ("event_sample_data.csv", "id,event_timestamp,user_id,event_name")


def test_a_late_deposit_shifts_the_running_count_of_later_days(
    db: DuckDatabase, tmp_path: Path
) -> None:
    _write(
        tmp_path / "a",
        *DEPOSITS,
        "1,2021-01-01 10:00:00+00,z,5,mxn,complete",
        "2,2021-01-05 10:00:00+00,z,5,mxn,complete",
        "3,2021-01-05 11:00:00+00,z,5,mxn,complete",
        "4,2021-01-07 11:00:00+00,z,5,mxn,failed",
    )
    _write(tmp_path / "b", *DEPOSITS, "5,2021-01-03 09:00:00+00,z,1,usd,complete")
    # one user-day, three logins, in a batch with a single source: each counts once
    _write(
        tmp_path / "c",
        *EVENTS,
        "1,2021-01-03 12:00:00+00,z,login",
        "2,2021-01-03 12:01:00+00,z,2falogin",
        "3,2021-01-03 12:02:00+00,z,login_api",
    )
    for name in ("a", "b", "c"):
        load_batch(db, tmp_path / name)
    assert db.fetchall(
        "select date_key, n_deposits, n_deposits_to_date, n_logins, is_active "
        "from mart_user_daily where user_id = 'z' order by date_key"
    ) == [
        (date(2021, 1, 1), 1, 1, 0, True),
        (date(2021, 1, 3), 1, 2, 3, True),
        (date(2021, 1, 5), 2, 4, 0, True),
        (date(2021, 1, 7), 0, 4, 0, False),
    ]
    assert db.fetchall(
        "select n_deposits, n_logins, first_deposit_at, last_deposit_at, is_inferred "
        "from dim_user where user_id = 'z'"
    ) == [(4, 3, datetime(2021, 1, 1, 10), datetime(2021, 1, 5, 11), True)]
    once = DuckDatabase(str(tmp_path / "once.duckdb"))
    try:
        both = tmp_path / "all"
        _write(
            both,
            *DEPOSITS,
            *[
                ln
                for n in ("a", "b")
                for ln in (tmp_path / n / DEPOSITS[0]).read_text().splitlines()[1:]
            ],
        )
        shutil.copy(tmp_path / "c" / EVENTS[0], both / EVENTS[0])
        load_batch(once, both)
        assert snapshot(once) == snapshot(db)
    finally:
        once.close()


def test_bulk_and_line_by_line_parsing_load_the_same_warehouse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bitsodata.sample import generate
    from bitsodata.warehouse.load import loader

    source = tmp_path / "src"
    generate(source, seed=5, scale=0.02)  # with the real quirks: duplicates, blank line, ...
    with (source / "event_sample_data.csv").open("a") as f:  # ... and lines off the plain shape
        f.write(
            "9000001,2021-02-30 10:00:00+00,u-odd,login\n"
            '9000002,"2021-03-01 10:00:00+00",u-odd,LOGIN\n'
            "9000003,2021-03-01 10:00:00.5-05,u-odd,login\n"
            "9000004,2021-03-01 10:00:00+00,u-odd\n"
            "9000005,2021-03-01T10:00:00Z, u-odd ,login\n"
            "9000005,2021-03-01 10:00:01+00,u-odd,logout\n"
        )
    loaded = {}
    for how, threshold in (("bulk", 0), ("line", 1 << 62)):
        monkeypatch.setattr(loader, "SMALL_FILE_BYTES", threshold)
        handle = DuckDatabase(str(tmp_path / f"{how}.duckdb"))
        report = load_batch(handle, source)
        loaded[how] = (snapshot(handle), report.rows_in, report.rows_quarantined)
        handle.close()
    assert loaded["bulk"] == loaded["line"]
    assert loaded["bulk"][2]["event"] == 4  # a bad day, a short line, two conflicting versions


@pytest.mark.parametrize(
    "body",
    [
        # a line longer than the bulk reader's block (its event name is too long to load)
        "1,2021-03-01 10:00:00+00,u1,login\n2,2021-03-01 10:00:00+00,u1," + "x" * 9000 + "\n"
        "3,2021-03-01 10:00:01+00,u2,login\n",
        "",  # a header without a line end
    ],
    ids=["long-line", "header-only"],
)
def test_a_long_line_or_a_bare_header_does_not_stop_the_bulk_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str
) -> None:
    from bitsodata.warehouse.load import loader
    from bitsodata.warehouse.sources import columnar

    monkeypatch.setattr(loader, "SMALL_FILE_BYTES", 0)
    monkeypatch.setattr(columnar, "BLOCK_BYTES", 4096)
    batch = tmp_path / "batch"
    batch.mkdir()
    header = "id,event_timestamp,user_id,event_name" + ("\n" if body else "")
    (batch / "event_sample_data.csv").write_text(header + body)
    (batch / "deposit_sample_data.csv").write_text(
        "id,event_timestamp,user_id,amount,currency,tx_status\n"
        "7,2021-03-01 10:00:00+00,u1,5,mxn,complete\n"
    )
    handle = DuckDatabase(str(tmp_path / "wh.duckdb"))
    report = load_batch(handle, batch)
    assert report.rows_in["event"] == (3 if body else 0)
    assert report.rows_loaded["event"] == (2 if body else 0)
    assert handle.fetchall("select count(*) from fct_event")[0][0] == (2 if body else 0)
    assert handle.fetchall("select count(*) from fct_transaction")[0][0] == 1
    handle.close()


def test_a_batch_left_for_dbt_is_published_as_sources_and_builds_nothing(
    db: DuckDatabase,
) -> None:
    from bitsodata.warehouse.load.loader import publish_sources

    load_batch(db, HANDMADE / "day1", build=publish_sources)
    assert db.fetchall("select count(*) from fct_transaction") == [(0,)]  # the models did not run
    staged = db.fetchall("select count(*) from wh.main._in_transaction")[0][0]
    assert staged > 0
    # only the sources are published (the records as text, the typed rows): the merge and the
    # scope are models dbt builds
    published = {
        t for (t,) in db.fetchall("select table_name from duckdb_tables() where not temporary")
    }
    sources = ("event", "transaction", "user", "user_level")
    files = ("deposit", "withdrawal", "event", "user_level", "user")
    assert {t for t in published if t.startswith("_")} == {
        *(f"_in_{s}" for s in sources),
        *(f"_raw_{f}" for f in files),
    }
    load_batch(db, HANDMADE / "day2", build=publish_sources)  # replaced, never appended
    assert db.fetchall("select count(*) from wh.main._in_event") == [(0,)]
