"""`make airflow-check`: real Airflow 3 runs both DAGs end to end on a temp AIRFLOW_HOME (SQLite).

Run with the Airflow environment's Python: ``.venv-airflow/bin/python scripts/airflow_check.py``.

1. Every file in ``dags/`` imports without errors and defines the two DAGs as intended.
2. ``warehouse_daily`` for two consecutive days of generated data: the warehouse then holds exactly
   those two days (active users per day match the source CSVs), the export and ERD are written, and
   re-running the first day changes nothing.
3. ``spread_lake_audit`` over a lake with one complete, one incomplete and one missing window: the
   run fails, the alert log names exactly the incomplete and the missing window, and the previous
   day is compacted into one daily file without touching the window files; the task log shows
   the fields of bitsodata's log events (rule, book), not only the event name.

Exits 0 only when every assertion holds; prints the time of each step (``--keep`` keeps the files).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import itertools
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DAGS = REPO / "dags"
AIRFLOW = Path(sys.executable).parent / "airflow"
EXPECTED_DAGS = {"warehouse_daily", "spread_lake_audit"}
BOOK = "btc_mxn"
WINDOW = 600
LAKE_DAY = date(2024, 5, 28)  # compacted; the audited windows are just after its midnight
AUDIT_RUN_END = datetime(2024, 5, 29, 0, 40, tzinfo=UTC)  # data interval [00:30, 00:40)


class CheckFailed(AssertionError):
    """One assertion of the check did not hold."""


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


@contextmanager
def step(name: str) -> Iterator[None]:
    started = time.perf_counter()
    print(f"airflow-check: {name} ...", flush=True)
    yield
    print(f"airflow-check: {name} ok ({time.perf_counter() - started:.1f} s)", flush=True)


def environment(work: Path) -> dict[str, str]:
    """Airflow on SQLite in ``work``; bitsodata settings from env and the Airflow Variable."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BITSODATA_", "AIRFLOW"))}
    env.update(
        AIRFLOW_HOME=str(work / "airflow"),
        AIRFLOW__CORE__DAGS_FOLDER=str(DAGS),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__UNIT_TEST_MODE="False",
        BITSODATA_LAKE__URL=str(work / "lake"),
        BITSODATA_WAREHOUSE__DB=str(work / "warehouse.duckdb"),
        BITSODATA_ORCHESTRATION__SOURCE_DIR=str(work / "source"),
        BITSODATA_ORCHESTRATION__LANDING_DIR=str(work / "landing"),
        BITSODATA_ORCHESTRATION__EXPORT_DIR=str(work / "export"),
        BITSODATA_ORCHESTRATION__ERD_PATH=str(work / "erd.svg"),
        BITSODATA_ORCHESTRATION__START_DATE="2020-01-01",
        # The Airflow Variable `bitsodata_settings`, given the way Airflow reads AIRFLOW_VAR_*.
        AIRFLOW_VAR_BITSODATA_SETTINGS=json.dumps(
            {"monitor": {"books": [BOOK]}, "orchestration": {"audit_lookback_seconds": 1800}}
        ),
    )
    return env


def airflow(env: dict[str, str], log: Path, *args: str) -> int:
    """Run the ``airflow`` CLI; its output goes to ``log``."""
    with log.open("w") as out:
        return subprocess.run(
            [str(AIRFLOW), *args], env=env, stdout=out, stderr=subprocess.STDOUT, check=False
        ).returncode


