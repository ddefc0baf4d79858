"""The two real challenge files (users, withdrawals) load whole, and answers match a naive count."""

from __future__ import annotations

import csv
import random
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from bitsodata.warehouse.db import DuckDatabase
from bitsodata.warehouse.load.loader import LoadReport, load_batch
from bitsodata.warehouse.serve.questions import ask


@pytest.fixture(scope="module")
def real(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[DuckDatabase, LoadReport, Path]]:
    from tests.conftest import SHARED_DATA

    source = SHARED_DATA / "sr_de_challenge"
    if not (source / "withdrawals_sample_data.csv").is_file():
        pytest.skip(f"real data not available in {source}")
    db = DuckDatabase(str(tmp_path_factory.mktemp("real") / "wh.duckdb"))
    report = load_batch(db, source)
    yield db, report, source
    db.close()


def test_every_real_row_is_loaded(
    shared_data: Path, real: tuple[DuckDatabase, LoadReport, Path]
) -> None:
    db, report, _ = real
    assert report.rows_in == {"user": 25_699, "withdrawal": 5_098}
    assert report.total_quarantined == 0
    assert db.fetchall(
        "select count(*), sum(case when is_complete then 1 else 0 end), "
        "count(distinct currency_code) from fct_transaction"
    ) == [(5_098, 3_251, 42)]
    assert db.fetchall(
        "select count(*), sum(case when is_inferred then 1 else 0 end) from dim_user"
    ) == [(25_699, 0)]
    # the negative amount is kept as it is (flagged by a check, never dropped)
    assert db.fetchall(
        "select amount, tx_status from fct_transaction where transaction_id = 55297"
    ) == [(Decimal("-10"), "failed")]


def _naive(source: Path) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    users: dict[str, set[str]] = defaultdict(set)
    currencies: dict[str, set[str]] = defaultdict(set)
    with (source / "withdrawals_sample_data.csv").open() as f:
        for row in csv.DictReader(f):
            if row["tx_status"] == "complete":
                day = row["event_timestamp"][:10]  # every real timestamp is +00
                users[day].add(row["user_id"])
                currencies[day].add(row["currency"])
    return users, currencies


def test_answers_match_a_naive_count_on_real_days(
    shared_data: Path, real: tuple[DuckDatabase, LoadReport, Path]
) -> None:
    db, _, source = real
    users, currencies = _naive(source)
    days = [*random.Random(7).sample(sorted(users), 60), "2023-07-18", "2023-07-19"]
    for day in days:
        assert ask(db, "active-users", day=day) == len(users[day]), day
        assert ask(db, "withdrawal-currencies", day=day) == len(currencies[day]), day
    assert len(ask(db, "users-without-deposit")) == 25_699  # type: ignore[arg-type]
