"""spread_lake_audit: every 10 minutes, check the lake's window files; once a day, compact them.

audit: for each book and each window that closed (plus a grace period) in the lookback, the file
exists, holds exactly ``window_seconds`` rows and enough ``ok`` rows; late, missing and incomplete
windows are written to the lake alert log and fail the task. compact: from midnight (+
``compact_after_seconds``) on, the first run that finds the past day without its ``spreads_daily/``
files writes one per book (a skipped or failed run is made up by the next), leaving the window files
untouched. The collection itself is the collector service, never an Airflow task.
Each task is one call into ``bitsodata.orchestration.lake_tasks``; settings: docs/operations.md.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from airflow.sdk import CronDataIntervalTimetable, dag, task

from bitsodata.orchestration import dag_defaults, lake_tasks


@dag(
    dag_id="spread_lake_audit",
    schedule=CronDataIntervalTimetable("*/10 * * * *", timezone="UTC"),
    start_date=datetime(2024, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(minutes=9),
    default_args=dag_defaults.default_args(
        retries=2, retry_delay=timedelta(minutes=1), execution_timeout=timedelta(minutes=5)
    ),
    tags=["bitsodata", "spreads", "lake"],
    doc_md=__doc__,
)
def spread_lake_audit() -> None:
    @task
    def audit(data_interval_end: datetime | None = None) -> dict[str, Any]:
        assert data_interval_end is not None
        return lake_tasks.run_audit(dag_defaults.settings(), data_interval_end)

    @task.short_circuit
    def compaction_due(data_interval_end: datetime | None = None) -> str:
        assert data_interval_end is not None
        return lake_tasks.due_compaction(dag_defaults.settings(), data_interval_end)

    @task
    def compact(day: str) -> dict[str, Any]:
        return lake_tasks.run_compaction(dag_defaults.settings(), day)

    audit()
    compact(compaction_due())


spread_lake_audit()
