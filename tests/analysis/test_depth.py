"""``Lake.depth`` and ``Lake.resample_depth``: the liquidity table of a collector-written lake."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from bitsodata.analysis import open_lake
from bitsodata.clock import FakeClock
from bitsodata.errors import LakeError
from bitsodata.lake.storage import LocalStorage
from tests.lake.collected import collect
from tests.monitor.helpers import T0, make_collector
from tests.monitor.test_depth import SIZES, WS, run


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("depth")
    clock = FakeClock(T0)
    collector, _s, _f, _k = make_collector(
        base / "work", clock, storage=LocalStorage(base / "lake"), depth_sizes=SIZES
    )
    collector.start()
    run(collector, clock, range(T0, T0 + 3 * WS), book_gone={T0 + 3})
    collector.writer.write_now()
    return base / "lake"


def test_depth_rows_of_chosen_books_and_range(root: Path) -> None:
    lake = open_lake(root)
    rows = lake.depth("btc_mxn", T0, T0 + WS).df()
    assert len(rows) == WS and set(rows["book"]) == {"btc_mxn"}
    assert rows["observed_at"].is_monotonic_increasing
    assert rows["depth_0p5pct_bid_base"].iloc[0] == 0.5
    assert rows["depth_source"].isna().tolist()[2:5] == [False, True, False]  # no book at 3
    assert (rows["hour"] == rows["observed_at"].dt.hour).all()


def test_resample_depth_means_and_sources(root: Path) -> None:
    lake = open_lake(root)
    buckets = lake.resample_depth(f"{WS}s", None, T0, T0 + 3 * WS).df()
    btc = buckets[buckets["book"] == "btc_mxn"]
    assert btc["n_seconds"].tolist() == [WS] * 3
    assert btc["share_orders"].iloc[0] == pytest.approx(0.9)  # one second without a book
    assert btc["share_none"].iloc[0] == pytest.approx(0.1) and btc["share_diff"].max() == 0
    assert btc["depth_0p5pct_bid_base"].tolist() == pytest.approx([0.5] * 3)
    assert btc["slippage_buy_0p1btc_bp"].iloc[1] == pytest.approx(0.5 / 100.5 * 1e4)
    assert "mid" not in btc.columns  # prices are not liquidity
    usd = buckets[buckets["book"] == "usd_mxn"]
    assert usd["share_none"].tolist() == [1.0] * 3


def test_a_lake_without_depth_files_says_so(tmp_path: Path) -> None:
    collect(tmp_path / "lake", seconds=120)
    lake = open_lake(tmp_path / "lake")
    with pytest.raises(LakeError, match="no files in the depth table"):
        lake.depth("btc_mxn")


def test_stats_show_liquidity_next_to_the_spread(root: Path) -> None:
    lake = open_lake(root)
    btc, usd = lake.stats(None, T0, T0 + 3 * WS)
    assert btc.depth is not None
    assert btc.depth["median_depth_1pct_bid_base"] == pytest.approx(0.5)  # 99 is 1.5 % off mid
    assert btc.depth["median_slippage_buy_0p1btc_bp"] == pytest.approx(0.5 / 100.5 * 1e4)
    assert btc.depth["exact_book_share"] == 0.0  # the fake feed serves the top-20 fallback
    assert usd.depth is not None and usd.depth["median_depth_1pct_bid_base"] is None
    assert btc.to_dict()["depth"] == btc.depth


def test_spread_stats_without_depth_rows_has_no_depth(tmp_path: Path) -> None:
    collect(tmp_path / "lake", seconds=60)
    (only,) = open_lake(tmp_path / "lake").stats("btc_mxn")
    assert only.depth is None and "depth" not in only.to_dict()


def test_spread_query_sees_the_depth_view(root: Path) -> None:
    from bitsodata.lake.query import run_query

    sql = (
        "select s.book, count(*) from spreads s join depth d using (book, observed_at) "
        "group by s.book order by s.book"
    )
    assert list(run_query(root, sql).rows) == [("btc_mxn", 3 * WS), ("usd_mxn", 3 * WS)]


def test_compacted_depth_days_read_as_one_file_with_the_same_rows(
    root: Path, tmp_path: Path
) -> None:
    import shutil
    from datetime import UTC, datetime

    from bitsodata.lake.layout import DEPTH
    from bitsodata.orchestration.compaction import compact_depth_day

    copy = tmp_path / "lake"
    shutil.copytree(root, copy)
    day_start = T0 - T0 % 86_400
    before = open_lake(copy).depth(None, day_start, day_start + 86_400).df()
    day = datetime.fromtimestamp(T0, tz=UTC).date()
    done = compact_depth_day(LocalStorage(copy), "btc_mxn", day)
    assert done.windows == 3 and done.rows == 3 * WS
    lake = open_lake(copy)
    files = lake._reader.files(["btc_mxn"], day_start, day_start + 86_400, table=DEPTH)
    assert [f.daily for f in files] == [True]
    after = lake.depth(None, day_start, day_start + 86_400).df()
    pd.testing.assert_frame_equal(after, before, check_like=True)  # columns in any order
