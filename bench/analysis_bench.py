"""Analysis API benchmark: resampling 30 days x 2 books of 1 Hz rows to one minute, side by side
with pandas reading the same Parquet lake's rows; and a one-book one-day question on an S3 lake
(moto's server on loopback) against the same question on the local lake, counting GET requests.

The API is timed twice: on the window files alone (the lake before its nightly compaction) and on
the lake as the system keeps it (compaction has written each day's ``spreads_daily/`` file and its
``spreads_minute/`` rollups, which ``Lake.resample`` reads at whole minutes). pandas reads rows
(it has no use for the rollups): once the window files, once the compacted day files.

``run(quick=True)`` uses 2 days instead of 30. Data: ``bitsodata.lake.synthetic`` (numpy) written
as 10-minute window files by the lake's own encoder.
"""

from __future__ import annotations

import socket
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import boto3
import numpy as np
import pandas as pd
from moto.server import ThreadedMotoServer
from pydantic import SecretStr

from bitsodata.analysis import open_lake
from bitsodata.lake import synthetic
from bitsodata.lake.s3 import S3Storage
from bitsodata.lake.source import day_of
from bitsodata.lake.storage import LocalStorage
from bitsodata.orchestration.compaction import compact_day
from bitsodata.settings import LakeSettings

DAY = 86_400
START = 1_714_521_600  # 2024-05-01T00:00:00Z
BOOKS = ("btc_mxn", "usd_mxn")


def generate(root: Path, days: int) -> int:
    rng = np.random.default_rng(11)
    storage = LocalStorage(root, durable=False)
    files = 0
    for book in BOOKS:
        for day in range(days):
            table = synthetic.day_table(book, START + day * DAY, rng)
            files += synthetic.write_day(storage, table, book, START + day * DAY)
    return files


def _median(fn: Any, repeat: int = 3) -> tuple[float, Any]:
    runs = []
    out = None
    for _ in range(repeat):
        began = time.perf_counter()
        out = fn()
        runs.append(time.perf_counter() - began)
    return statistics.median(runs), out


def api_minutes(root: Path) -> pd.DataFrame:
    with open_lake(root) as lake:
        return lake.resample("1min").df()


def pandas_minutes(folder: Path) -> pd.DataFrame:
    """The baseline an analyst would write: read the files, group by book and minute."""
    frame = pd.read_parquet(folder, columns=["book", "observed_at", "spread", "status"])
    frame["bucket_at"] = frame["observed_at"].dt.floor("min")
    frame["is_missing"] = frame["status"] == "missing"
    grouped = frame.groupby([frame["book"].astype(str), "bucket_at"])
    out = grouped["spread"].agg(["first", "max", "min", "last", "mean"])
    out["share_missing"] = grouped["is_missing"].mean()
    return out.reset_index()


def compact_all(root: Path, days: int) -> None:
    """What the lake audit does each night: one file per book per day, and its minute rollups."""
    storage = LocalStorage(root)
    for book in BOOKS:
        for day in range(days):
            compact_day(storage, book, day_of(START + day * DAY))


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def s3_question(root: Path) -> dict[str, Any]:
    """Upload the lake, then ask one book's one day on S3 and locally."""
    port = _port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        url = f"http://127.0.0.1:{port}"
        boto3.client(
            "s3", endpoint_url=url, region_name="us-east-1",
            aws_access_key_id="bench", aws_secret_access_key="bench",
        ).create_bucket(Bucket="bench")  # fmt: skip
        settings = LakeSettings(
            url="s3://bench/lake", s3_endpoint_url=url,
            s3_access_key_id=SecretStr("bench"), s3_secret_access_key=SecretStr("bench"),
        )  # fmt: skip
        remote = S3Storage.from_settings(settings)
        local = LocalStorage(root)
        keys = local.list("spreads/")
        for key in keys:
            remote.put(key, local.get(key))
        gets: list[str] = []
        remote._client.meta.events.register(
            "before-send.s3.GetObject", lambda request, **_: gets.append(request.url)
        )
        day = START + DAY

        def ask(source: Any) -> Any:
            with open_lake(source) as lake:
                return lake.stats("btc_mxn", day, day + DAY)

        s3_s, s3_stats = _median(lambda: ask(remote), repeat=1)
        local_s, local_stats = _median(lambda: ask(root))
        assert s3_stats[0].rows == local_stats[0].rows == DAY
        return {"gets": len(gets), "files": len(keys), "s3_s": s3_s, "local_s": local_s}
    finally:
        server.stop()


