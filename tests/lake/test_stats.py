"""``spread_stats`` against a direct computation over the same observations."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bitsodata.domain.observation import Observation
from bitsodata.errors import LakeError
from bitsodata.lake.stats import SpreadStats, parse_thresholds, spread_stats
from bitsodata.lake.storage import LocalStorage
from bitsodata.lake.windowfile import write_window
from tests.lake.helpers import DAY0, STARTS, build_lake, window


def direct(
    rows: list[Observation], start: int, end: int, thresholds: list[Decimal]
) -> dict[str, Any]:
    """The same figures computed in plain Python/numpy, the obvious way."""
    inside = [o for o in rows if start <= o.tick < end]
    spreads = np.array([float(o.spread) for o in inside if o.spread is not None])
    return {
        "rows": len(inside),
        "missing_rows": sum(o.status == "missing" for o in inside),
        "absent_seconds": (end - start) - len(inside),
        "spread_min": spreads.min(),
        "spread_mean": spreads.mean(),
        "spread_p50": np.percentile(spreads, 50),
        "spread_p95": np.percentile(spreads, 95),
        "spread_p99": np.percentile(spreads, 99),
        "spread_max": spreads.max(),
        "seconds_above": {
            t: sum(o.spread is not None and o.spread > t for o in inside) for t in thresholds
        },
    }


def check(stats: SpreadStats, expected: dict[str, Any]) -> None:
    for name, value in expected.items():
        got = getattr(stats, name)
        assert got == (pytest.approx(value, rel=1e-9) if isinstance(value, float) else value), name


def test_stats_match_a_direct_computation(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    rows = build_lake(storage)
    start, end = DAY0 - 300, DAY0 + 4000  # a gap (DAY0+600 .. DAY0+3000) has no files at all
    thresholds = [Decimal("0.1"), Decimal("0.5"), Decimal("1.0"), Decimal("0.25")]
    stats = spread_stats(storage, "btc_mxn", start, end, thresholds)
    expected = direct(rows["btc_mxn"], start, end, thresholds)
    check(stats, expected)
    assert stats.absent_seconds == 2400 and stats.rows == 1900
    assert stats.missing_pct == pytest.approx(100 * expected["missing_rows"] / 1900)
    assert 0 < stats.seconds_above[Decimal("1.0")] < stats.seconds_above[Decimal("0.1")]


def test_stats_of_a_csv_window_match_too(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    rows = build_lake(storage)
    start, end = STARTS[0], STARTS[0] + 600  # usd_mxn's CSV window
    expected = direct(rows["usd_mxn"], start, end, [Decimal("0.1"), Decimal("0.5"), Decimal("1.0")])
    check(spread_stats(storage, "usd_mxn", start, end), expected)


def test_stats_over_a_range_without_rows_are_empty_not_an_error(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    write_window(storage, "btc_mxn", DAY0 + 3600, window("btc_mxn", DAY0 + 3600))
    stats = spread_stats(storage, "btc_mxn", DAY0, DAY0 + 60)
    assert stats.rows == 0 and stats.missing_pct == 0.0 and stats.absent_seconds == 60
    assert stats.spread_p99 is None and stats.seconds_above == dict.fromkeys(
        (Decimal("0.1"), Decimal("0.5"), Decimal("1.0")), 0
    )
    assert stats.to_dict()["from"] == "2024-05-05T00:00:00+00:00"


@pytest.mark.parametrize("text", ["", "a", "0.1,-1", "nan"])
def test_bad_thresholds_are_refused(text: str) -> None:
    with pytest.raises(LakeError):
        parse_thresholds(text)


def test_thresholds_parse() -> None:
    assert parse_thresholds(" 0.1, 2 ,0.05") == (Decimal("0.1"), Decimal("2"), Decimal("0.05"))
