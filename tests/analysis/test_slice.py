"""``Lake.slice``: a range read once gives the very figures of the lake's own questions (stats,
resample, episodes, depth), on window files, on compacted days and on a mix of both, and keeps
answering from memory once its spread files are gone."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from pytest import approx

from bitsodata.alerts.rules import Rule
from bitsodata.analysis import open_lake
from bitsodata.errors import LakeError
from bitsodata.lake.source import day_of
from bitsodata.lake.storage import LocalStorage
from bitsodata.orchestration.compaction import compact_day, compact_depth_day
from tests.lake.helpers import BOOKS
from tests.report.lakes import FIRST, LAST, WINDOW_STARTS, write_lake

RULES = (
    Rule("spread-0.1", "*", Decimal("0.1")),
    Rule("hold", "btc_mxn", Decimal("1.2"), 3, Decimal("0.4")),
)
KEPT_DEPTH = ("depth_1pct_bid_base", "depth_1pct_ask_base", "slippage_buy_1btc_bp")


@pytest.fixture(scope="module")
def windows(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_lake(tmp_path_factory.mktemp("slice") / "lake", depth=True)


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same lake with its first two days compacted (day files and window files mixed)."""
    root = write_lake(tmp_path_factory.mktemp("slice-mixed") / "lake", depth=True)
    storage = LocalStorage(root)
    for book in BOOKS:
        for day in sorted({day_of(s) for s in WINDOW_STARTS})[:2]:
            assert compact_day(storage, book, day).windows > 0
            assert compact_depth_day(storage, book, day).windows > 0
    return root


RANGES = [
    (FIRST, LAST),  # every window
    (WINDOW_STARTS[1] + 123, WINDOW_STARTS[9] + 456),  # windows cut at both ends
]


@pytest.mark.parametrize("start, end", RANGES)
@pytest.mark.parametrize("which", ["windows", "mixed"])
def test_stats_resample_and_episodes_equal_the_lakes_own(
    which: str, start: int, end: int, request: pytest.FixtureRequest
) -> None:
    root: Path = request.getfixturevalue(which)
    lake = open_lake(root)
    with lake.slice(None, start, end, "1h") as part:
        assert part.books == BOOKS and part.num_rows == sum(
            s.rows for s in lake.stats(None, start, end)
        )
        thresholds = (Decimal("0.1"), Decimal("0.35"), Decimal("1.0"))
        assert [s.to_dict() for s in part.stats(thresholds)] == [
            s.to_dict() for s in lake.stats(None, start, end, thresholds)
        ]
        for interval, limits in (("1min", (0.1, 0.5, 1.0)), ("6h", (0.2,))):
            mine = part.resample(interval, limits)
            theirs = lake.resample(interval, None, start, end, limits)
            assert mine.columns == theirs.columns
            assert mine.fetchall() == theirs.fetchall()
        assert part.episodes(RULES) == lake.episodes(start, end, None, list(RULES))


@pytest.mark.parametrize("which", ["windows", "mixed"])
def test_one_depth_pass_gives_the_medians_and_the_buckets(
    which: str, request: pytest.FixtureRequest
) -> None:
    root: Path = request.getfixturevalue(which)
    lake = open_lake(root)
    start, end = RANGES[1]
    with lake.slice(["btc_mxn", "usd_mxn"], start, end, "30min") as part:
        stats = {s.book: s.depth for s in part.stats()}
        assert stats == {s.book: s.depth for s in lake.stats(None, start, end)}
        assert stats["btc_mxn"] and stats["btc_mxn"]["median_slippage_buy_1btc_bp"] is not None
        mine = part.resample_depth("30min").df()
        theirs = lake.resample_depth("30min", None, start, end).df()
    assert set(mine.columns) < set(theirs.columns)  # the report's metrics only
    assert set(KEPT_DEPTH) <= set(mine.columns) and "imbalance_1pct" not in mine.columns
    for column in ("book", "bucket_at", "n_seconds"):
        assert mine[column].tolist() == theirs[column].tolist()
    for column in ("share_diff", "share_orders", "share_none", *KEPT_DEPTH):
        assert mine[column].tolist() == approx(theirs[column].tolist(), nan_ok=True)


def test_the_slice_answers_from_memory_once_read(tmp_path: Path) -> None:
    root = write_lake(tmp_path / "lake")
    lake = open_lake(root)
    start, end = RANGES[1]
    want = (
        [s.to_dict() for s in lake.stats(None, start, end)],
        lake.resample("1h", None, start, end).fetchall(),
        lake.episodes(start, end, None, list(RULES)),
    )
    part = lake.slice(None, start, end)
    shutil.rmtree(root / "spreads")  # every spread file is gone: nothing left to re-read
    with pytest.raises(LakeError):
        lake.stats(None, start, end)
    got = (
        [s.to_dict() for s in part.stats()],
        part.resample("1h").fetchall(),
        part.episodes(RULES),
    )
    assert got == want
    with pytest.raises(LakeError, match="no files in the depth table"):
        part.resample_depth()  # this lake was written without depth rows
    part.close()
