"""``Lake.resample`` over the per-minute rollups compaction writes: the same rows, bit for bit, as
from the raw rows, for any range, interval and thresholds, on days compacted or not, with stale
rollups ignored; on local, CSV and S3 lakes."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bitsodata.analysis import open_lake
from bitsodata.domain.windows import DAY_SECONDS
from bitsodata.lake import synthetic
from bitsodata.lake.layout import MINUTES, rollup_key, spread_window_key
from bitsodata.lake.s3 import S3Storage
from bitsodata.lake.source import day_of
from bitsodata.lake.storage import LocalStorage, MemoryStorage, Storage
from bitsodata.orchestration.compaction import compact_day
from tests.fakes.s3 import Endpoint
from tests.lake.collected import START, collect
from tests.lake.test_s3 import _settings

DAY0 = 1_714_521_600  # 2024-05-01T00:00:00Z
BOOKS = ("btc_mxn", "usd_mxn")
WINDOW = 3600
LATE = DAY0 + DAY_SECONDS + 5 * WINDOW
"""The window of day 1 that lands after its compaction: day 1's rollups are stale."""


def _day(book: str, day_start: int, rng: np.random.Generator) -> pa.Table:
    """A synthetic day with every status: some seconds ``stale``, some ``crossed`` (no spread)."""
    table = synthetic.day_table(book, day_start, rng, missing_share=0.02)
    status = np.array(table.column("status").to_pylist(), dtype=object)
    draw = rng.random(len(status))
    status[(status == "ok") & (draw < 0.03)] = "stale"
    crossed = (status == "ok") & (draw > 0.99)
    status[crossed] = "crossed"
    spread = table.column("spread").combine_chunks()
    spread = pa.array(spread.to_numpy(zero_copy_only=False), pa.float64(), mask=~np.asarray(
        spread.is_valid().to_numpy(zero_copy_only=False)) | crossed)  # fmt: skip
    table = table.set_column(table.schema.get_field_index("spread"), "spread", spread)
    index = table.schema.get_field_index("status")
    return table.set_column(index, "status", pa.array(status.tolist(), pa.string()))


def write_lake(storage: Storage) -> None:
    """Day 0 compacted; day 1 compacted, then a late window lands (stale); day 2 not compacted."""
    rng = np.random.default_rng(11)
    for book in BOOKS:
        for n in range(3):
            start = DAY0 + n * DAY_SECONDS
            table = _day(book, start, rng)
            synthetic.write_day(storage, table, book, start, window_seconds=WINDOW)
            if n == 1:
                late = spread_window_key(book, LATE)
                kept = storage.get(late)
                storage.delete(late)
            if n < 2:
                compact_day(storage, book, day_of(start))
            if n == 1:
                storage.put(late, kept)