def _same(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    return bool(a.equals(b))


def run(quick: bool) -> list[dict[str, Any]]:
    days = 2 if quick else 30
    with tempfile.TemporaryDirectory(prefix="analysis-bench-") as tmp:
        root = Path(tmp) / "lake"
        files = generate(root, days)
        raw_s, raw = _median(lambda: api_minutes(root))
        pandas_s, base = _median(lambda: pandas_minutes(root / "spreads"), repeat=1)
        compact_all(root, days)
        api_s, api = _median(lambda: api_minutes(root))
        pandas_daily_s, _ = _median(lambda: pandas_minutes(root / "spreads_daily"), repeat=1)
        assert _same(api, raw), "the rollups must give the rows' answers exactly"
        for got in (raw, api):
            assert len(got) == len(base) == days * len(BOOKS) * 1440
            assert np.allclose(got["mean"], base["mean"], equal_nan=True)
            assert np.allclose(got["share_missing"], base["share_missing"])
        s3 = s3_question(root)
    size = f"{days} days x {len(BOOKS)} books, {days * DAY * len(BOOKS):,} rows, {files:,} files"
    one_day = DAY // 600
    reads = (
        f"API {api_s * 1000:.0f} ms reads the lake as compaction keeps it (per-minute rollups, "
        f"{days * len(BOOKS)} files); same run, same answers"
    )
    return [
        {
            "name": "resample to 1 minute, every book, whole lake as kept (median of 3)",
            "value": api_s * 1000, "unit": "ms", "target": "<= 1000 ms",
            "baseline": pandas_s * 1000, "passed": api_s <= 1.0,
            "notes": f"{size}; compaction has written each day's file and minute rollups, which "
            "resample reads at whole minutes; baseline: pandas read_parquet of the window files "
            "+ groupby",
        },
        {
            "name": "resample to 1 minute, window files only (median of 3)",
            "value": raw_s * 1000, "unit": "ms", "target": "", "passed": None,
            "baseline": pandas_s * 1000,
            "notes": f"{size}; before compaction: API and pandas both read the window files",
        },
        {
            "name": "pandas over the window files / analysis API, resample to 1 minute",
            "value": pandas_s / api_s, "unit": "x", "target": ">= 10x",
            "passed": pandas_s / api_s >= 10,
            "notes": f"pandas {pandas_s:.2f} s: read_parquet('lake/spreads') (as docs/lake.md "
            f"shows it, {files:,} files) + groupby; {reads}",
        },
        {
            "name": "pandas over the compacted day files / analysis API, resample to 1 minute",
            "value": pandas_daily_s / api_s, "unit": "x", "target": ">= 10x",
            "passed": pandas_daily_s / api_s >= 10,
            "notes": f"pandas {pandas_daily_s:.2f} s: read_parquet('lake/spreads_daily') "
            f"({days * len(BOOKS)} files of rows) + groupby; {reads}",
        },
        {
            "name": "S3 (moto, loopback): GET requests for one book's one day",
            "value": s3["gets"], "unit": "GETs", "target": f"== {one_day} (that day's files)",
            "passed": s3["gets"] == one_day,
            "notes": f"{s3['files']:,} window files in the bucket",
        },
        {
            "name": "S3 / local time, one book's one day stats",
            "value": s3["s3_s"] / s3["local_s"], "unit": "x", "target": "", "passed": None,
            "notes": f"S3 {s3['s3_s'] * 1000:.0f} ms (moto on loopback, {one_day} GETs), "
            f"local {s3['local_s'] * 1000:.0f} ms",
        },
    ]  # fmt: skip


if __name__ == "__main__":
    import sys

    for row in run(quick="--quick" in sys.argv):
        print(row)