def tail(log: Path, lines: int = 40) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def check_imports(env: dict[str, str]) -> None:
    os.environ.update(env)  # Airflow reads its configuration when first imported
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS))
    expect(not bag.import_errors, f"DAG import errors: {bag.import_errors}")
    expect(set(bag.dag_ids) == EXPECTED_DAGS, f"DAGs found: {sorted(bag.dag_ids)}")
    daily = bag.dags["warehouse_daily"]
    expect(daily.catchup and daily.max_active_runs == 1, "warehouse_daily: catchup, one run")
    order = ["land", "load", "checks", "export", "erd"]
    for upstream, downstream in itertools.pairwise(order):
        expect(
            downstream in daily.get_task(upstream).downstream_task_ids,
            f"warehouse_daily: {upstream} must run before {downstream}",
        )
    audit = bag.dags["spread_lake_audit"]
    expect({"audit", "compaction_due", "compact"} == set(audit.task_ids), "audit tasks")
    check_retry_policies([daily, audit])


def check_retry_policies(dags: list[Any]) -> None:
    """Every task's policy, evaluated by Airflow itself: transient errors retry, others fail."""
    from airflow.sdk import RetryAction

    from bitsodata.errors import DataQualityFailed, LakeAuditFailed, LakeUnavailable

    cases = [
        (LakeUnavailable("s3 down"), RetryAction.RETRY),
        (ConnectionResetError(), RetryAction.RETRY),
        (LakeAuditFailed("gap"), RetryAction.FAIL),
        (DataQualityFailed("dup"), RetryAction.FAIL),
        (ValueError("bug"), RetryAction.FAIL),
    ]
    for dag in dags:
        for task in dag.tasks:
            policy = task.retry_policy
            expect(policy is not None, f"{dag.dag_id}.{task.task_id}: no retry policy")
            for exc, action in cases:
                got = policy.evaluate(exc, try_number=1, max_tries=task.retries + 1).action
                expect(got == action, f"{task.task_id}: {type(exc).__name__} -> {got}")


def busiest_days(source: Path) -> date:
    """First of the two consecutive days with the most transactions."""
    per_day: Counter[date] = Counter()
    for name in ("deposit_sample_data.csv", "withdrawals_sample_data.csv"):
        with (source / name).open(newline="") as fh:
            for row in csv.DictReader(fh):
                per_day[date.fromisoformat(row["event_timestamp"][:10])] += 1
    return max(per_day, key=lambda d: (per_day[d] + per_day[d + timedelta(days=1)], d))


def active_users(source: Path, day: date) -> int:
    """Users with a complete deposit or withdrawal on ``day``, straight from the CSVs."""
    users = set()
    for name in ("deposit_sample_data.csv", "withdrawals_sample_data.csv"):
        with (source / name).open(newline="") as fh:
            users |= {
                row["user_id"]
                for row in csv.DictReader(fh)
                if row["event_timestamp"].startswith(day.isoformat())
                and row["tx_status"] == "complete"
            }
    return len(users)


def source_keys(source: Path, days: list[date]) -> dict[str, set[tuple[str, int]]]:
    """Natural keys of the source rows dated on ``days``: what the warehouse must hold."""
    wanted = {d.isoformat() for d in days}
    keys: dict[str, set[tuple[str, int]]] = {"fct_transaction": set(), "fct_event": set()}
    for name, table, kind in (
        ("deposit_sample_data.csv", "fct_transaction", "deposit"),
        ("withdrawals_sample_data.csv", "fct_transaction", "withdrawal"),
        ("event_sample_data.csv", "fct_event", "event"),
    ):
        with (source / name).open(newline="") as fh:
            keys[table] |= {
                (kind, int(row["id"]))
                for row in csv.DictReader(fh)
                if row["event_timestamp"][:10] in wanted
            }
    return keys


def warehouse_keys(db: str) -> dict[str, set[tuple[str, int]]]:
    import duckdb

    con = duckdb.connect(db, read_only=True)
    try:
        tx = con.execute("select transaction_kind, transaction_id from fct_transaction").fetchall()
        events = con.execute("select 'event', event_id from fct_event").fetchall()
    finally:
        con.close()
    return {"fct_transaction": set(tx), "fct_event": set(events)}


