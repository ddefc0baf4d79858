"""`make dbt-check`: dbt itself builds the warehouse project and gets the fast runner's tables.

Run with the dbt environment's Python: ``.venv-dbt/bin/python scripts/dbt_check.py``.

On a generated sample split into daily batches: a full load of the history, then the next day,
then a day held back from the history (a late batch). Each batch is staged by the loader (parse,
merge by natural key, quarantine, key tables), then built twice: by the fast runner in the
loader's transaction, and by ``dbt build`` (incremental models, every dbt test) on a copy of the
sources. After the full load and after the late batch every warehouse table must be equal, row for
row, between the runner and dbt — on DuckDB (dbt-duckdb) and on PostgreSQL (dbt-postgres, a
throwaway cluster). Last, ``dbt docs generate`` must write the catalog and the lineage.

Exits 0 only when every assertion holds; prints the time of each step (``--keep`` keeps the files).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bitsodata.sample import generate
from bitsodata.warehouse.db import connect
from bitsodata.warehouse.landing.split import land
from bitsodata.warehouse.load.loader import landing_days, load_batch, publish_sources
from bitsodata.warehouse.load.models import project_root
from bitsodata.warehouse.load.runner import schema_columns

DBT = Path(sys.executable).parent / "dbt"
PG_BIN = Path("/usr/lib/postgresql/15/bin")
SCALE = 0.02


def step(name: str, started: float) -> None:
    print(f"  {name}: {time.perf_counter() - started:.1f} s", flush=True)


def concat_days(days: list[Path], out: Path) -> Path:
    """One batch folder holding every row of ``days`` (one header per file)."""
    out.mkdir(parents=True)
    names = sorted({f.name for d in days for f in d.iterdir() if f.suffix == ".csv"})
    for name in names:
        with (out / name).open("wb") as target:
            header_written = False
            for day in days:
                path = day / name
                if not path.is_file():
                    continue
                with path.open("rb") as src:
                    header = src.readline()
                    if not header_written:
                        target.write(header)
                        header_written = True
                    shutil.copyfileobj(src, target)
    return out


def corrections(history: Path, out: Path) -> Path:
    """A batch of the cases a day rarely brings: a conflicting version of a loaded deposit (its
    fact is withdrawn, its user rebuilt), a deposit and a login of a user the snapshot does not
    know (an inferred member), a line with too few fields (quarantined), a late level change."""
    out.mkdir(parents=True)
    header, first, *_ = (history / "deposit_sample_data.csv").read_text().splitlines()
    fields = first.split(",")
    amount = header.split(",").index("amount")
    fields[amount] = "12345.000000000000000000"
    when = fields[header.split(",").index("event_timestamp")]
    stranger = dict(zip(header.split(","), fields, strict=True))
    stranger.update(id="999999001", user_id="inferred-user-1", tx_status="complete")
    rows = [",".join(fields), ",".join(stranger[c] for c in header.split(",")), "1,2,3"]
    (out / "deposit_sample_data.csv").write_text("\n".join([header, *rows]) + "\n")
    (out / "event_sample_data.csv").write_text(
        f"id,event_timestamp,user_id,event_name\n999999002,{when},inferred-user-1,login\n"
    )
    level_header, level, *_ = (history / "user_level_sample_data.csv").read_text().splitlines()
    user = level.split(",")[0]
    (out / "user_level_sample_data.csv").write_text(f"{level_header}\n{user},mx,3,{when}\n")
    return out


def batches(work: Path) -> list[tuple[str, Path]]:
    """The full load of the history, the next day, a late day held back from the history, and
    a batch of corrections."""
    source = work / "sample"
    generate(source, seed=7, scale=SCALE)
    land(source, work / "landing", late_share=0.02, seed=7)
    days = [p for _, p in landing_days(work / "landing")]
    late = days[len(days) // 2]
    history = [d for d in days[:-1] if d != late]
    full = concat_days(history, work / "history")
    fixes = corrections(full, work / "corrections")
    return [("full load", full), ("next day", days[-1]), ("late day", late), ("corrections", fixes)]


def snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every warehouse table's rows, sorted."""
    db = connect(url)
    try:
        return {
            table: sorted(
                db.fetchall(f"select {', '.join(cols)} from {table}"),
                key=lambda r: tuple("" if v is None else str(v) for v in r),
            )
            for table, cols in schema_columns().items()
        }
    finally:
        db.close()


def compare(runner: dict[str, list[Any]], built: dict[str, list[Any]], label: str) -> None:
    for table, rows in runner.items():
        if rows != built[table]:
            extra = [r for r in built[table] if r not in rows][:3]
            missing = [r for r in rows if r not in built[table]][:3]
            raise SystemExit(
                f"FAIL {label}: {table} differs ({len(rows)} runner rows, {len(built[table])} "
                f"dbt rows); only in dbt: {extra}; only in the runner: {missing}"
            )
    total = sum(len(r) for r in runner.values())
    print(f"  {label}: {len(runner)} tables, {total} rows, equal", flush=True)


