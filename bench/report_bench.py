"""Report benchmark: ``spread report`` over 30 days x 2 books of 1 Hz rows (~5.2 M rows in 8,640
ten-minute Parquet window files, from the lake benchmark's generator), target <= 5 s; then again
with a ``depth/`` table beside it (one row a second per book, the default sizes' columns).

Timed in-process (build the report data from the analysis API, render, write) on the window files,
then again after each day is compacted, and once as the CLI's wall time; with depth rows: compacted
spreads beside depth window files, both tables compacted, and both as window files only (the
slowest case: 17,280 files). Each figure notes the load average it ran under (the machine is
shared). ``run(quick=True)`` uses one day.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from bench.lake_bench import BOOKS, DAY, START, WINDOW, _compact_all
from bitsodata.domain.depth import parse_size
from bitsodata.domain.windows import iso_second
from bitsodata.lake import synthetic
from bitsodata.lake.depthfile import depth_schema
from bitsodata.lake.layout import window_key
from bitsodata.lake.source import day_of
from bitsodata.lake.storage import LocalStorage
from bitsodata.orchestration.compaction import compact_depth_day

TARGET_S = 5.0


def generate(root: Path, days: int) -> int:
    """Parquet window files of both books over ``days`` days; returns the row count."""
    rng = np.random.default_rng(7)
    storage = LocalStorage(root, durable=False)
    for book in BOOKS:
        for day in range(days):
            day_start = START + day * DAY
            table = synthetic.day_table(book, day_start, rng)
            synthetic.write_day(storage, table, book, day_start, WINDOW)
    return len(BOOKS) * days * DAY


DEPTH_SIZES = {"btc_mxn": ("0.1 btc", "1 btc"), "usd_mxn": ("1000 usd", "10000 usd")}


def _depth_day(book: str, day_start: int, rng: np.random.Generator) -> pa.Table:
    """A day of depth rows (the collector's schema for the default sizes) with random values."""
    sizes = tuple(parse_size(s, book) for s in DEPTH_SIZES[book])
    schema = depth_schema(sizes)
    ticks = np.arange(day_start, day_start + DAY, dtype=np.int64)
    roll = rng.random(DAY)
    source = np.where(roll < 0.03, None, np.where(roll < 0.2, "orders", "diff"))
    columns: dict[str, Any] = {
        "orderbook_timestamp": pa.array([iso_second(int(t)) for t in ticks], pa.string()),
        "book": pa.array([book] * DAY, pa.string()),
        "observed_at": pa.array(ticks * 1_000_000).cast(schema.field("observed_at").type),
        "depth_source": pa.array(source.tolist(), pa.string()),
        "sequence": pa.array(ticks - day_start),
        "received_at": pa.array(ticks * 1_000_000 - 200_000).cast(schema.field("received_at").type),
        "age_ms": pa.array(np.full(DAY, 200, dtype=np.int64)),
        "levels_bid": pa.array(np.full(DAY, 400, dtype=np.int64)),
        "levels_ask": pa.array(np.full(DAY, 400, dtype=np.int64)),
    }
    for name in schema.names[len(columns) :]:
        columns[name] = pa.array(rng.gamma(2.0, 5.0, DAY))
    return pa.table(columns, schema=schema)


def generate_depth(root: Path, days: int) -> int:
    """Depth window files beside the spread files of ``generate``; returns the row count."""
    rng = np.random.default_rng(11)
    rows = 0
    for book in BOOKS:
        for day in range(days):
            table = _depth_day(book, START + day * DAY, rng)
            rows += table.num_rows
            for i in range(DAY // WINDOW):
                start = START + day * DAY + i * WINDOW
                path = root / window_key("depth", book, start, "parquet")
                path.parent.mkdir(parents=True, exist_ok=True)
                pq.write_table(table.slice(i * WINDOW, WINDOW), path, compression="zstd")
    return rows


def _compact_depth(root: Path, days: int) -> None:
    storage = LocalStorage(root)
    for book in BOOKS:
        for day in range(days):
            compact_depth_day(storage, book, day_of(START + day * DAY))


def _uncompact(root: Path) -> None:
    """Back to window files only: every derived table (day files, rollups) removed."""
    for folder in root.iterdir():
        if folder.name not in ("spreads", "depth"):
            shutil.rmtree(folder)


def _report_once(root: Path, out: Path, end: int) -> tuple[float, Any]:
    from bitsodata import analysis
    from bitsodata.report.write import write_report

    began = time.perf_counter()
    written = write_report(
        analysis.open_lake(str(root)),
        out,
        list(BOOKS),
        datetime.fromtimestamp(START, UTC),
        datetime.fromtimestamp(end, UTC),
    )
    return time.perf_counter() - began, written


def _median(root: Path, out: Path, end: int, repeat: int = 3) -> tuple[float, Any, float]:
    """(median seconds, the last report written, the 1-minute load average after the runs)."""
    runs = [_report_once(root, out, end) for _ in range(repeat)]
    return statistics.median(t for t, _w in runs), runs[-1][1], os.getloadavg()[0]


def _cli_seconds(root: Path, out: Path, end: int) -> float:
    cmd = [sys.executable, "-m", "bitsodata", "spread", "report", "--lake", str(root)]
    cmd += ["--from", str(START), "--to", str(end), "--out", str(out)]
    began = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - began


def _figure(
    name: str, seconds: float, notes: str, target: float | None = TARGET_S
) -> dict[str, Any]:
    return {
        "name": name,
        "value": seconds * 1000,
        "unit": "ms",
        "target": None if target is None else f"<= {target * 1000:.0f} ms",
        "passed": None if target is None else seconds <= target,
        "notes": notes,
    }


def run(quick: bool) -> list[dict[str, Any]]:
    days = 1 if quick else 30
    end = START + days * DAY
    with tempfile.TemporaryDirectory(prefix="report-bench-") as tmp:
        root, out = Path(tmp) / "lake", Path(tmp) / "report.html"
        gen_began = time.perf_counter()
        rows = generate(root, days)
        gen_s = time.perf_counter() - gen_began
        raw_s, written, raw_load = _median(root, out, end)
        _compact_all(root, days)
        done_s, _w, done_load = _median(root, out, end)
        cli_s = _cli_seconds(root, out, end)
        cli_load = os.getloadavg()[0]
        generate_depth(root, days)
        depth_s, with_depth, depth_load = _median(root, out, end)
        _compact_depth(root, days)
        both_s, _w, both_load = _median(root, out, end)
        _uncompact(root)
        raw_depth_s, _w, raw_depth_load = _median(root, out, end, repeat=1)
    size = f"{days} day(s) x {len(BOOKS)} books, {rows:,} rows, {rows // WINDOW:,} window files"
    cores = os.cpu_count()
    page = (
        f"page {written.size / 1e6:.1f} MB, chart buckets of {written.data.interval.name}; "
        f"data generation {gen_s:.1f} s"
    )

    def load(value: float) -> str:
        return f"load average {value:.1f} on {cores} cores"

    depth = f"{size}, plus as many depth rows; page {with_depth.size / 1e6:.1f} MB"
    return [
        _figure(
            "spread report, window files only (median of 3)",
            raw_s,
            f"{size}; {page}; {load(raw_load)}",
        ),
        _figure(
            "spread report, days compacted (median of 3)",
            done_s,
            f"{size}; {page}; {load(done_load)}",
        ),
        _figure(
            "spread report CLI, wall time incl. Python start-up",
            cli_s,
            f"{size}; compacted; {load(cli_load)}",
        ),
        _figure(
            "spread report with depth/ beside spreads/ (median of 3)",
            depth_s,
            f"{depth}; spreads compacted, depth in window files; {load(depth_load)}",
            None,
        ),
        _figure(
            "spread report with depth/, both compacted (median of 3)",
            both_s,
            f"{depth}; spreads_daily/ and depth_daily/; {load(both_load)}",
            None,
        ),
        _figure(
            "spread report with depth/, window files only (one run)",
            raw_depth_s,
            f"{depth}; {2 * rows // WINDOW:,} window files; {load(raw_depth_load)}",
            None,
        ),
    ]


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(row)
