"""Entry points of the ``spread_lake_audit`` DAG: audit the due windows, compact the past day.

Each takes the task's settings and data-interval bounds and returns a JSON summary (the XCom value),
or raises: ``LakeAuditFailed`` (terminal) when a window is late, missing or incomplete.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from bitsodata.errors import LakeAuditFailed
from bitsodata.lake.storage import Storage, open_storage
from bitsodata.logs import event
from bitsodata.orchestration.audit import AuditPolicy, AuditReport, audit_lake
from bitsodata.orchestration.audit_alerts import publish_audit
from bitsodata.orchestration.compaction import (
    compact_day,
    compact_depth_day,
    compaction_day,
    needs_compaction,
)
from bitsodata.orchestration.runtime import epoch, jsonable
from bitsodata.settings import Settings

log = logging.getLogger(__name__)


def task_storage(settings: Settings) -> Storage:
    """The lake for a task: S3 directly (no local upload queue: a failed write must fail the task
    and be retried, not wait in a worker's folder that may never run again), else a folder."""
    if settings.lake.url.startswith("s3://"):
        from bitsodata.lake.s3 import S3Storage

        return S3Storage.from_settings(settings.lake)
    return open_storage(settings.lake)


def audit_policy(settings: Settings) -> AuditPolicy:
    """The audit's expectations from the monitor and orchestration settings."""
    orch = settings.orchestration
    return AuditPolicy(
        books=settings.monitor.books,
        window_seconds=settings.monitor.window_seconds,
        fmt=settings.monitor.format,
        grace_seconds=orch.audit_grace_seconds,
        lookback_seconds=orch.audit_lookback_seconds,
        missing_after_seconds=orch.audit_missing_after_seconds,
        min_ok_share=orch.audit_min_ok_share,
    )


def describe_problems(report: AuditReport) -> str:
    """One line per problem window, for the task failure message."""
    lines = [
        f"{v.book} {v.to_dict()['window_start']} {v.outcome}: {v.reason}" for v in report.problems
    ]
    return f"{len(lines)} window(s) not complete:\n" + "\n".join(lines)


def run_audit(
    settings: Settings, interval_end: datetime, storage: Storage | None = None
) -> dict[str, Any]:
    """Audit the windows due by ``interval_end``; alert and fail on any problem."""
    store = storage if storage is not None else task_storage(settings)
    policy = audit_policy(settings)
    report = audit_lake(store, epoch(interval_end), policy)
    events = publish_audit(report, policy, store)
    summary = {**report.to_dict(), "alerts_published": len(events)}
    event(log, "lake_audit", **report.counts())
    if report.problems:
        raise LakeAuditFailed(describe_problems(report), counts=report.counts())
    return summary


def due_compaction(
    settings: Settings, interval_end: datetime, storage: Storage | None = None
) -> str:
    """The ISO day to compact, or ``""`` when every due day is done (Airflow short-circuits)."""
    store = storage if storage is not None else task_storage(settings)
    day = compaction_day(epoch(interval_end), settings.orchestration.compact_after_seconds)
    pending = needs_compaction(store, settings.monitor.books, day, settings.monitor.format)
    return day.isoformat() if pending else ""


def run_compaction(
    settings: Settings, day: str | date, storage: Storage | None = None
) -> dict[str, Any]:
    """Compact ``day`` for every book; the window files are left untouched."""
    store = storage if storage is not None else task_storage(settings)
    the_day = date.fromisoformat(day) if isinstance(day, str) else day
    fmt = settings.monitor.format
    results = [compact_day(store, book, the_day, fmt) for book in settings.monitor.books]
    for result in results:
        event(log, "lake_compacted", book=result.book, day=str(the_day), rows=result.rows)
    for book in settings.monitor.books:  # the liquidity table, where the collector wrote one
        depth = compact_depth_day(store, book, the_day)
        if depth.key is not None:
            event(log, "lake_depth_compacted", book=book, day=str(the_day), rows=depth.rows)
    return {"day": the_day.isoformat(), "books": jsonable(results)}
