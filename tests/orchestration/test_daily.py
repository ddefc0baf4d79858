"""The warehouse_daily tasks on generated data: land -> load -> checks -> export -> ERD."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from bitsodata.errors import DataQualityFailed
from bitsodata.orchestration import daily
from bitsodata.orchestration.runtime import is_retryable
from bitsodata.sample import generate
from bitsodata.settings import Settings, load_settings

TX_FILES = ("deposit_sample_data.csv", "withdrawals_sample_data.csv")


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("source")
    generate(out, seed=5, scale=0.03)
    return out


def settings_for(source: Path, work: Path) -> Settings:
    return load_settings(
        warehouse={"db": str(work / "w.duckdb")},
        orchestration={
            "source_dir": str(source),
            "landing_dir": str(work / "landing"),
            "export_dir": str(work / "export"),
            "erd_path": str(work / "erd.svg"),
        },
    )


def transactions_per_day(source: Path) -> Counter[date]:
    days: Counter[date] = Counter()
    for name in TX_FILES:
        with (source / name).open(newline="") as fh:
            days.update(date.fromisoformat(r["event_timestamp"][:10]) for r in csv.DictReader(fh))
    return days


def count(db: str, table: str) -> int:
    con = duckdb.connect(db, read_only=True)
    try:
        return int(con.execute(f"select count(*) from {table}").fetchone()[0])
    finally:
        con.close()


def test_a_run_loads_its_data_interval_day_and_a_rerun_changes_nothing(
    source: Path, tmp_path: Path
) -> None:
    settings = settings_for(source, tmp_path)
    day, n_tx = transactions_per_day(source).most_common(1)[0]
    interval_start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    assert daily.batch_day(interval_start) == day == daily.batch_day(interval_start.isoformat())

    landed = daily.land_day(settings, day)
    assert sum(landed["rows"][name] for name in TX_FILES) == n_tx
    loaded = daily.load_day(settings, day)
    assert loaded["rows_in"] == sum(landed["rows"].values())
    assert loaded["rows_loaded"] + loaded["rows_quarantined"] == loaded["rows_in"]
    checked = daily.check_quality(settings)
    assert checked["failed"] == 0 and checked["checks"] > 5
    exported = daily.export_day(settings)
    assert "fct_transaction.csv" in exported["files"]
    rows = (tmp_path / "export" / "fct_transaction.csv").read_text().splitlines()
    assert len(rows) - 1 == count(settings.warehouse.db, "fct_transaction") > 0
    assert daily.refresh_erd(settings) == {"erd": str(tmp_path / "erd.svg")}
    assert "fct_transaction" in (tmp_path / "erd.svg").read_text()

    before = {t: count(settings.warehouse.db, t) for t in ("fct_transaction", "dim_user")}
    daily.land_day(settings, day)
    daily.load_day(settings, day)
    assert {t: count(settings.warehouse.db, t) for t in before} == before


def test_a_day_with_nothing_landed_loads_nothing(source: Path, tmp_path: Path) -> None:
    settings = settings_for(source, tmp_path)
    day = min(transactions_per_day(source)) - timedelta(days=30)
    assert daily.load_day(settings, day) == {"day": day.isoformat(), "batch": None, "rows_in": 0}


def test_a_failed_check_fails_the_task_loudly_and_is_not_retried(
    source: Path, tmp_path: Path
) -> None:
    settings = settings_for(source, tmp_path)
    day = transactions_per_day(source).most_common(1)[0][0]
    daily.land_day(settings, day)
    daily.load_day(settings, day)
    con = duckdb.connect(settings.warehouse.db)
    try:  # a deposit the marts never saw: facts and marts disagree
        con.execute(
            "insert into fct_transaction select transaction_kind, transaction_id + 10000000, "
            "user_id, occurred_at, date_key, currency_code, amount, interface, 'complete', true "
            "from fct_transaction where transaction_kind = 'deposit' limit 1"
        )
    finally:
        con.close()
    with pytest.raises(DataQualityFailed) as failure:
        daily.check_quality(settings)
    assert "assert_deposits_reconcile" in failure.value.failed
    assert "1 data-quality check(s) failed" in str(failure.value)
    assert not is_retryable(failure.value)


def test_upkeep_after_the_load_never_fails_the_task(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_for(source, tmp_path)
    day = transactions_per_day(source).most_common(1)[0][0]
    daily.land_day(settings, day)
    loaded = daily.load_day(settings, day)
    assert loaded["dim_user_rewritten"] is False  # a small warehouse is never rewritten

    def broken(handle: object) -> None:
        raise RuntimeError("storage statistics unreadable")

    monkeypatch.setattr(daily, "compact", broken)
    again = daily.load_day(settings, day)  # the batch is in; only the upkeep failed (and logged)
    assert again["dim_user_rewritten"] is False and again["rows_in"] == loaded["rows_in"]
