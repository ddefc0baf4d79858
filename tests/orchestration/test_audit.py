"""The lake audit: which windows are due, and the verdict on each one."""

from __future__ import annotations

import pytest

from bitsodata.lake.layout import spread_window_key
from bitsodata.lake.storage import MemoryStorage
from bitsodata.lake.windowfile import encode_window, write_window
from bitsodata.orchestration.audit import AuditPolicy, audit_lake, due_windows, inspect_window
from tests.orchestration.lakes import WINDOW, at, ok, put_window, rows

BOOK = "btc_mxn"
POLICY = AuditPolicy(books=(BOOK,), window_seconds=WINDOW, lookback_seconds=1800)


@pytest.mark.parametrize(
    ("run_end", "expected"),
    [
        # due = end of window + 120 s grace; due in (run_end - 1800, run_end]
        ("2024-05-29T00:40", ["2024-05-29T00:00", "2024-05-29T00:10", "2024-05-29T00:20"]),
        ("2024-05-29T00:32", ["2024-05-29T00:00", "2024-05-29T00:10", "2024-05-29T00:20"]),
        ("2024-05-29T00:31", ["2024-05-28T23:50", "2024-05-29T00:00", "2024-05-29T00:10"]),
    ],
)
def test_due_windows_are_the_ones_closed_plus_grace_within_the_lookback(
    run_end: str, expected: list[str]
) -> None:
    assert due_windows(at(run_end), POLICY) == [at(s) for s in expected]


def test_consecutive_runs_audit_every_window_when_lookback_equals_the_interval() -> None:
    policy = AuditPolicy(books=(BOOK,), window_seconds=WINDOW, lookback_seconds=600)
    seen = [s for end in range(at("2024-05-29T00:00"), at("2024-05-29T03:00"), 600)
            for s in due_windows(end, policy)]  # fmt: skip
    assert seen == sorted(set(seen)), "a window audited twice"
    assert len(seen) == 18 and all(s % WINDOW == 0 for s in seen)


def test_a_whole_window_of_ok_rows_is_complete() -> None:
    store = MemoryStorage()
    start = at("2024-05-29T00:10")
    key = put_window(store, BOOK, start)
    verdict = inspect_window(store, BOOK, start, at("2024-05-29T00:40"), POLICY)
    assert (verdict.outcome, verdict.key, verdict.rows, verdict.ok_share) == (
        "complete",
        key,
        600,
        1.0,
    )


def test_too_few_rows_is_incomplete() -> None:
    store = MemoryStorage()
    start = at("2024-05-29T00:10")
    put_window(store, BOOK, start, count=590)
    verdict = inspect_window(store, BOOK, start, at("2024-05-29T00:40"), POLICY)
    assert verdict.outcome == "incomplete"
    assert "590 rows for 600 seconds (10 s without a row)" in verdict.reason


def test_a_repeated_second_is_incomplete_even_with_600_rows() -> None:
    store = MemoryStorage()
    start = at("2024-05-29T00:10")
    doubled = [ok(BOOK, start), *rows(BOOK, start, count=599)]
    store.put(spread_window_key(BOOK, start), encode_window(doubled, "parquet"))
    verdict = inspect_window(store, BOOK, start, at("2024-05-29T00:40"), POLICY)
    assert (verdict.outcome, verdict.rows) == ("incomplete", 600)


def test_too_few_ok_rows_is_incomplete() -> None:
    store = MemoryStorage()
    start = at("2024-05-29T00:10")
    put_window(store, BOOK, start, every_nth_missing=5)  # 80 % ok < 90 %
    verdict = inspect_window(store, BOOK, start, at("2024-05-29T00:40"), POLICY)
    assert verdict.outcome == "incomplete"
    assert verdict.ok_share == pytest.approx(0.8)
    assert "only 80.0% of rows ok (minimum 90.0%)" in verdict.reason


