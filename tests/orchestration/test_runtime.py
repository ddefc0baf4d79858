"""Task settings from the Airflow Variable, the retry decision, JSON summaries."""

from __future__ import annotations

import importlib
import json
import traceback
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from bitsodata.errors import (
    ConfigError,
    DataQualityFailed,
    ExchangeUnavailable,
    LakeAuditFailed,
    LakeUnavailable,
    SchemaMismatchError,
)
from bitsodata.orchestration.runtime import (
    RETRYABLE,
    epoch,
    is_retryable,
    jsonable,
    task_settings,
    utc_day,
)


def test_without_a_variable_the_environment_decides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BITSODATA_WAREHOUSE__DB", "/srv/w.duckdb")
    assert task_settings(None).warehouse.db == "/srv/w.duckdb"
    assert task_settings("").warehouse.db == "/srv/w.duckdb"


def test_the_variable_overrides_the_environment_key_by_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BITSODATA_ORCHESTRATION__LANDING_DIR", "/srv/landing")
    monkeypatch.setenv("BITSODATA_ORCHESTRATION__EXPORT_DIR", "/srv/export")
    variable = json.dumps(
        {"orchestration": {"export_dir": "/data/export", "audit_min_ok_share": 0.5}}
    )
    orch = task_settings(variable).orchestration
    assert orch.export_dir == Path("/data/export")
    assert orch.landing_dir == Path("/srv/landing"), "keys the variable does not name stay"
    assert orch.audit_min_ok_share == 0.5


@pytest.mark.parametrize(
    ("variable", "message"),
    [
        ("{not json", "not JSON"),
        ('["a"]', "JSON object of settings sections"),
        ('{"monitor": 3}', "JSON object of settings sections"),
        ('{"orchestration": {"audit_min_ok_share": 2}}', "audit_min_ok_share"),
        ('{"orchestration": {"landing": "/x"}}', "landing"),
    ],
)
def test_a_bad_variable_is_a_config_error(variable: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        task_settings(variable)


def test_a_bad_setting_is_named_but_its_value_never_reaches_the_task_log() -> None:
    variable = {"lake": {"s3_secret_key": "SUPERSECRET"}, "warehouse": {"db": ["hunter2"]}}
    with pytest.raises(ConfigError) as failure:
        task_settings(json.dumps(variable))
    shown = "".join(traceback.format_exception(failure.value))  # what Airflow would log
    assert "lake.s3_secret_key" in shown and "warehouse.db" in shown
    assert "SUPERSECRET" not in shown and "hunter2" not in shown


@pytest.mark.parametrize(
    ("exc", "retry"),
    [
        (ExchangeUnavailable("timeout"), True),
        (LakeUnavailable("s3 down"), True),
        (ConnectionResetError(), True),
        (TimeoutError(), True),
        (LakeAuditFailed("gap"), False),
        (DataQualityFailed("dup", failed=["unique"]), False),
        (SchemaMismatchError("columns"), False),
        (ValueError("bug"), False),
        (KeyError("bug"), False),
    ],
)
def test_only_transient_errors_are_retried(exc: BaseException, retry: bool) -> None:
    assert is_retryable(exc) is retry


def test_the_dag_retry_rules_name_the_same_classes() -> None:
    classes = []
    for path in RETRYABLE:
        module, _, name = path.rpartition(".")
        classes.append(getattr(importlib.import_module(module), name))
    for exc in (
        LakeUnavailable("x"),
        ConnectionError(),
        TimeoutError(),
        ValueError(),
        LakeAuditFailed("x"),
    ):
        assert isinstance(exc, tuple(classes)) is is_retryable(exc)


def test_data_interval_bounds_become_epoch_seconds_and_utc_days() -> None:
    mexico = timezone(timedelta(hours=-6))
    moment = datetime(2024, 5, 28, 20, 0, tzinfo=mexico)
    assert epoch(moment) == int(datetime(2024, 5, 29, 2, 0, tzinfo=UTC).timestamp())
    assert utc_day(moment) == date(2024, 5, 29)
    with pytest.raises(ValueError, match="naive"):
        epoch(datetime(2024, 5, 28))


@dataclass
class _Report:
    out: Path
    day: date
    rows: Counter[str] = field(default_factory=Counter)
    total: Decimal = Decimal("1.50")
    tags: frozenset[str] = frozenset({"b", "a"})


def test_reports_become_plain_json() -> None:
    report = _Report(Path("/x"), date(2024, 5, 28), Counter({"deposit": 3}))
    data = jsonable(report)
    assert json.loads(json.dumps(data)) == {
        "out": "/x",
        "day": "2024-05-28",
        "rows": {"deposit": 3},
        "total": "1.50",
        "tags": ["a", "b"],
    }
