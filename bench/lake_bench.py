"""Lake query benchmark: ``spread stats`` over 30 days x 2 books of 1 Hz rows (~5.2 M rows in
8,640 ten-minute Parquet window files), against pandas reading the same data as CSV files.

Timed twice: over the window files alone, and after
``orchestration.compaction.compact_day`` merged each day into one file (what the daily lake audit
does). ``run(quick=True)`` uses one day instead of 30. Data is generated with numpy straight into
Arrow tables with the lake schema and encoded by the lake's own encoder (``encode_table``).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from bitsodata.domain.windows import iso_second
from bitsodata.lake import synthetic
from bitsodata.lake.layout import spread_window_key
from bitsodata.lake.source import day_of
from bitsodata.lake.stats import DEFAULT_THRESHOLDS, spread_stats
from bitsodata.lake.storage import LocalStorage
from bitsodata.lake.windowfile import encode_table
from bitsodata.orchestration.compaction import compact_day

DAY = 86_400
WINDOW = 600
START = 1_714_521_600  # 2024-05-01T00:00:00Z
BOOKS = ("btc_mxn", "usd_mxn")


def _day_table(book: str, day_start: int, rng: np.random.Generator) -> pa.Table:
    return synthetic.day_table(book, day_start, rng)


def generate(root: Path, csv_root: Path, days: int) -> int:
    """Window files (Parquet under ``root``, CSV under ``csv_root``); returns the row count."""
    rng = np.random.default_rng(7)
    rows = 0
    for book in BOOKS:
        for day in range(days):
            table = _day_table(book, START + day * DAY, rng)
            rows += table.num_rows
            for i in range(DAY // WINDOW):
                start = START + day * DAY + i * WINDOW
                part = table.slice(i * WINDOW, WINDOW)
                for base, fmt in ((root, "parquet"), (csv_root, "csv")):
                    path = base / spread_window_key(book, start, fmt)
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(encode_table(part, fmt))
    return rows


def pandas_stats(csv_root: Path, book: str, start: int, end: int) -> dict[str, Any]:
    """The baseline: read every CSV file of the book, concatenate, filter, compute."""
    files = sorted((csv_root / "spreads" / book).rglob("*.csv"))
    frame = pd.concat((pd.read_csv(f) for f in files), ignore_index=True)
    inside = frame[
        (frame["orderbook_timestamp"] >= iso_second(start))
        & (frame["orderbook_timestamp"] < iso_second(end))
    ]
    spread = inside["spread"].dropna()
    return {
        "rows": len(inside),
        "missing": int((inside["status"] == "missing").sum()),
        "quantiles": spread.quantile([0.5, 0.95, 0.99]).tolist(),
        "above": [int((spread > float(t)).sum()) for t in DEFAULT_THRESHOLDS],
    }


def _timed(fn: Any, *args: Any) -> tuple[float, Any]:
    began = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - began, out


def _cli_seconds(root: Path, book: str, start: int, end: int) -> float:
    cmd = [sys.executable, "-m", "bitsodata", "spread", "stats", "--book", book]
    cmd += ["--from", str(start), "--to", str(end), "--lake", str(root), "--format", "json"]
    began = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - began


def _per_book(fn: Any, root: Path, end: int, repeat: int = 3) -> dict[str, tuple[float, Any]]:
    """Book -> (median seconds of ``repeat`` calls, result) of ``fn(root, book, START, end)``."""
    out = {}
    for book in BOOKS:
        runs = [_timed(fn, root, book, START, end) for _ in range(repeat)]
        out[book] = (statistics.median(t for t, _r in runs), runs[0][1])
    return out


def _compact_all(root: Path, days: int) -> int:
    storage = LocalStorage(root)
    for book in BOOKS:
        for day in range(days):
            compact_day(storage, book, day_of(START + day * DAY))
    return days * len(BOOKS)


def _figure(name: str, seconds: float, notes: str, baseline: float | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "value": seconds * 1000,
        "unit": "ms",
        "target": "<= 1000 ms",
        "baseline": None if baseline is None else baseline * 1000,
        "passed": seconds <= 1.0,
        "notes": notes,
    }


def run(quick: bool) -> list[dict[str, Any]]:
    days = 1 if quick else 30
    end = START + days * DAY
    with tempfile.TemporaryDirectory(prefix="lake-bench-") as tmp:
        root, csv_root = Path(tmp) / "lake", Path(tmp) / "csv"
        gen_s, rows = _timed(generate, root, csv_root, days)
        raw = _per_book(spread_stats, root, end)
        base = _per_book(pandas_stats, csv_root, end, repeat=1)
        compact_s, _n = _timed(_compact_all, root, days)
        done = _per_book(spread_stats, root, end)
        cli_s = _cli_seconds(root, BOOKS[0], START, end)
    for book in BOOKS:
        got, want, again = done[book][1], base[book][1], raw[book][1]
        assert want["rows"] == got.rows == again.rows and want["missing"] == got.missing_rows
        assert want["above"] == list(got.seconds_above.values())
    size = f"{days} day(s) x {len(BOOKS)} books, {rows:,} rows, {rows // WINDOW:,} window files"
    one, pandas_s = BOOKS[0], base[BOOKS[0]][0]
    name = f"spread stats --book {one}, whole range (median of 3)"
    both_s = sum(t for t, _r in done.values())
    return [
        _figure(
            f"{name}, days compacted",
            done[one][0],
            f"{size}; compacting {days * len(BOOKS)} book-days took {compact_s:.1f} s; "
            "baseline = pandas over the same rows as CSV files",
            pandas_s,
        ),
        _figure(
            f"{name}, window files only",
            raw[one][0],
            f"{size}; before compaction; baseline = pandas over CSV files",
            pandas_s,
        ),
        _figure(
            "spread stats of both books, days compacted (sum of 2 commands)",
            both_s,
            f"{size}; every row of the lake",
            sum(t for t, _r in base.values()),
        ),
        {
            "name": f"spread stats CLI --book {one}, wall time incl. Python start-up",
            "value": cli_s * 1000,
            "unit": "ms",
            "target": "",
            "passed": None,
            "notes": f"{size}; days compacted",
        },
        {
            "name": "pandas over CSV / spread stats (days compacted), time ratio",
            "value": pandas_s / done[one][0],
            "unit": "x",
            "target": "",
            "passed": None,
            "notes": f"pandas {pandas_s:.2f} s; window files only: "
            f"{pandas_s / raw[one][0]:.1f}x; data generation {gen_s:.1f} s",
        },
    ]


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(row)