def warehouse_state(db: str) -> dict[str, object]:
    import duckdb

    con = duckdb.connect(db, read_only=True)
    try:
        tables = [r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()]
        state: dict[str, object] = {
            t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in sorted(tables)
        }
        days = con.execute("select distinct date_key from fct_transaction order by 1").fetchall()
        state["transaction_days"] = [d[0] for d in days]
        return state
    finally:
        con.close()


def run_dag(env: dict[str, str], work: Path, dag_id: str, run_end: datetime) -> tuple[int, Path]:
    log = work / f"{dag_id}-{run_end:%Y%m%dT%H%M}.log"
    code = airflow(env, log, "dags", "test", dag_id, run_end.isoformat())
    return code, log


def task_states(work: Path, dag_id: str) -> dict[str, str]:
    """Task states of the latest run of ``dag_id`` (read from Airflow's SQLite database)."""
    con = sqlite3.connect(work / "airflow" / "airflow.db")
    try:
        rows = con.execute(
            "select task_id, state from task_instance where dag_id = ? and run_id = "
            "(select run_id from dag_run where dag_id = ? order by id desc limit 1)",
            (dag_id, dag_id),
        ).fetchall()
    finally:
        con.close()
    return {task: state for task, state in rows}


def check_warehouse(env: dict[str, str], work: Path) -> None:
    from bitsodata.warehouse.serve.questions import ask

    source = work / "source"
    first = busiest_days(source)
    days = [first, first + timedelta(days=1)]
    for day in days:
        run_end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
        code, log = run_dag(env, work, "warehouse_daily", run_end)
        expect(code == 0, f"warehouse_daily {day} failed:\n{tail(log)}")
        expect((work / "landing" / f"date={day}").is_dir(), f"{day} was not landed")
    db = env["BITSODATA_WAREHOUSE__DB"]
    state = warehouse_state(db)
    expect(state["transaction_days"] == days, f"days in the warehouse: {state['transaction_days']}")
    want, got = source_keys(source, days), warehouse_keys(db)
    for table in want:
        missing, extra = len(want[table] - got[table]), len(got[table] - want[table])
        expect(not missing and not extra, f"{table}: {missing} source rows absent, {extra} extra")
    for day in days:
        got, want = ask(db, "active-users", day=day), active_users(source, day)
        expect(got == want and want > 0, f"active users on {day}: warehouse {got}, CSV {want}")
    exported = (work / "export" / "fct_transaction.csv").read_text().splitlines()
    expect(len(exported) - 1 == state["fct_transaction"], "export of fct_transaction")
    expect("fct_transaction" in (work / "erd.svg").read_text(), "ERD without fct_transaction")
    # Re-running a day is safe: the load is an idempotent merge.
    code, log = run_dag(env, work, "warehouse_daily", run_end)
    expect(code == 0, f"re-run of warehouse_daily failed:\n{tail(log)}")
    expect(warehouse_state(db) == state, "re-running a day changed the warehouse")
    print(f"  {days[0]} and {days[1]}: {state['fct_transaction']} transactions, "
          f"{state['fct_event']} events")  # fmt: skip


