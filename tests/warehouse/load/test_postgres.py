"""The same models and loader on a real PostgreSQL server give the same tables and answers."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from bitsodata.warehouse.db import DuckDatabase, PostgresDatabase
from bitsodata.warehouse.load.loader import load_batch
from bitsodata.warehouse.serve.questions import ask
from tests.warehouse.conftest import HANDMADE, snapshot
from tests.warehouse.serve.test_questions import CASES

pytestmark = pytest.mark.postgres


def _both(pg_url: str, tmp_path: Path, *batches: Path) -> tuple[DuckDatabase, PostgresDatabase]:
    duck, pg = DuckDatabase(str(tmp_path / "wh.duckdb")), PostgresDatabase(pg_url)
    for batch in batches:
        load_batch(duck, batch)
        load_batch(pg, batch)
    return duck, pg


def test_same_tables_on_both_engines(pg_url: str, tmp_path: Path) -> None:
    duck, pg = _both(pg_url, tmp_path, HANDMADE / "day1", HANDMADE / "day2", HANDMADE / "day1")
    try:
        assert snapshot(pg) == snapshot(duck)
        assert len(snapshot(pg)) == 11
    finally:
        duck.close(), pg.close()


def test_a_generated_sample_in_bulk_is_the_same_on_both_engines(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bitsodata.sample import generate
    from bitsodata.warehouse.load import loader

    generate(tmp_path / "src", seed=3, scale=0.01)
    monkeypatch.setattr(loader, "SMALL_FILE_BYTES", 0)  # every file through the Arrow kernels
    duck, pg = _both(pg_url, tmp_path, tmp_path / "src")
    try:
        assert snapshot(pg) == snapshot(duck)
        assert ask(pg, "users-without-deposit") == ask(duck, "users-without-deposit")
    finally:
        duck.close(), pg.close()


def test_incremental_upkeep_is_the_same_on_both_engines(pg_url: str, tmp_path: Path) -> None:
    """A late deposit before later days (running counts), then a conflict that withdraws a
    loaded row (the user is recomputed from all their days), on both engines."""
    late = tmp_path / "late"
    late.mkdir()
    (late / "deposit_sample_data.csv").write_text(
        "id,event_timestamp,user_id,amount,currency,tx_status\n"
        "900,2020-01-09 08:00:00+00,u1,3,btc,complete\n"
    )
    fix = tmp_path / "fix"
    fix.mkdir()
    (fix / "deposit_sample_data.csv").write_text(
        "id,event_timestamp,user_id,amount,currency,tx_status\n"
        "1,2020-01-10 14:11:05.63+00,u1,999,mxn,complete\n"
    )
    duck, pg = _both(pg_url, tmp_path, HANDMADE / "day1", late, HANDMADE / "day2", fix)
    try:
        assert snapshot(pg) == snapshot(duck)
        withdrawn = (
            "select count(*) from fct_transaction "
            "where transaction_kind = 'deposit' and transaction_id = 1"
        )
        assert pg.fetchall(withdrawn) == duck.fetchall(withdrawn) == [(0,)]
        late_day = "select n_deposits_to_date from mart_user_daily where date_key = '2020-01-09'"
        assert pg.fetchall(late_day) == [(1,)]
    finally:
        duck.close()
        pg.close()


def test_same_answers_on_both_engines(pg_url: str, tmp_path: Path) -> None:
    duck, pg = _both(pg_url, tmp_path, HANDMADE / "day1")
    try:
        for name, params, expected in CASES:
            assert ask(pg, name, **params) == expected == ask(duck, name, **params), name
            # the time-zone path (facts, half-open UTC bounds) on PostgreSQL too
            assert ask(pg, name, tz="America/Argentina/Buenos_Aires", **params) == ask(
                duck, name, tz="America/Argentina/Buenos_Aires", **params
            ), name
    finally:
        duck.close(), pg.close()


def test_real_withdrawals_on_postgres(shared_data: Path, pg_url: str, tmp_path: Path) -> None:
    source = shared_data / "sr_de_challenge"
    duck, pg = _both(pg_url, tmp_path, source)
    try:
        for day in ("2020-01-16", "2021-06-01", "2023-07-18"):
            for question in ("active-users", "withdrawal-currencies"):
                assert ask(pg, question, day=day) == ask(duck, question, day=day)
        assert (
            snapshot(pg)["mart_user_currency_daily"] == snapshot(duck)["mart_user_currency_daily"]
        )
    finally:
        duck.close(), pg.close()


def test_schema_mismatch_writes_nothing_on_postgres(pg_url: str, tmp_path: Path) -> None:
    from bitsodata.errors import SchemaMismatchError

    pg = PostgresDatabase(pg_url)
    try:
        load_batch(pg, HANDMADE / "day1")
        before = snapshot(pg)
        bad = tmp_path / "bad"
        bad.mkdir()
        (bad / "deposit_sample_data.csv").write_text("id,ts\n1,2\n")
        with pytest.raises(SchemaMismatchError):
            load_batch(pg, bad)
        assert snapshot(pg) == before
    finally:
        pg.close()


def test_export_and_erd_from_postgres(pg_url: str, tmp_path: Path) -> None:
    from bitsodata.warehouse.serve.erd import write_erd
    from bitsodata.warehouse.serve.export import export_tables

    pg = PostgresDatabase(pg_url)
    try:
        load_batch(pg, HANDMADE / "day1")
        paths = export_tables(pg, tmp_path / "out")
        assert len(paths) == 22
        text = (tmp_path / "out" / "fct_transaction.csv").read_text()
        assert "0.000000000000000001" in text
        svg = write_erd(pg, tmp_path / "erd.svg").read_text()
        assert 'data-to="dim_user.user_id"' in svg
    finally:
        pg.close()


class _FailingMarts(PostgresDatabase):
    """A PostgreSQL warehouse whose engine fails while the marts are rebuilt (after staging)."""

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        if sql.startswith("insert into mart_user_currency_daily"):
            raise RuntimeError("disk full")
        super().execute(sql, params)


def test_an_engine_error_rolls_back_on_postgres(pg_url: str) -> None:
    from bitsodata.errors import WarehouseError

    pg = PostgresDatabase(pg_url)
    try:
        load_batch(pg, HANDMADE / "day1")
        before = snapshot(pg)
    finally:
        pg.close()
    failing = _FailingMarts(pg_url)
    try:
        with pytest.raises(WarehouseError, match="nothing written"):
            load_batch(failing, HANDMADE / "day2")
        assert snapshot(failing) == before
    finally:
        failing.close()
