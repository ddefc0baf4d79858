"""docs/operations.md documents every orchestration setting, the Airflow Variable and each alert."""

from __future__ import annotations

from pathlib import Path

import yaml

from bitsodata.orchestration.runtime import SETTINGS_VARIABLE
from bitsodata.settings import OrchestrationSettings

REPO = Path(__file__).resolve().parents[2]
DOC = (REPO / "docs" / "operations.md").read_text(encoding="utf-8")


def test_every_orchestration_setting_is_documented() -> None:
    for name in OrchestrationSettings.model_fields:
        assert f"BITSODATA_ORCHESTRATION__{name.upper()}" in DOC, name


def test_the_airflow_variable_and_health_endpoint_are_documented() -> None:
    assert f"**`{SETTINGS_VARIABLE}`**" in DOC
    assert "GET /healthz" in DOC and "503" in DOC


def test_every_prometheus_alert_is_documented() -> None:
    rules = yaml.safe_load((REPO / "deploy" / "prometheus" / "bitsodata-rules.yml").read_text())
    alerts = [r["alert"] for g in rules["groups"] for r in g["rules"] if "alert" in r]
    assert len(alerts) >= 10
    for alert in alerts:
        assert f"`{alert}`" in DOC, alert
