"""Entry points of the ``warehouse_daily`` DAG: one UTC day per run, driven by the data interval.

land the day's batch -> load it (an idempotent merge, so re-runs and backfills are safe) -> run the
data-quality checks (a failed check fails the task) -> export the tables -> redraw the ERD.
Each returns a JSON summary (the task's XCom value); errors propagate untouched.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from bitsodata.errors import DataQualityFailed
from bitsodata.logs import event
from bitsodata.orchestration.runtime import utc_day
from bitsodata.settings import Settings
from bitsodata.warehouse.db import Database, open_db
from bitsodata.warehouse.landing.split import land
from bitsodata.warehouse.load.loader import load_batch
from bitsodata.warehouse.load.upkeep import compact
from bitsodata.warehouse.serve.checks import CheckResult, run_checks
from bitsodata.warehouse.serve.erd import write_erd
from bitsodata.warehouse.serve.export import export_tables
from bitsodata.warehouse.sources.lines import EventWindow

log = logging.getLogger(__name__)


def batch_day(interval_start: datetime | str) -> date:
    """The day a run loads: the UTC day its data interval starts on (ISO strings accepted)."""
    if isinstance(interval_start, str):
        interval_start = datetime.fromisoformat(interval_start)
    return utc_day(interval_start)


def batch_dir(settings: Settings, day: date) -> Path:
    """The landing folder of ``day``."""
    return settings.orchestration.landing_dir / f"date={day.isoformat()}"


def land_day(settings: Settings, day: date) -> dict[str, Any]:
    """Cut the day's batch out of the source snapshots into the landing area (replaces it)."""
    orch = settings.orchestration
    report = land(orch.source_dir, orch.landing_dir, day=day)
    rows = {name: landed.landed_rows for name, landed in sorted(report.files.items())}
    event(log, "warehouse_landed", day=day.isoformat(), rows=sum(rows.values()))
    return {"day": day.isoformat(), "landing": str(batch_dir(settings, day)), "rows": rows}


def load_day(settings: Settings, day: date) -> dict[str, Any]:
    """Merge the day's batch into the warehouse; a day with nothing landed loads nothing."""
    folder = batch_dir(settings, day)
    if not folder.is_dir():
        event(log, "warehouse_no_batch", day=day.isoformat(), path=str(folder))
        return {"day": day.isoformat(), "batch": None, "rows_in": 0}
    with open_db(settings.warehouse.db) as handle:
        window = EventWindow.around(settings.warehouse, datetime.now(UTC))
        report = load_batch(handle, folder, window=window)
        rewritten = _keep_in_order(handle)
    summary: dict[str, Any] = {
        "day": day.isoformat(),
        "batch": str(folder),
        "rows_in": report.total_in,
        "rows_loaded": report.total_loaded,
        "rows_quarantined": report.total_quarantined,
        "users_touched": report.users_touched,
        "seconds": round(report.seconds, 3),
        "dim_user_rewritten": rewritten,
    }
    event(log, "warehouse_loaded", **summary)
    return summary


def _keep_in_order(handle: Database) -> bool:
    """Keep dim_user in user order after the load (a metadata check, ~10-40 ms). Upkeep only: the
    batch is committed, so a failure here is logged, never fails the task (a retry would reload)."""
    try:
        return compact(handle).rewritten
    except Exception as exc:
        event(log, "warehouse_upkeep_failed", error=str(exc))
        return False


def failed_checks(results: list[CheckResult]) -> list[CheckResult]:
    """The checks that failed (warnings pass: they are reported, never fatal)."""
    return [result for result in results if not result.passed]


def check_quality(settings: Settings) -> dict[str, Any]:
    """Run every data-quality check; raise ``DataQualityFailed`` naming each failed one."""
    results = run_checks(settings.warehouse.db)
    failed = failed_checks(results)
    warnings = {r.name: r.failures for r in results if r.severity == "warn" and r.failures}
    if failed:
        lines = [f"{r.name}: {r.failures} ({r.detail})" for r in failed]
        raise DataQualityFailed(
            f"{len(failed)} data-quality check(s) failed:\n" + "\n".join(lines),
            failed=[r.name for r in failed],
        )
    return {"checks": len(results), "failed": 0, "warnings": warnings}


def export_day(settings: Settings) -> dict[str, Any]:
    """Rewrite the CSV (and Parquet) export of every table."""
    paths = export_tables(settings.warehouse.db, settings.orchestration.export_dir)
    return {"out": str(settings.orchestration.export_dir), "files": sorted(p.name for p in paths)}


def refresh_erd(settings: Settings) -> dict[str, Any]:
    """Redraw the ERD from the live schema."""
    path = write_erd(settings.warehouse.db, settings.orchestration.erd_path)
    return {"erd": str(path)}
