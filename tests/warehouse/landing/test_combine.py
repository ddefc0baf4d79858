"""Joining daily batch folders: the same rows once, and the same warehouse as day by day."""

from __future__ import annotations

from pathlib import Path

import pytest

from bitsodata.errors import WarehouseError
from bitsodata.sample import generate
from bitsodata.warehouse.db import connect
from bitsodata.warehouse.landing.combine import combine_days
from bitsodata.warehouse.landing.split import land
from bitsodata.warehouse.load.loader import load_batch
from tests.warehouse.conftest import snapshot


@pytest.fixture(scope="module")
def days(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The first 12 day folders of a landed sample with late rows."""
    source, landing = tmp_path_factory.mktemp("source"), tmp_path_factory.mktemp("landing")
    generate(source, seed=3, scale=0.03)
    land(source, landing, late_share=0.2, late_days=2, seed=4)
    return sorted(landing.glob("date=*"))[:12]


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines()


def test_each_file_has_one_header_then_every_day_in_order(days: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "history"
    written = combine_days(days, out)
    names = sorted({p.name for d in days for p in d.glob("*.csv")})
    assert sorted(p.name for p in out.iterdir()) == names
    for name in names:
        parts = [_lines(d / name) for d in days if (d / name).is_file()]
        assert _lines(out / name) == [parts[0][0]] + [ln for part in parts for ln in part[1:]]
        assert written[name] == sum(len(part) - 1 for part in parts)


def test_history_batch_then_daily_batches_equal_every_day_one_by_one(
    days: list[Path], tmp_path: Path
) -> None:
    daily = connect(str(tmp_path / "daily.duckdb"))
    for folder in days:
        load_batch(daily, folder)
    combined = connect(str(tmp_path / "combined.duckdb"))
    combine_days(days[:9], tmp_path / "history")
    load_batch(combined, tmp_path / "history")
    for folder in days[9:]:
        load_batch(combined, folder)
    try:
        assert snapshot(combined) == snapshot(daily)
    finally:
        daily.close()
        combined.close()


def test_a_last_line_without_newline_does_not_join_the_next_day(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "user_id_sample_data.csv").write_bytes(b"user_id\nu1")
    (b / "user_id_sample_data.csv").write_bytes(b"user_id\nu2\n")
    combine_days([a, b], tmp_path / "out")
    assert _lines(tmp_path / "out" / "user_id_sample_data.csv") == [b"user_id", b"u1", b"u2"]


def test_different_headers_are_refused_and_the_target_is_left_as_it_was(tmp_path: Path) -> None:
    a, b, out = tmp_path / "a", tmp_path / "b", tmp_path / "out"
    for folder in (a, b, out):
        folder.mkdir()
    (a / "user_id_sample_data.csv").write_bytes(b"user_id\nu1\n")
    (b / "user_id_sample_data.csv").write_bytes(b"id\nu2\n")
    (out / "keep.txt").write_text("previous")
    with pytest.raises(WarehouseError, match="different headers"):
        combine_days([a, b], out)
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