def write_profile(folder: Path, output: dict[str, Any]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    profile = {"bitsodata_warehouse": {"target": "check", "outputs": {"check": output}}}
    (folder / "profiles.yml").write_text(json.dumps(profile), encoding="utf-8")


def dbt(work: Path, *args: str) -> str:
    """Run one dbt command on the package's project; its output (raises when dbt fails)."""
    cmd = [
        str(DBT), *args, "--project-dir", str(project_root()), "--profiles-dir", str(work),
        "--target-path", str(work / "target"), "--log-path", str(work / "logs"),
    ]  # fmt: skip
    env = {**os.environ, "DO_NOT_TRACK": "1", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    if done.returncode != 0:
        raise SystemExit(f"FAIL dbt {' '.join(args)}:\n{done.stdout[-4000:]}{done.stderr[-2000:]}")
    return done.stdout


def check_engine(
    name: str, runner_url: str, dbt_url: str, work: Path, plan: list[tuple[str, Path]]
) -> None:
    print(f"{name}:", flush=True)
    for label, batch in plan:
        started = time.perf_counter()
        load_batch(runner_url, batch)
        step(f"{label}, fast runner", started)
        started = time.perf_counter()
        load_batch(dbt_url, batch, build=publish_sources)
        out = dbt(work, "build")
        summary = next((ln for ln in out.splitlines() if "Done. PASS=" in ln), "")
        step(f"{label}, dbt build ({summary.split('Done. ')[-1].strip()})", started)
        if label in ("full load", "corrections"):
            compare(snapshot(runner_url), snapshot(dbt_url), f"{label}: runner == dbt")


def check_docs(work: Path) -> None:
    started = time.perf_counter()
    dbt(work, "docs", "generate")
    catalog = json.loads((work / "target" / "catalog.json").read_text(encoding="utf-8"))
    manifest = json.loads((work / "target" / "manifest.json").read_text(encoding="utf-8"))
    documented = {n.split(".")[-1] for n in catalog["nodes"]}
    if not set(schema_columns()) - {"quarantine"} <= documented:
        raise SystemExit(f"FAIL docs: catalog lacks {set(schema_columns()) - documented}")
    parents = manifest["parent_map"]["model.bitsodata_warehouse.mart_user_daily"]
    if "model.bitsodata_warehouse.dim_user" not in parents:
        raise SystemExit(f"FAIL docs: lineage of mart_user_daily is {parents}")
    step(f"dbt docs generate ({len(documented)} relations in the catalog, lineage)", started)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@contextmanager
def postgres() -> Iterator[int]:
    """A throwaway PostgreSQL 15 cluster on 127.0.0.1 (trust auth); yields its port."""
    root = Path(tempfile.mkdtemp(prefix="bitsodata-dbt-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    data, port = root / "data", _free_port()
    null = subprocess.DEVNULL
    quiet: dict[str, Any] = {"stdin": null, "stdout": null, "stderr": null, "timeout": 120}
    quiet["check"] = True
    subprocess.run(
        _as_postgres([str(PG_BIN / "initdb"), "-D", str(data), "--auth=trust", "-U", "postgres"]),
        **quiet,
    )
    opts = f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off"
    pg_ctl = str(PG_BIN / "pg_ctl")
    subprocess.run(
        _as_postgres([pg_ctl, "-D", str(data), "-o", opts, "-l", str(root / "log"), "-w", "start"]),
        **quiet,
    )
    try:
        yield port
    finally:
        subprocess.run(_as_postgres([pg_ctl, "-D", str(data), "-m", "immediate", "stop"]), **quiet)
        shutil.rmtree(root, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--no-postgres", action="store_true", help="DuckDB only")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bitsodata-dbt-check-"))
    try:
        started = time.perf_counter()
        plan = batches(work)
        step(f"sample at scale {SCALE} landed, {len(plan)} batches", started)
        duck = work / "duckdb"
        write_profile(duck, {"type": "duckdb", "path": str(duck / "dbt.duckdb"), "threads": 1})
        check_engine("DuckDB", str(duck / "runner.duckdb"), str(duck / "dbt.duckdb"), duck, plan)
        check_docs(duck)
        if not args.no_postgres:
            with postgres() as port:
                base = f"postgresql://postgres@127.0.0.1:{port}"
                admin = connect(f"{base}/postgres")
                for name in ("runner", "dbt"):
                    admin.execute(f"create database {name}")
                admin.close()
                pg = work / "postgres"
                write_profile(pg, {"type": "postgres", "host": "127.0.0.1", "port": port,
                                   "user": "postgres", "password": "", "dbname": "dbt",
                                   "schema": "public", "threads": 2})  # fmt: skip
                check_engine("PostgreSQL", f"{base}/runner", f"{base}/dbt", pg, plan)
        print("dbt-check: dbt and the fast runner build the same warehouse")
        return 0
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