@pytest.fixture(scope="module")
def lakes(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the lake as compaction keeps it, the same lake without its rollups)."""
    base = tmp_path_factory.mktemp("minutes")
    kept, plain = base / "kept", base / "plain"
    write_lake(LocalStorage(kept, durable=False))
    shutil.copytree(kept, plain)
    shutil.rmtree(plain / MINUTES)
    return kept, plain


def rows(source: Any, *args: Any, **kw: Any) -> tuple[list[str], list[str], list[tuple[Any, ...]]]:
    with open_lake(source) as lake:
        rel = lake.resample(*args, **kw)
        return rel.columns, [str(t) for t in rel.types], rel.fetchall()


INTERVALS = [60, 120, 300, 600, 900, 3600, 7200, 14_400, 86_400, 1, 30, 90, 150]
THRESHOLDS: list[Any] = [0.1, 0.5, 1.0, Decimal("0.50"), Decimal("1"), 0.25, 0.05]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    start=st.integers(0, 3 * DAY_SECONDS - 1),
    length=st.integers(1, 3 * DAY_SECONDS),
    interval=st.sampled_from(INTERVALS),
    thresholds=st.lists(st.sampled_from(THRESHOLDS), max_size=4),
    books=st.sampled_from([None, ["btc_mxn"], ["usd_mxn", "btc_mxn"]]),
)
def test_the_rollups_give_the_rows_answers_bit_for_bit(
    lakes: tuple[Path, Path],
    start: int,
    length: int,
    interval: int,
    thresholds: Sequence[Any],
    books: list[str] | None,
) -> None:
    kept, plain = lakes
    first = DAY0 + start
    last = min(first + length, DAY0 + 3 * DAY_SECONDS)
    got = rows(kept, interval, books, first, last, thresholds)
    assert got == rows(plain, interval, books, first, last, thresholds)
    assert got[2], "every range of the lake has rows"


def test_the_whole_lake_at_a_minute_equals_the_rows(lakes: tuple[Path, Path]) -> None:
    kept, plain = lakes
    got = rows(kept, "1min")
    assert got == rows(plain, "1min")
    assert len(got[2]) == len(BOOKS) * 3 * 1440
    assert got == rows(kept, "1min", thresholds=[Decimal("0.1"), Decimal("0.5"), Decimal("1.0")])


class KeyedStorage(MemoryStorage):
    """The memory lake, remembering which keys were read."""

    def __init__(self) -> None:
        super().__init__()
        self.read: list[str] = []

    def get(self, key: str) -> bytes:
        self.read.append(key)
        return super().get(key)


@pytest.fixture(scope="module")
def memory() -> KeyedStorage:
    storage = KeyedStorage()
    write_lake(storage)
    return storage


def test_a_compacted_day_is_read_from_its_rollups_only(memory: KeyedStorage) -> None:
    memory.read.clear()
    got = open_lake(memory).resample("15min", "btc_mxn", DAY0, DAY0 + DAY_SECONDS).fetchall()
    assert memory.read == [rollup_key("btc_mxn", date(2024, 5, 1))]
    assert len(got) == 96 and sum(r[2] for r in got) == DAY_SECONDS


def test_a_stale_rollup_is_never_used(memory: KeyedStorage) -> None:
    day1 = DAY0 + DAY_SECONDS
    memory.read.clear()
    got = open_lake(memory).resample("1h", "btc_mxn", day1, day1 + DAY_SECONDS).fetchall()
    assert rollup_key("btc_mxn", date(2024, 5, 2)) in memory.read  # looked at, found stale
    assert spread_window_key("btc_mxn", LATE) in memory.read  # the rows come from the windows
    assert [r[2] for r in got] == [3600] * 24, "the late window's hour is there"


def test_custom_thresholds_and_sub_minute_intervals_read_the_rows(memory: KeyedStorage) -> None:
    for args in (
        ("1min", "btc_mxn", DAY0, DAY0 + 600, [0.3]),
        ("30s", "btc_mxn", DAY0, DAY0 + 600),
    ):
        memory.read.clear()
        open_lake(memory).resample(*args).fetchall()
        assert memory.read and MINUTES not in " ".join(memory.read)


def test_a_csv_lake_gets_parquet_rollups_with_the_same_answers(tmp_path: Path) -> None:
    storage = collect(tmp_path / "kept", fmt="csv")
    compact_day(storage, "btc_mxn", day_of(START), "csv")
    compact_day(storage, "usd_mxn", day_of(START), "csv")
    assert storage.exists(rollup_key("btc_mxn", day_of(START)))
    plain = tmp_path / "plain"
    shutil.copytree(tmp_path / "kept", plain)
    shutil.rmtree(plain / MINUTES)
    for args in (
        ("1min",),
        ("2min", None, START + 7, START + 250),
        ("1min", "btc_mxn", START + 60),
    ):
        assert rows(tmp_path / "kept", *args) == rows(plain, *args)


def test_an_s3_lake_resamples_from_its_rollups(endpoint: Endpoint, tmp_path: Path) -> None:
    local = collect(tmp_path / "lake")
    remote = S3Storage.from_settings(_settings(endpoint, tmp_path, "minutes"))
    for key in local.list("spreads/"):
        remote.put(key, local.get(key))
    for book in ("btc_mxn", "usd_mxn"):
        compact_day(remote, book, day_of(START))  # what the nightly task does on S3
    gets: list[str] = []
    remote._client.meta.events.register(
        "before-send.s3.GetObject", lambda request, **_: gets.append(request.url)
    )
    for args in (("1min",), ("5min", None, START + 30, START + 290)):
        gets.clear()
        assert rows(remote, *args) == rows(tmp_path / "lake", *args)
        assert any(f"/{MINUTES}/" in url for url in gets)
    gets.clear()
    rows(remote, "1min", "btc_mxn", START, START + 300)
    assert len(gets) == 1, "a day wholly in rollups is one GET"
