"""deploy/grafana: valid dashboard JSON that queries only metrics the collector really exports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.deploy.metricnames import CONTRACT, identifiers, scraped_names

DASHBOARD = Path(__file__).resolve().parents[2] / "deploy" / "grafana" / "bitsodata-dashboard.json"


def _dashboard() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return data


def _queries(dash: dict[str, Any]) -> list[str]:
    exprs = [t["expr"] for panel in dash["panels"] for t in panel.get("targets", [])]
    for var in dash["templating"]["list"]:
        query = var.get("query")
        if var["type"] == "query":
            exprs.append(query["query"] if isinstance(query, dict) else query)
    return exprs


def test_dashboard_is_an_importable_grafana_dashboard() -> None:
    dash = _dashboard()
    assert dash["uid"] and dash["title"] and isinstance(dash["schemaVersion"], int)
    ids = [panel["id"] for panel in dash["panels"]]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    for panel in dash["panels"]:
        pos = panel["gridPos"]
        assert pos["x"] >= 0 and pos["x"] + pos["w"] <= 24, panel["title"]
        assert panel["targets"], f"panel {panel['title']!r} has no query"
        assert [t["refId"] for t in panel["targets"]] == sorted(
            {t["refId"] for t in panel["targets"]}
        )


def test_dashboard_queries_only_exported_metrics() -> None:
    scraped = scraped_names()
    used: set[str] = set()
    for expr in _queries(_dashboard()):
        names = identifiers(expr)
        assert names, f"query uses no bitsodata metric: {expr}"
        used |= names
    for name in used:
        assert name in CONTRACT, f"{name} is not an agreed collector metric"
        assert name in scraped, f"{name} is not on the collector's /metrics"
    # Everything the collector exports is on the dashboard somewhere.
    assert used == CONTRACT


def test_spread_panel_draws_the_alert_thresholds_as_lines() -> None:
    spread = next(
        p for p in _dashboard()["panels"] if "bitsodata_spread_percent" in str(p["targets"])
    )
    defaults = spread["fieldConfig"]["defaults"]
    assert defaults["unit"] == "percent"
    assert defaults["custom"]["thresholdsStyle"]["mode"] == "line"
    steps = [s["value"] for s in defaults["thresholds"]["steps"] if s["value"] is not None]
    assert steps == [0.1, 0.5, 1.0]


def test_panels_filter_on_the_book_variable() -> None:
    per_book = [
        t["expr"]
        for p in _dashboard()["panels"]
        for t in p["targets"]
        if any(m in t["expr"] for m in ("spread_percent", "book_age", "observations_total"))
    ]
    assert per_book and all('book=~"$book"' in e for e in per_book)
