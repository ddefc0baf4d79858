"""The naive baseline the public solutions use: read every CSV with pandas, answer in memory.

No incremental load: each new day means reading the whole history again. Run as a script it
prints one JSON object (load seconds, peak RSS, question latencies) for ``bench/warehouse_bench``.
"""

from __future__ import annotations

import json
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd

LOGINS = ("login", "2falogin", "login_api")


def load(source: Path) -> dict[str, pd.DataFrame]:
    """Read the five files, parse timestamps, keep amounts as text-exact decimals (object)."""
    frames = {}
    for name, file in (
        ("user", "user_id_sample_data.csv"),
        ("deposit", "deposit_sample_data.csv"),
        ("withdrawal", "withdrawals_sample_data.csv"),
        ("event", "event_sample_data.csv"),
        ("user_level", "user_level_sample_data.csv"),
    ):
        path = source / file
        if not path.is_file():
            continue
        df = pd.read_csv(path, dtype=str).drop_duplicates()
        if "event_timestamp" in df:
            df["ts"] = pd.to_datetime(df["event_timestamp"], utc=True, format="mixed")
            df["day"] = df["ts"].dt.strftime("%Y-%m-%d")
        frames[name] = df
    return frames


def questions(f: dict[str, pd.DataFrame], day: str, user: str) -> dict[str, Any]:
    """The eight answers, computed by filtering the frames (the usual notebook approach)."""
    dep = f["deposit"][f["deposit"]["tx_status"] == "complete"]
    wd = f["withdrawal"][f["withdrawal"]["tx_status"] == "complete"]
    ev = f["event"][f["event"]["event_name"].isin(LOGINS)]
    return {
        "active-users": len(set(dep[dep.day == day].user_id) | set(wd[wd.day == day].user_id)),
        "users-without-deposit": len(set(f["user"].user_id) - set(dep.user_id)),
        "frequent-depositors": int((dep[dep.day <= day].groupby("user_id").size() > 5).sum()),
        "last-login": str(ev[ev.user_id == user].ts.max()),
        "login-count": int(
            ((ev.user_id == user) & (ev.day >= "2020-01-01") & (ev.day <= day)).sum()
        ),
        "deposit-currencies": dep[dep.day == day].currency.nunique(),
        "withdrawal-currencies": wd[wd.day == day].currency.nunique(),
        "deposit-total": str(
            sum(pd.to_numeric(dep[(dep.day == day) & (dep.currency == "mxn")].amount))
        ),
    }


def main(source: Path, day: str, user: str) -> None:
    started = time.perf_counter()
    frames = load(source)
    load_s = time.perf_counter() - started
    latencies = []
    for _ in range(5):
        t = time.perf_counter()
        questions(frames, day, user)
        latencies.append((time.perf_counter() - t) / 8)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {"load_s": load_s, "rss_mb": rss_mb, "question_ms": statistics.median(latencies) * 1000}
        )
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2], sys.argv[3])
