"""One book over a range: compacted day files give the same answers, and a stale one is ignored."""

from __future__ import annotations

from dataclasses import fields
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from bitsodata.domain.windows import DAY_SECONDS
from bitsodata.lake.bookscan import book_files
from bitsodata.lake.layout import daily_key, spread_window_key
from bitsodata.lake.query import iter_observations, run_query
from bitsodata.lake.source import day_of
from bitsodata.lake.stats import SpreadStats, spread_stats
from bitsodata.lake.storage import LocalStorage, MemoryStorage, Storage
from bitsodata.lake.windowfile import decode_table, encode_table, write_window
from tests.lake.helpers import DAY0, window, write_day

HOUR = 3600


@pytest.fixture(scope="module")
def day() -> tuple[MemoryStorage, pa.Table]:
    storage = MemoryStorage()
    return storage, write_day(storage, "btc_mxn", DAY0, window_seconds=HOUR)


def compact(storage: Storage, book: str, when: date) -> str:
    """What the daily lake audit does: the day's window files, concatenated, as one file."""
    keys = storage.list(f"spreads/book={book}/date={when}/")
    tables = [decode_table(storage.get(k), k.rsplit(".", 1)[1]) for k in keys]
    key = daily_key(book, when)
    merged = pa.concat_tables(tables).sort_by("orderbook_timestamp")
    storage.put(key, encode_table(merged, "parquet"))
    return key


def same(a: SpreadStats, b: SpreadStats) -> bool:
    """Equal counts; floats equal up to summation order."""
    for field in fields(SpreadStats):
        x, y = getattr(a, field.name), getattr(b, field.name)
        assert x == (pytest.approx(y, rel=1e-12) if isinstance(y, float) else y), field.name
    return True


def _copy(storage: MemoryStorage, root: Path) -> LocalStorage:
    local = LocalStorage(root)
    for key in storage.list(""):
        local.put(key, storage.get(key))
    return local


def test_a_compacted_day_gives_the_same_answers(
    day: tuple[MemoryStorage, pa.Table], tmp_path: Path
) -> None:
    lake = _copy(day[0], tmp_path / "lake")
    ranges = [(DAY0, DAY0 + DAY_SECONDS), (DAY0 + 1000, DAY0 + 5000)]
    before = [spread_stats(lake, "btc_mxn", s, e) for s, e in ranges]
    replay_before = list(iter_observations(lake, "btc_mxn", DAY0 + 3590, DAY0 + 3610))

    key = compact(lake, "btc_mxn", day_of(DAY0))
    with book_files(lake, "btc_mxn", DAY0, DAY0 + DAY_SECONDS) as paths:
        assert paths == [lake.path(key)]  # one file read instead of 24
    after = [spread_stats(lake, "btc_mxn", s, e) for s, e in ranges]
    assert all(same(a, b) for a, b in zip(after, before, strict=True))
    assert list(iter_observations(lake, "btc_mxn", DAY0 + 3590, DAY0 + 3610)) == replay_before
    # The spreads view reads window files only: nothing is counted twice.
    assert run_query(lake, "select count(*) from spreads").rows == [(DAY_SECONDS,)]

    spreads = day[1].column("spread").drop_null().to_numpy()
    assert before[0].rows == DAY_SECONDS and before[1].rows == 4000
    assert before[0].spread_p99 == pytest.approx(np.percentile(spreads, 99))


def test_a_remote_lake_reads_the_day_file(day: tuple[MemoryStorage, pa.Table]) -> None:
    lake = MemoryStorage()
    lake.objects = dict(day[0].objects)
    before = spread_stats(lake, "btc_mxn", DAY0, DAY0 + DAY_SECONDS)
    compact(lake, "btc_mxn", day_of(DAY0))
    for key in lake.list("spreads/"):
        lake.delete(key)  # window files expired: the day file is all that is left
    assert same(spread_stats(lake, "btc_mxn", DAY0, DAY0 + DAY_SECONDS), before)


def test_a_window_that_lands_after_compaction_is_not_lost() -> None:
    lake = MemoryStorage()
    for start in range(DAY0, DAY0 + 3 * HOUR, HOUR):
        write_window(lake, "usd_mxn", start, window("usd_mxn", start, HOUR), window_seconds=HOUR)
    compact(lake, "usd_mxn", day_of(DAY0))
    late = DAY0 + 5 * HOUR
    write_window(lake, "usd_mxn", late, window("usd_mxn", late, HOUR), window_seconds=HOUR)
    stats = spread_stats(lake, "usd_mxn", DAY0, DAY0 + DAY_SECONDS)
    assert stats.rows == 4 * HOUR
    with book_files(lake, "usd_mxn", DAY0, DAY0 + DAY_SECONDS) as paths:
        assert [p.name for p in paths] == [
            spread_window_key("usd_mxn", s).rsplit("/", 1)[1]
            for s in (DAY0, DAY0 + HOUR, DAY0 + 2 * HOUR, late)
        ]
