"""The audit and compaction tasks against a real S3 API on loopback (moto's server)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

from bitsodata.alerts.sinks import read_alert_log
from bitsodata.errors import LakeAuditFailed, LakeUnavailable
from bitsodata.lake.layout import daily_key
from bitsodata.lake.s3 import S3Storage
from bitsodata.orchestration.lake_tasks import run_audit, run_compaction, task_storage
from bitsodata.orchestration.runtime import is_retryable
from bitsodata.settings import Settings, load_settings
from tests.fakes.s3 import free_port, running_s3
from tests.orchestration.lakes import at, put_window

BOOK = "btc_mxn"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with running_s3("lake") as url:
        yield url


def s3_settings(endpoint: str, prefix: str) -> Settings:
    return load_settings(
        lake={
            "url": f"s3://lake/{prefix}",
            "s3_endpoint_url": endpoint,
            "s3_access_key_id": "testing",
            "s3_secret_access_key": "testing",
            "s3_max_attempts": 1,
            "s3_timeout_seconds": 2,
        },
        monitor={"books": [BOOK]},
        orchestration={"audit_lookback_seconds": 1800},
    )


def test_tasks_talk_to_s3_directly_without_a_local_upload_queue(endpoint: str) -> None:
    assert isinstance(task_storage(s3_settings(endpoint, "direct")), S3Storage)


def test_the_audit_and_compaction_work_on_an_s3_lake(endpoint: str) -> None:
    settings = s3_settings(endpoint, "audit")
    lake = task_storage(settings)
    put_window(lake, BOOK, at("2024-05-28T23:50"))
    put_window(lake, BOOK, at("2024-05-29T00:10"))
    put_window(lake, BOOK, at("2024-05-29T00:20"), count=599)
    with pytest.raises(LakeAuditFailed):
        run_audit(settings, datetime(2024, 5, 29, 0, 40, tzinfo=UTC))
    rules = sorted(e.rule for e in read_alert_log(lake, date(2024, 5, 29)))
    assert rules == ["lake_window_incomplete", "lake_window_missing"]
    summary = run_compaction(settings, "2024-05-28")
    assert summary["books"][0]["rows"] == 600
    assert lake.exists(daily_key(BOOK, date(2024, 5, 28)))


def test_an_unreachable_store_fails_the_audit_with_a_retryable_error() -> None:
    settings = s3_settings(f"http://127.0.0.1:{free_port()}", "down")
    with pytest.raises(LakeUnavailable) as failure:
        run_audit(settings, datetime(2024, 5, 29, 0, 40, tzinfo=UTC))
    assert is_retryable(failure.value)
