"""The spread_lake_audit tasks: audit -> alert log + loud failure; daily compaction."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from bitsodata.alerts.sinks import read_alert_log
from bitsodata.errors import LakeAuditFailed, LakeError, LakeUnavailable
from bitsodata.lake.layout import daily_key, rollup_key, spread_window_key
from bitsodata.lake.storage import LocalStorage, MemoryStorage
from bitsodata.lake.windowfile import decode_window
from bitsodata.orchestration.lake_tasks import due_compaction, run_audit, run_compaction
from bitsodata.orchestration.runtime import is_retryable
from bitsodata.settings import Settings, load_settings
from tests.orchestration.lakes import at, put_window

BOOK = "btc_mxn"
RUN_END = datetime(2024, 5, 29, 0, 40, tzinfo=UTC)
DAY = date(2024, 5, 29)


def settings(lake: Path, **orch: object) -> Settings:
    return load_settings(
        lake={"url": str(lake)},
        monitor={"books": [BOOK]},
        orchestration={"audit_lookback_seconds": 1800, **orch},
    )


def alerts(storage: LocalStorage) -> list[tuple[str, str, str]]:
    return [
        (e.rule, e.state, datetime.fromtimestamp(e.since, tz=UTC).strftime("%H:%M"))
        for e in read_alert_log(storage, DAY)
    ]


def test_a_complete_lake_passes_and_writes_no_alert(tmp_path: Path) -> None:
    lake = LocalStorage(tmp_path)
    for start in ("00:00", "00:10", "00:20"):
        put_window(lake, BOOK, at(f"2024-05-29T{start}"))
    summary = run_audit(settings(tmp_path), RUN_END)
    assert summary["counts"] == {"complete": 3, "incomplete": 0, "late": 0, "missing": 0}
    assert alerts(lake) == []


def test_problems_fail_the_task_and_land_in_the_alert_log_once(tmp_path: Path) -> None:
    lake = LocalStorage(tmp_path)
    put_window(lake, BOOK, at("2024-05-28T23:50"))  # collecting since before the audited span
    put_window(lake, BOOK, at("2024-05-29T00:10"))
    put_window(lake, BOOK, at("2024-05-29T00:20"), every_nth_missing=3)
    with pytest.raises(LakeAuditFailed) as failure:
        run_audit(settings(tmp_path), RUN_END)
    assert failure.value.counts == {"complete": 1, "incomplete": 1, "late": 0, "missing": 1}
    assert "btc_mxn 2024-05-29T00:00:00+00:00 missing" in str(failure.value)
    assert "btc_mxn 2024-05-29T00:20:00+00:00 incomplete: only 66.7% of rows ok" in str(
        failure.value
    )
    assert not is_retryable(failure.value), "a gap in the lake does not heal by retrying"
    expected = [
        ("lake_window_missing", "FIRING", "00:00"),
        ("lake_window_incomplete", "FIRING", "00:20"),
    ]
    assert alerts(lake) == expected
    with pytest.raises(LakeAuditFailed):  # the next run finds the same problems: no new events
        run_audit(settings(tmp_path), RUN_END)
    assert alerts(lake) == expected


def test_a_repaired_window_resolves_its_alert_once(tmp_path: Path) -> None:
    lake = LocalStorage(tmp_path)
    for start in ("00:00", "00:10"):
        put_window(lake, BOOK, at(f"2024-05-29T{start}"))
    put_window(lake, BOOK, at("2024-05-29T00:20"), count=300)
    with pytest.raises(LakeAuditFailed):
        run_audit(settings(tmp_path), RUN_END)
    put_window(lake, BOOK, at("2024-05-29T00:20"))  # rewritten whole (e.g. journal recovery)
    for _ in range(2):
        summary = run_audit(settings(tmp_path), RUN_END)
        assert summary["counts"]["complete"] == 3
    assert alerts(lake) == [
        ("lake_window_incomplete", "FIRING", "00:20"),
        ("lake_window_incomplete", "RESOLVED", "00:20"),
    ]


class ReadOnlyLake(MemoryStorage):
    """A store whose writes fail (endpoint down): alerts cannot be recorded."""

    def put(self, key: str, data: bytes) -> None:
        raise LakeUnavailable("store down", key=key)


def test_an_alert_log_that_cannot_be_written_is_a_retryable_failure(tmp_path: Path) -> None:
    before = MemoryStorage()
    put_window(before, BOOK, at("2024-05-28T23:50"))  # then the 00:00 window never came
    lake = ReadOnlyLake()
    lake.objects.update(before.objects)
    with pytest.raises(LakeUnavailable) as failure:
        run_audit(settings(tmp_path), RUN_END, storage=lake)
    assert is_retryable(failure.value)


class UnreadableLake(MemoryStorage):
    """Listing works, reading times out (a flaky endpoint)."""

    def get(self, key: str) -> bytes:
        raise LakeUnavailable("read timed out", key=key)


def test_a_window_that_cannot_be_read_now_is_retried_not_judged(tmp_path: Path) -> None:
    lake = UnreadableLake()
    put_window(lake, BOOK, at("2024-05-29T00:10"))
    with pytest.raises(LakeUnavailable):
        run_audit(settings(tmp_path), RUN_END, storage=lake)


def aware(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("run_end", "day"),
    [
        ("2024-05-29T00:40", "2024-05-28"),  # the first run after midnight + 1800 s
        ("2024-05-29T00:20", ""),  # too early: the 28th's late files may still land
        ("2024-05-29T18:00", "2024-05-28"),  # the runs around 00:30 were skipped: made up
        ("2024-05-30T00:40", ""),  # the 29th had no window files: nothing to compact
    ],
)
def test_compaction_is_due_from_the_delay_on_until_it_is_done(
    tmp_path: Path, run_end: str, day: str
) -> None:
    put_window(LocalStorage(tmp_path), BOOK, at("2024-05-28T23:50"))
    assert due_compaction(settings(tmp_path), aware(run_end)) == day


def test_a_compacted_day_is_no_longer_due(tmp_path: Path) -> None:
    put_window(LocalStorage(tmp_path), BOOK, at("2024-05-28T23:50"))
    run_compaction(settings(tmp_path), "2024-05-28")
    assert due_compaction(settings(tmp_path), aware("2024-05-29T00:50")) == ""


def test_compaction_writes_one_sorted_daily_file_and_keeps_the_windows(tmp_path: Path) -> None:
    lake = LocalStorage(tmp_path)
    keys = [put_window(lake, BOOK, at("2024-05-28T23:50")),
            put_window(lake, BOOK, at("2024-05-28T00:00"), fmt="csv"),
            put_window(lake, BOOK, at("2024-05-28T13:20"), count=100),
            put_window(lake, BOOK, at("2024-05-29T00:00"))]  # fmt: skip
    lake.put("spreads/btc_mxn/date=2024-05-28/hour=13/notes.txt", b"not a window")
    before = {key: lake.get(key) for key in keys}
    summary = run_compaction(settings(tmp_path), "2024-05-28")
    assert summary["books"] == [
        {"book": BOOK, "day": "2024-05-28", "key": daily_key(BOOK, date(2024, 5, 28)),
         "windows": 3, "rows": 1300, "rollup": rollup_key(BOOK, date(2024, 5, 28))}
    ]  # fmt: skip
    rows = decode_window(lake.get(daily_key(BOOK, date(2024, 5, 28))), "parquet")
    ticks = [r.tick for r in rows]
    assert ticks == sorted(ticks) and len(set(ticks)) == 1300
    assert ticks[0] == at("2024-05-28T00:00") and ticks[-1] == at("2024-05-28T23:59") + 59
    assert {key: lake.get(key) for key in keys} == before, "window files must stay untouched"
    first = lake.get(daily_key(BOOK, date(2024, 5, 28)))
    run_compaction(settings(tmp_path), "2024-05-28")
    assert lake.get(daily_key(BOOK, date(2024, 5, 28))) == first, "a re-run rewrites the same file"


def test_compaction_writes_the_days_minute_rollups(tmp_path: Path) -> None:
    lake = LocalStorage(tmp_path)
    put_window(lake, BOOK, at("2024-05-28T10:00"), every_nth_missing=7)
    put_window(lake, BOOK, at("2024-05-28T10:10"), count=90)
    run_compaction(settings(tmp_path), "2024-05-28")
    key = rollup_key(BOOK, date(2024, 5, 28))
    minutes = pq.read_table(io.BytesIO(lake.get(key)))
    assert minutes.schema.metadata[b"bitsodata.windows"] == b"2"
    assert minutes.schema.metadata[b"bitsodata.thresholds"] == b"0.1,0.5,1.0"
    assert minutes.num_rows == 12  # 10 whole minutes, then 60 + 30 seconds
    assert minutes.column("n_seconds").to_pylist() == [60] * 11 + [30]
    assert sum(minutes.column("n_missing").to_pylist()) == sum(
        1 for t in range(at("2024-05-28T10:00"), at("2024-05-28T10:10")) if t % 7 == 0
    )
    first = lake.get(key)
    run_compaction(settings(tmp_path), "2024-05-28")
    assert lake.get(key) == first, "a re-run rewrites the same rollup file"


def test_a_compacted_day_without_rollups_is_due_again(tmp_path: Path) -> None:
    lake = LocalStorage(tmp_path)
    put_window(lake, BOOK, at("2024-05-28T23:50"))
    run_compaction(settings(tmp_path), "2024-05-28")
    lake.delete(rollup_key(BOOK, date(2024, 5, 28)))  # compacted before rollups existed
    assert due_compaction(settings(tmp_path), aware("2024-05-29T00:50")) == "2024-05-28"
    run_compaction(settings(tmp_path), "2024-05-28")
    assert lake.exists(rollup_key(BOOK, date(2024, 5, 28)))


def test_the_parquet_copy_wins_when_a_window_exists_in_both_formats(tmp_path: Path) -> None:
    lake = LocalStorage(tmp_path)
    start = at("2024-05-28T10:00")
    put_window(lake, BOOK, start, fmt="csv", count=10)
    put_window(lake, BOOK, start)
    summary = run_compaction(settings(tmp_path), date(2024, 5, 28))
    assert summary["books"][0]["rows"] == 600


def test_a_day_without_windows_writes_nothing(tmp_path: Path) -> None:
    summary = run_compaction(settings(tmp_path), "2024-05-28")
    assert summary["books"][0]["key"] is None
    assert not LocalStorage(tmp_path).list("spreads_daily/")


def test_an_unreadable_window_fails_the_compaction(tmp_path: Path) -> None:
    lake = LocalStorage(tmp_path)
    lake.put(spread_window_key(BOOK, at("2024-05-28T10:00")), b"garbage")
    with pytest.raises(LakeError):
        run_compaction(settings(tmp_path), "2024-05-28")
    assert not lake.list("spreads_daily/")
