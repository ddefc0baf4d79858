"""deploy/prometheus: promtool checks and unit-tests the rules; they use exported metrics only."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy.metricnames import CONTRACT, identifiers, scraped_names

RULES_DIR = Path(__file__).resolve().parents[2] / "deploy" / "prometheus"
RULES = RULES_DIR / "bitsodata-rules.yml"
RULE_TESTS = RULES_DIR / "bitsodata-rules.test.yml"


def _promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        pytest.fail("promtool not found: `make system-deps` installs the Debian package prometheus")
    return path


def _rules() -> list[dict[str, Any]]:
    doc = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    return [rule for group in doc["groups"] for rule in group["rules"]]


def test_promtool_accepts_the_rules() -> None:
    out = subprocess.run(
        [_promtool(), "check", "rules", str(RULES)], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"SUCCESS: {len(_rules())} rules found" in out.stdout


def test_promtool_unit_tests_of_the_rules_pass() -> None:
    out = subprocess.run(
        [_promtool(), "test", "rules", RULE_TESTS.name],
        cwd=RULES_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "SUCCESS" in out.stdout


def test_every_alert_is_unit_tested_and_has_a_severity() -> None:
    tested = RULE_TESTS.read_text(encoding="utf-8")
    alerts = [rule for rule in _rules() if "alert" in rule]
    assert len(alerts) >= 8
    for rule in alerts:
        assert f"alertname: {rule['alert']}" in tested, f"{rule['alert']} has no promtool test"
        assert rule["labels"]["severity"] in {"info", "warning", "critical"}
        assert rule["annotations"]["summary"]


def test_rules_cover_spread_thresholds_staleness_windows_and_collector_down() -> None:
    exprs = {rule.get("alert", rule.get("record")): rule["expr"] for rule in _rules()}
    for threshold in ("> 0.1", "> 0.5", "> 1.0"):
        assert any("spread" in e and threshold in e for e in exprs.values()), threshold
    names = " ".join(exprs)
    for needed in ("Stale", "WindowLate", "WindowIncomplete", "CollectorDown"):
        assert needed in names
    held = [rule for rule in _rules() if "alert" in rule and "for" in rule]
    assert len(held) >= 8, "alerts must wait with `for:` instead of firing on one sample"


def test_rules_reference_only_metrics_the_collector_exports() -> None:
    recorded = {rule["record"] for rule in _rules() if "record" in rule}
    scraped = scraped_names()
    for rule in _rules():
        for name in identifiers(rule["expr"]) - recorded:
            assert name in CONTRACT, f"{name} is not an agreed collector metric"
            assert name in scraped, f"{name} is not on the collector's /metrics"