def test_an_absent_window_is_late_first_and_missing_later() -> None:
    store = MemoryStorage()
    start = at("2024-05-29T00:10")  # due at 00:22; missing 900 s after that
    assert inspect_window(store, BOOK, start, at("2024-05-29T00:30"), POLICY).outcome == "late"
    assert inspect_window(store, BOOK, start, at("2024-05-29T00:36"), POLICY).outcome == "late"
    verdict = inspect_window(store, BOOK, start, at("2024-05-29T00:37"), POLICY)
    assert verdict.outcome == "missing"
    assert verdict.reason == "no window file 1020 s after the window closed"


def test_a_csv_window_counts_when_parquet_is_the_default() -> None:
    store = MemoryStorage()
    start = at("2024-05-29T00:10")
    key = put_window(store, BOOK, start, fmt="csv")
    verdict = inspect_window(store, BOOK, start, at("2024-05-29T00:40"), POLICY)
    assert (verdict.outcome, verdict.key) == ("complete", key)


def test_an_unreadable_file_is_incomplete() -> None:
    store = MemoryStorage()
    start = at("2024-05-29T00:10")
    store.put(spread_window_key(BOOK, start), b"not parquet")
    verdict = inspect_window(store, BOOK, start, at("2024-05-29T00:40"), POLICY)
    assert verdict.outcome == "incomplete"
    assert verdict.reason.startswith("unreadable file")


def test_the_report_covers_every_book_and_due_window() -> None:
    store = MemoryStorage()
    policy = AuditPolicy(books=("btc_mxn", "usd_mxn"), window_seconds=WINDOW, lookback_seconds=1800)
    for start in due_windows(at("2024-05-29T00:40"), policy):
        put_window(store, "btc_mxn", start)
    put_window(store, "usd_mxn", at("2024-05-28T23:50"))  # collecting before the audited span
    put_window(store, "usd_mxn", at("2024-05-29T00:10"), every_nth_missing=2)
    report = audit_lake(store, at("2024-05-29T00:40"), policy)
    assert report.counts() == {"complete": 3, "incomplete": 1, "late": 1, "missing": 1}
    assert [(v.book, v.outcome) for v in report.problems] == [
        ("usd_mxn", "missing"),
        ("usd_mxn", "incomplete"),
        ("usd_mxn", "late"),
    ]
    summary = report.to_dict()
    assert summary["problems"][0]["window_start"] == "2024-05-29T00:00:00+00:00"


def test_windows_before_the_collector_ever_ran_are_not_incidents() -> None:
    store = MemoryStorage()
    first = at("2024-05-29T00:20")
    # the collector started at 00:25:00: the first file's first 300 seconds are `missing`
    tail = rows(BOOK, first + 300, count=300)
    head = rows(BOOK, first, every_nth_missing=1, count=300)
    write_window(store, BOOK, first, head + tail, "parquet")
    report = audit_lake(store, at("2024-05-29T00:40"), POLICY)
    assert [(v.start, v.outcome) for v in report.verdicts] == [(first, "complete")]
    assert report.problems == ()


def test_a_lake_without_any_file_of_the_book_owes_nothing() -> None:
    report = audit_lake(MemoryStorage(), at("2024-05-29T00:40"), POLICY)
    assert report.verdicts == () and report.counts()["missing"] == 0


def test_a_gap_after_the_first_observation_is_still_an_incident() -> None:
    store = MemoryStorage()
    put_window(store, BOOK, at("2024-05-29T00:00"))
    start = at("2024-05-29T00:10")
    damaged = rows(BOOK, start, every_nth_missing=2)  # half the seconds missing
    write_window(store, BOOK, start, damaged, "parquet")
    report = audit_lake(store, at("2024-05-29T00:40"), POLICY)
    outcomes = {v.start: v.outcome for v in report.verdicts}
    assert outcomes == {
        at("2024-05-29T00:00"): "complete",
        start: "incomplete",
        at("2024-05-29T00:20"): "late",  # absent, due 10 minutes ago
    }
