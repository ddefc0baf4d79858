"""`make demo`: the main jobs of both halves, offline, on embedded defaults, in about a minute.

1. Spread monitor: starts the simulated exchange (with a wide-spread episode on btc_mxn), runs the
   collector with 10-second windows into ./demo-lake in the background, then prints the window
   files, `spread stats` and the alerts that fired and resolved, and writes the HTML report of the
   run (demo-work/spread-report.html).
2. Warehouse (while the collector runs): generates sample snapshots, lands them as daily batches,
   loads the older days as one history batch and the last days one by one (the same warehouse
   as loading every day one by one, in a few seconds instead of a minute and a half), answers the
   eight questions for a sample day and user, exports the CSVs and draws the ERD into ./demo-work.
Nothing leaves the machine: the exchange is a local simulator on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bitsodata.lake.layout import parse_window_key
from bitsodata.simulator.process import spawn_exchange
from bitsodata.warehouse.landing.combine import combine_days

ROOT = Path(__file__).resolve().parent.parent
LAKE = ROOT / "demo-lake"
WORK = ROOT / "demo-work"
CLI = [sys.executable, "-m", "bitsodata"]
COLLECT_SECONDS = 45
WINDOW_SECONDS = 10
DAY = "2022-03-15"
DAILY_DAYS = 30  # the last days of the landing area, loaded one by one like daily runs


def say(text: str) -> None:
    print(f"\n== {text}", flush=True)


def run(*args: str, env: dict[str, str] | None = None, quiet: bool = False) -> str:
    """Run one `bitsodata` command; stop the demo with its output if it fails."""
    print("$ bitsodata " + " ".join(args), flush=True)
    began = time.monotonic()
    out = subprocess.run([*CLI, *args], capture_output=True, text=True, env=env, check=False)
    if out.returncode != 0:
        sys.stderr.write(out.stdout + out.stderr)
        raise SystemExit(f"demo step failed: bitsodata {' '.join(args)}")
    if not quiet:
        print(out.stdout, end="", flush=True)
        print(f"  ({time.monotonic() - began:.1f} s)", flush=True)
    return out.stdout


def start_exchange() -> tuple[subprocess.Popen[str], str, str]:
    """The simulator on a free port; btc_mxn starts inside a 20-second wide-spread episode."""
    options = ["--port", "0", "--seed", "7", "--fault", "wide_spread:btc_mxn=20"]
    try:
        return spawn_exchange(options, timeout=30, echo=lambda line: print("  " + line, flush=True))
    except RuntimeError as exc:
        raise SystemExit(str(exc)) from None


def start_collector(rest: str, ws: str) -> tuple[subprocess.Popen[str], dict[str, str]]:
    say(f"Spread monitor: collector for {COLLECT_SECONDS} s, {WINDOW_SECONDS}-second windows")
    shutil.rmtree(LAKE, ignore_errors=True)
    shutil.rmtree(WORK / "journal", ignore_errors=True)
    rules = WORK / "alerts.toml"
    rules.unlink(missing_ok=True)
    env = {
        **os.environ,
        "BITSODATA_MONITOR__JOURNAL_DIR": str(WORK / "journal"),
        "BITSODATA_ALERTS__OUTBOX_DIR": str(WORK / "outbox"),
        "BITSODATA_LAKE__UPLOAD_QUEUE_DIR": str(WORK / "upload-queue"),
    }
    run(
        *("alerts", "add", "--file", str(rules), "--name", "btc-wide", "--book", "btc_mxn"),
        *("--above", "0.8", "--clear-below", "0.6", "--severity", "critical"),
        env=env,
    )
    run("alerts", "list", "--file", str(rules), env=env)
    args = [
        *("spread", "collect", "--books", "btc_mxn,usd_mxn", "--lake", str(LAKE)),
        *("--window-seconds", str(WINDOW_SECONDS), "--duration", str(COLLECT_SECONDS)),
        *("--alerts", str(rules), "--exchange-url", rest, "--ws-url", ws),
    ]
    print("$ bitsodata " + " ".join(args) + "   (in the background)", flush=True)
    proc = subprocess.Popen(
        [*CLI, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    return proc, env


def finish_collector(proc: subprocess.Popen[str]) -> tuple[int, int]:
    output, _ = proc.communicate(timeout=COLLECT_SECONDS + 60)
    say("Collector finished")
    lines = output.splitlines()
    for line in lines[-3:]:
        print("  " + line)
    if proc.returncode != 0:
        print(output, file=sys.stderr)
        raise SystemExit("the collector failed")
    files = sorted(p.relative_to(ROOT) for p in LAKE.rglob("*.parquet"))
    say(f"{len(files)} window files in the lake (one per book per {WINDOW_SECONDS}-second window)")
    for path in files:
        print(f"  {path}")
    starts = [parse_window_key(str(p))[1] for p in files]
    start, end = min(starts), max(starts) + WINDOW_SECONDS
    print(
        "  (the first window began before the collector started: its earlier seconds are\n"
        "   explicit `missing` rows, so every file still holds one row per second)"
    )
    for book in ("btc_mxn", "usd_mxn"):
        say(f"spread stats for {book}")
        run("spread", "stats", "--book", book, "--lake", str(LAKE), "--from", str(start),
            "--to", str(end))  # fmt: skip
    say("Alerts raised (from the lake's alert log)")
    for path in sorted((LAKE / "alerts").rglob("*.jsonl")):
        for line in path.read_text().splitlines():
            ev = json.loads(line)
            value = f"{float(ev['value']):.3f} %" if ev.get("value") else "-"
            print(
                f"  {ev['at']} {ev['state']:9} {ev['rule']:12} {ev['book']:8} "
                f"spread={value} threshold={ev.get('threshold')}"
            )
    return start, end


def spread_report(start: int, end: int) -> Path:
    """The HTML report of the run: charts and stats of both books, opens offline."""
    out = WORK / "spread-report.html"
    say("Spread report of the run (one self-contained HTML file)")
    run(
        *("spread", "report", "--lake", str(LAKE), "--from", str(start), "--to", str(end)),
        *("--out", str(out)),
    )
    return out


def warehouse_demo() -> None:
    say("Warehouse: sample snapshots -> daily batches -> history + daily loads -> eight questions")
    src, landing, db = WORK / "source", WORK / "landing", WORK / "warehouse.duckdb"
    history = WORK / "history"
    for path in (src, landing, history, WORK / "export"):
        shutil.rmtree(path, ignore_errors=True)
    db.unlink(missing_ok=True)
    run("warehouse", "sample", "--out", str(src), "--seed", "1", "--scale", "0.05")
    run("warehouse", "land", "--source", str(src), "--out", str(landing), "--late-share", "0.02")
    days = sorted(landing.glob("date=*"))
    combine_days(days[:-DAILY_DAYS], history)
    for folder in days[:-DAILY_DAYS]:
        shutil.rmtree(folder)
    print(
        f"  {len(days) - DAILY_DAYS} older days joined into one history batch ({history.name}/);"
        f" the last {DAILY_DAYS} stay daily batches",
        flush=True,
    )
    run("warehouse", "load", "--batch", str(history), "--db", str(db))
    run("warehouse", "load", "--landing", str(landing), "--db", str(db))
    day, currency, user = _sample_subjects(db)
    say(f"The eight questions for {day} (the busiest deposit day) and user {user}")
    for question in (
        ["active-users", "--day", day],
        ["users-without-deposit"],
        ["frequent-depositors", "--day", day],
        ["last-login", "--user", user],
        ["login-count", "--user", user, "--from", "2021-01-01", "--to", "2022-12-31"],
        ["deposit-currencies", "--day", day],
        ["withdrawal-currencies", "--day", day],
        ["deposit-total", "--day", day, "--currency", currency],
    ):
        out = run("warehouse", "ask", *question, "--db", str(db), "--format", "json", quiet=True)
        answer = json.loads(out)
        shown = answer["answer"]
        if isinstance(shown, list):
            shown = f"{len(shown)} users, e.g. {shown[:2]}"
        print(f"  {answer['question']:22} {json.dumps(answer['params'])}: {shown}", flush=True)
    run("warehouse", "checks", "--db", str(db))
    run("warehouse", "export", "--out", str(WORK / "export"), "--db", str(db))
    run("warehouse", "erd", "--out", str(WORK / "erd.svg"), "--db", str(db))


_SUBJECTS = """
with busiest as (
    select date_key as day, currency_code, count(*) as n
    from fct_transaction
    where transaction_kind = 'deposit' and is_complete
    group by 1, 2
    order by n desc, day, currency_code
    limit 1
), loyal as (
    select user_id from dim_user where n_logins > 0 order by n_logins desc, user_id limit 1
)
select busiest.day, busiest.currency_code, loyal.user_id from busiest, loyal
"""


def _sample_subjects(db: Path) -> tuple[str, str, str]:
    """A day and currency with deposits, and a user with logins, so the answers say something."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute(_SUBJECTS).fetchone()
    finally:
        con.close()
    if row is None:
        return DAY, "mxn", "unknown"
    return str(row[0]), str(row[1]), str(row[2])


def main() -> int:
    started = time.time()
    WORK.mkdir(exist_ok=True)
    exchange, rest, ws = start_exchange()
    try:
        collector, _env = start_collector(rest, ws)
        try:
            warehouse_demo()
        except BaseException:
            collector.terminate()
            raise
        start, end = finish_collector(collector)
    finally:
        exchange.terminate()
        exchange.wait(timeout=10)
    report = spread_report(start, end)
    say(f"demo finished in {time.time() - started:.0f} s (lake: demo-lake/, work: demo-work/)")
    print(f"  open the spread report in a browser: {report.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
