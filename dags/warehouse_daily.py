"""warehouse_daily: load one UTC day of user activity into the warehouse (Airflow 3).

land the day's batch -> load it (idempotent merge) -> data-quality checks (fail loudly) -> export
-> ERD. One run per day of the data interval, catch-up capable: backfilling a range of days or
re-running a day is safe. Retries only on transient errors (``bitsodata.errors.Transient``).
Each task is one call into ``bitsodata.orchestration.daily``; configuration: docs/operations.md.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from airflow.sdk import CronDataIntervalTimetable, dag, task

from bitsodata.orchestration import dag_defaults, daily
from bitsodata.settings import load_settings


@dag(
    dag_id="warehouse_daily",
    schedule=CronDataIntervalTimetable("@daily", timezone="UTC"),
    start_date=datetime.combine(load_settings().orchestration.start_date, time(), tzinfo=UTC),
    catchup=True,
    max_active_runs=1,  # one writer at a time on the warehouse (a DuckDB file has one writer)
    default_args=dag_defaults.default_args(
        retries=3,
        retry_delay=timedelta(minutes=2),
        execution_timeout=timedelta(hours=2),
        exponential_backoff=True,
    ),
    tags=["bitsodata", "warehouse"],
    doc_md=__doc__,
)
def warehouse_daily() -> None:
    @task
    def land(data_interval_start: datetime | None = None) -> dict[str, Any]:
        assert data_interval_start is not None
        return daily.land_day(dag_defaults.settings(), daily.batch_day(data_interval_start))

    @task
    def load(data_interval_start: datetime | None = None) -> dict[str, Any]:
        assert data_interval_start is not None
        return daily.load_day(dag_defaults.settings(), daily.batch_day(data_interval_start))

    @task
    def checks() -> dict[str, Any]:
        return daily.check_quality(dag_defaults.settings())

    @task
    def export() -> dict[str, Any]:
        return daily.export_day(dag_defaults.settings())

    @task
    def erd() -> dict[str, Any]:
        return daily.refresh_erd(dag_defaults.settings())

    land() >> load() >> checks() >> export() >> erd()


warehouse_daily()
