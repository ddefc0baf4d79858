"""spread_lake_audit: every 10 minutes, check the lake's window files; once a day, compact them.

audit: for each book and each window that closed (plus a grace period) in the lookback, the file
exists, holds exactly ``window_seconds`` rows and enough ``ok`` rows; late, missing and incomplete
windows are written to the lake alert log and fail the task. compact: the run just after midnight
(+ ``compact_after_seconds``) writes one ``spreads_daily/`` file per book for the past day, leaving
the window files untouched. The collection itself is the collector service, never an Airflow task.
Each task is one call into ``bitsodata.orchestration.lake_tasks``; settings: docs/operations.md.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from airflow.sdk import (
    CronDataIntervalTimetable,
    ExceptionRetryPolicy,
    RetryAction,
    RetryRule,
    Variable,
    dag,
    task,
)

from bitsodata.orchestration import lake_tasks
from bitsodata.orchestration.runtime import RETRYABLE, SETTINGS_VARIABLE, task_settings
from bitsodata.settings import Settings

RETRY_ONLY_TRANSIENT = ExceptionRetryPolicy(
    rules=[RetryRule(exception=list(RETRYABLE), action=RetryAction.RETRY)],
    default=RetryAction.FAIL,
)


def _settings() -> Settings:
    return task_settings(Variable.get(SETTINGS_VARIABLE, default=None))


@dag(
    dag_id="spread_lake_audit",
    schedule=CronDataIntervalTimetable("*/10 * * * *", timezone="UTC"),
    start_date=datetime(2024, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(minutes=9),
    default_args={
        "retries": 2,
        "retry_delay": timedelta(minutes=1),
        "retry_policy": RETRY_ONLY_TRANSIENT,
        "execution_timeout": timedelta(minutes=5),
    },
    tags=["bitsodata", "spreads", "lake"],
    doc_md=__doc__,
)
def spread_lake_audit() -> None:
    @task
    def audit(data_interval_end: datetime | None = None) -> dict[str, Any]:
        assert data_interval_end is not None
        return lake_tasks.run_audit(_settings(), data_interval_end)

    @task.short_circuit
    def compaction_due(
        data_interval_start: datetime | None = None, data_interval_end: datetime | None = None
    ) -> str:
        assert data_interval_start is not None and data_interval_end is not None
        return lake_tasks.due_compaction(_settings(), data_interval_start, data_interval_end)

    @task
    def compact(day: str) -> dict[str, Any]:
        return lake_tasks.run_compaction(_settings(), day)

    audit()
    compact(compaction_due())


spread_lake_audit()