def build_lake(lake: Path) -> None:
    """Two complete windows on LAKE_DAY; after midnight: missing, complete, incomplete."""
    from bitsodata.domain.observation import Observation
    from bitsodata.lake.storage import LocalStorage
    from bitsodata.lake.windowfile import write_window

    def ok(tick: int) -> Observation:
        price = Decimal("1200000") + tick % 7
        return Observation(tick, BOOK, price, price + 500, Decimal("0.0416"), None,
                           tick - 0.25, 250, "ws", "ok", tick)  # fmt: skip

    storage = LocalStorage(lake)
    midnight = int(datetime.combine(LAKE_DAY, datetime.min.time(), tzinfo=UTC).timestamp()) + 86400
    for start in (midnight - 2 * WINDOW, midnight - WINDOW, midnight + WINDOW):
        write_window(storage, BOOK, start, [ok(t) for t in range(start, start + WINDOW)])
    start = midnight + 2 * WINDOW  # 00:20: a third of the seconds had no book
    rows = [ok(t) if t % 3 else Observation.missing(t, BOOK) for t in range(start, start + WINDOW)]
    write_window(storage, BOOK, start, rows)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check_audit(env: dict[str, str], work: Path) -> None:
    from bitsodata.alerts.sinks import read_alert_log
    from bitsodata.lake.layout import daily_key
    from bitsodata.lake.storage import LocalStorage
    from bitsodata.lake.windowfile import decode_window

    lake = work / "lake"
    before = {p.relative_to(lake).as_posix(): digest(p) for p in lake.rglob("*.parquet")}
    code, log = run_dag(env, work, "spread_lake_audit", AUDIT_RUN_END)
    expect(code != 0, "spread_lake_audit succeeded over a lake with a missing window")
    states = task_states(work, "spread_lake_audit")
    want_states = {"audit": "failed", "compaction_due": "success", "compact": "success"}
    expect(states == want_states, f"task states {states}:\n{tail(log)}")
    storage = LocalStorage(lake)
    events = read_alert_log(storage, AUDIT_RUN_END.date())
    found = {(e.rule, e.book, datetime.fromtimestamp(e.at, tz=UTC).strftime("%H:%M"), e.state)
             for e in events}  # fmt: skip
    want = {
        ("lake_window_missing", BOOK, "00:00", "FIRING"),
        ("lake_window_incomplete", BOOK, "00:20", "FIRING"),
    }
    expect(found == want, f"alert log: {sorted(found)}, expected {sorted(want)}")
    text = log.read_text()
    expect("window(s) not complete" in text, "the failure names the windows")
    # Under Airflow's own log handler a bitsodata event must still show its fields, not only
    # its name: the audit's alert line names the rule and the book.
    alert_lines = [ln for ln in text.splitlines() if "alert" in ln and "lake_window_missing" in ln]
    expect(
        any(f"book={BOOK}" in ln for ln in alert_lines),
        f"no task log line shows the alert's fields:\n{tail(log)}",
    )
    rows = decode_window(storage.get(daily_key(BOOK, LAKE_DAY)), "parquet")
    expect(len(rows) == 2 * WINDOW, f"daily file holds {len(rows)} rows")
    expect([r.tick for r in rows] == sorted(r.tick for r in rows), "daily file is ordered")
    after = {k: digest(lake / k) for k in before}
    expect(after == before, "compaction touched the window files")


def prepare(env: dict[str, str], work: Path) -> None:
    """Everything that does not need Airflow's database."""
    from bitsodata.sample import generate

    check_imports(env)
    generate(work / "source", seed=1, scale=0.2)
    build_lake(work / "lake")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bitsodata-airflow-check-"))
    env = environment(work)
    started = time.perf_counter()
    ok = False
    try:
        with step("airflow db migrate | import every DAG, generate data, build the lake"):
            migrate_log = work / "db-migrate.log"
            with migrate_log.open("w") as out:  # the database migrates while we prepare the rest
                migrate = subprocess.Popen(
                    [str(AIRFLOW), "db", "migrate"], env=env, stdout=out, stderr=subprocess.STDOUT
                )
                prepare(env, work)
                code = migrate.wait()
            expect(code == 0, f"db migrate failed:\n{tail(migrate_log)}")
        with step("warehouse_daily: two consecutive days, then a re-run"):
            check_warehouse(env, work)
        with step("spread_lake_audit: complete, incomplete and missing windows"):
            check_audit(env, work)
        ok = True
    except CheckFailed as exc:
        print(f"airflow-check FAILED: {exc}\n(logs in {work})", file=sys.stderr)
    finally:
        verdict = "passed" if ok else "failed"
        print(f"airflow-check: {verdict} in {time.perf_counter() - started:.1f} s")
        if ok and not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
