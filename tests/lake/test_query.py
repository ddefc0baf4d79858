"""DuckDB over the lake: the ``spreads`` view, pruning on book/date/hour, ordered replays."""

from __future__ import annotations

from pathlib import Path

import pytest

from bitsodata.domain.observation import Observation
from bitsodata.errors import LakeError
from bitsodata.lake.query import iter_observations, lake_span, run_query
from bitsodata.lake.storage import LocalStorage, MemoryStorage
from tests.lake.helpers import BOOKS, DAY0, STARTS, build_lake


@pytest.fixture
def lake(tmp_path: Path) -> tuple[LocalStorage, dict[str, list[Observation]]]:
    storage = LocalStorage(tmp_path / "lake")
    return storage, build_lake(storage)


def test_view_reads_parquet_and_csv_with_partition_columns(
    lake: tuple[LocalStorage, dict[str, list[Observation]]],
) -> None:
    storage, _rows = lake
    result = run_query(
        storage,
        "select book, cast(date as varchar) as d, hour, count(*) as n from spreads "
        "group by all order by all",
    )
    assert result.columns == ("book", "d", "hour", "n")
    expected = []
    for book in BOOKS:
        expected += [(book, "2024-05-04", 23, 600), (book, "2024-05-05", 0, 1200)]
        expected += [(book, "2024-05-05", 1, 600)]
    assert list(result.rows) == expected


def test_filters_on_partitions_skip_other_files(
    lake: tuple[LocalStorage, dict[str, list[Observation]]],
) -> None:
    storage, _rows = lake
    # A broken file in a partition the query does not touch is never opened.
    broken = "spreads/btc_mxn/date=2024-05-07/hour=0/btc_mxn_20240507T000000Z.parquet"
    storage.put(broken, b"not parquet")
    sql = "select count(*) from spreads where book = 'btc_mxn' and date = '2024-05-05' and hour = 1"
    assert run_query(storage, sql).rows == [(600,)]
    with pytest.raises(LakeError, match="query failed"):
        run_query(storage, "select count(*) from spreads")


def test_iter_observations_one_book_in_range(
    lake: tuple[LocalStorage, dict[str, list[Observation]]],
) -> None:
    storage, rows = lake
    start, end = DAY0 - 10, DAY0 + 3605  # across the day and the hour boundary, mid-window ends
    got = list(iter_observations(storage, "usd_mxn", start, end))
    assert got == [obs for obs in rows["usd_mxn"] if start <= obs.tick < end]


def test_iter_observations_every_book_ordered_by_tick_then_book(
    lake: tuple[LocalStorage, dict[str, list[Observation]]],
) -> None:
    storage, rows = lake
    got = list(iter_observations(storage, None, STARTS[0], STARTS[0] + 5))
    assert [(o.tick, o.book) for o in got] == [
        (t, b) for t in range(STARTS[0], STARTS[0] + 5) for b in BOOKS
    ]
    assert got[1] == rows["usd_mxn"][0]  # from the CSV window, decoded like Parquet


def test_a_remote_lake_reads_the_same_as_a_local_one(
    lake: tuple[LocalStorage, dict[str, list[Observation]]],
) -> None:
    local, rows = lake
    remote = MemoryStorage()
    for key in local.list(""):
        remote.put(key, local.get(key))
    got = list(iter_observations(remote, "btc_mxn", DAY0, DAY0 + 4200))
    assert got == [obs for obs in rows["btc_mxn"] if DAY0 <= obs.tick < DAY0 + 4200]
    sql = "select count(*) from spreads"
    assert run_query(remote, sql).rows == run_query(local, sql).rows == [(4800,)]


def test_a_missing_or_empty_lake_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(LakeError, match=r"no lake at .*nothing"):
        run_query(tmp_path / "nothing", "select * from spreads")
    (tmp_path / "empty").mkdir()
    with pytest.raises(LakeError, match="no window files"):
        run_query(tmp_path / "empty", "select * from spreads")


def test_an_unknown_book_names_the_books_there(
    lake: tuple[LocalStorage, dict[str, list[Observation]]],
) -> None:
    storage, _rows = lake
    with pytest.raises(LakeError, match=r"no data for book eth_mxn .*btc_mxn, usd_mxn"):
        list(iter_observations(storage, "eth_mxn", DAY0, DAY0 + 60))


def test_bad_requests_are_lake_errors(tmp_path: Path) -> None:
    with pytest.raises(LakeError, match="empty time range"):
        list(iter_observations(tmp_path, "btc_mxn", DAY0, DAY0))
    with pytest.raises(LakeError, match="not a book"):
        list(iter_observations(tmp_path, "BTC-MXN'; drop", DAY0, DAY0 + 1))
    build_lake(LocalStorage(tmp_path))
    with pytest.raises(LakeError, match="query failed"):
        run_query(tmp_path, "select nope from spreads")


def test_the_lake_span_runs_from_the_first_to_the_last_day_holding_a_window_file() -> None:
    storage = MemoryStorage()
    build_lake(storage)  # windows from 05-04 23:50 to 05-05 01:00
    storage.put("spreads/btc_mxn/date=2024-05-09/notes.txt", b"not a window file")
    storage.put("spreads_daily/btc_mxn/date=2024-05-20/btc_mxn_20240520.parquet", b"x")
    assert lake_span(storage, ["btc_mxn"]) == (DAY0 - 86_400, DAY0 + 86_400)
    legacy = "spreads/book=usd_mxn/date=2024-05-01/hour=00/usd_mxn_20240501T0000Z.parquet"
    storage.put(legacy, storage.get(storage.list("spreads/usd_mxn/")[0]))
    assert lake_span(storage, BOOKS) == (DAY0 - 4 * 86_400, DAY0 + 86_400)
    with pytest.raises(LakeError, match="no window files"):
        lake_span(storage, ["eth_mxn"])
