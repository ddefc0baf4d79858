"""The live terminal table and the plain-log view."""

from __future__ import annotations

import io
import logging
from decimal import Decimal

import pytest
from rich.console import Console

from bitsodata.alerts.engine import AlertEvent
from bitsodata.domain.observation import Observation
from bitsodata.logs import event_name
from bitsodata.monitor.live import LiveTable, LogView
from tests.monitor.helpers import T0

ROWS = [
    Observation(
        T0, "btc_mxn", Decimal("790333.41"), Decimal("790961.89"), Decimal("0.0794"),
        None, T0 - 1.5, 1500, "ws", "ok",
    ),
    Observation.missing(T0, "usd_mxn"),
]  # fmt: skip
FIRING = AlertEvent(
    "spread", "spread-0.5", "btc_mxn", "FIRING", Decimal("0.6"), Decimal("0.5"), T0, T0,
    "warning", "wide",
)  # fmt: skip


def test_live_table_shows_prices_spread_age_status_and_alerts() -> None:
    out = io.StringIO()
    table = LiveTable(Console(file=out, force_terminal=True, width=120, color_system=None))
    table.start()
    table.update(T0, ROWS, [FIRING])
    table.stop()
    text = out.getvalue()
    assert "790,333.41" in text and "790,961.89" in text and "0.0794" in text
    assert "1.5s" in text and "spread-0.5" in text
    assert "missing" in text and "2023-11-14T22:13:20+00:00" in text


def test_log_view_writes_a_summary_line_now_and_then(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    view = LogView(every=10)
    monkeypatch.setattr(logging.getLogger("bitsodata"), "propagate", True)  # let caplog see it
    with caplog.at_level(logging.INFO, logger="bitsodata.monitor.live"):
        for tick in range(T0, T0 + 20):
            view.update(tick, ROWS, [])
    lines = [r for r in caplog.records if event_name(r) == "tick"]
    assert len(lines) == 2
    fields = lines[0].fields  # type: ignore[attr-defined]
    assert fields["btc_mxn"] == "ok:0.0794" and fields["usd_mxn"] == "missing:—"
