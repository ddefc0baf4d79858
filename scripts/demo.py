"""`make demo`: the main jobs of both halves, offline, on embedded defaults, in under two minutes.

1. Spread monitor: starts the simulated exchange (with a wide-spread episode), runs the collector
   with 10-second windows into ./demo-lake, then prints `spread stats` and the alerts it raised.
2. Warehouse: generates sample snapshots, lands them as daily batches, loads them day by day,
   answers the eight questions for a sample day and user, exports the CSVs and draws the ERD.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAKE = ROOT / "demo-lake"
WORK = ROOT / "demo-work"
CLI = [sys.executable, "-m", "bitsodata"]


def say(text: str) -> None:
    print(f"\n\033[1m== {text}\033[0m", flush=True)


def run(*args: str, env: dict[str, str] | None = None) -> str:
    print("$ bitsodata " + " ".join(args), flush=True)
    out = subprocess.run([*CLI, *args], capture_output=True, text=True, env=env, check=False)
    if out.returncode != 0:
        sys.stderr.write(out.stdout + out.stderr)
        raise SystemExit(f"demo step failed: bitsodata {' '.join(args)}")
    print(out.stdout, end="", flush=True)
    return out.stdout


def start_exchange() -> tuple[subprocess.Popen[str], str, str]:
    proc = subprocess.Popen(
        [
            *CLI,
            "simulate",
            "exchange",
            "--port",
            "0",
            "--seed",
            "7",
            "--fault",
            "wide_spread:btc_mxn",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    rest = ws = ""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not (rest and ws):
        line = proc.stdout.readline()
        if not line:
            break
        print("  " + line.rstrip(), flush=True)
        if m := re.match(r"REST (\S+)", line):
            rest = m.group(1)
        if m := re.match(r"WS (\S+)", line):
            ws = m.group(1)
    if not (rest and ws):
        proc.kill()
        raise SystemExit("the simulated exchange did not start")
    return proc, rest, ws


def spread_demo() -> None:
    say("Spread monitor: simulated exchange + collector, 10-second windows, ~45 s")
    shutil.rmtree(LAKE, ignore_errors=True)
    exchange, rest, ws = start_exchange()
    try:
        env = {**os.environ, "BITSODATA_MONITOR__JOURNAL_DIR": str(WORK / "journal")}
        rules = WORK / "alerts.toml"
        run(
            "alerts",
            "add",
            "--file",
            str(rules),
            "--name",
            "wide",
            "--above",
            "0.8",
            "--clear-below",
            "0.6",
            "--severity",
            "critical",
            env=env,
        )
        run(
            "spread",
            "collect",
            "--books",
            "btc_mxn,usd_mxn",
            "--lake",
            str(LAKE),
            "--window-seconds",
            "10",
            "--duration",
            "45",
            "--alerts",
            str(rules),
            "--exchange-url",
            rest,
            "--ws-url",
            ws,
            env=env,
        )
    finally:
        exchange.terminate()
        exchange.wait(timeout=10)
    files = sorted(p.relative_to(ROOT) for p in LAKE.rglob("*.parquet"))
    say(f"{len(files)} window files in the lake")
    for path in files[:6]:
        print(f"  {path}")
    say("spread stats for btc_mxn")
    run("spread", "stats", "--book", "btc_mxn", "--lake", str(LAKE))
    say("alerts raised")
    for path in sorted((LAKE / "alerts").rglob("*.jsonl")):
        for line in path.read_text().splitlines():
            ev = json.loads(line)
            print(
                f"  {ev.get('state'):9} {ev.get('rule'):12} {ev.get('book'):8} spread={ev.get('spread')}"
            )


def warehouse_demo() -> None:
    say("Warehouse: sample data -> daily batches -> day-by-day load -> eight questions")
    src, landing, db = WORK / "source", WORK / "landing", WORK / "warehouse.duckdb"
    for path in (src, landing):
        shutil.rmtree(path, ignore_errors=True)
    db.unlink(missing_ok=True)
    run("warehouse", "sample", "--out", str(src), "--seed", "1", "--scale", "0.05")
    run("warehouse", "land", "--source", str(src), "--out", str(landing))
    run("warehouse", "load", "--source", str(src), "--db", str(db))
    day, user = "2022-03-15", _a_user(db)
    for q in (
        ["active-users", "--day", day],
        ["users-without-deposit", "--format", "json"],
        ["frequent-depositors", "--day", day],
        ["last-login", "--user", user],
        ["login-count", "--user", user, "--from", "2021-01-01", "--to", "2022-12-31"],
        ["deposit-currencies", "--day", day],
        ["withdrawal-currencies", "--day", day],
        ["deposit-total", "--day", day, "--currency", "mxn"],
    ):
        out = run("warehouse", "ask", *q, "--db", str(db), "--format", "json")
        del out
    run("warehouse", "export", "--out", str(WORK / "export"), "--db", str(db))
    run("warehouse", "erd", "--out", str(WORK / "erd.svg"), "--db", str(db))


def _a_user(db: Path) -> str:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute("select user_id from dim_user order by user_id limit 1").fetchone()
    finally:
        con.close()
    return str(row[0]) if row else "unknown"


def main() -> int:
    started = time.monotonic()
    WORK.mkdir(exist_ok=True)
    spread_demo()
    warehouse_demo()
    say(f"demo finished in {time.monotonic() - started:.0f} s (lake: demo-lake/, work: demo-work/)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
