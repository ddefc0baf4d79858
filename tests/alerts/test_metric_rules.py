"""Alert rules on depth metrics: parsed from the same file, fired once, resolved with hysteresis."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from bitsodata.alerts.engine import AlertEngine
from bitsodata.alerts.events import AlertEvent
from bitsodata.alerts.replay import replay
from bitsodata.alerts.rules import MetricRule, Rule, RulesFile, dumps_rules, parse_rules
from bitsodata.domain.depth import DepthRow
from bitsodata.domain.observation import Observation
from bitsodata.errors import ConfigError
from tests.alerts.helpers import T0

RULES = """
[[rule]]
name = "thin-asks"
book = "btc_mxn"
metric = "depth_1pct_ask_base"
below = 0.5
clear_above = 0.8
for_seconds = 2

[[rule]]
name = "costly-buy"
metric = "slippage_buy_1btc_bp"
above = 30
severity = "critical"

[[rule]]
name = "wide"
metric = "spread"
above = 1.0
"""


def row(tick: int, **metrics: str | None) -> Observation:
    values = {k: None if v is None else Decimal(v) for k, v in metrics.items()}
    depth = DepthRow("diff", 1, tick - 0.1, 10, 10, values)
    return Observation(tick, "btc_mxn", None, None, None, None, None, None, "ws", "ok", None, depth)


def states(events: list[AlertEvent]) -> list[tuple[str, str, int]]:
    return [(e.rule, e.state, e.at) for e in events]


def test_metric_rules_sit_beside_spread_rules_in_one_file() -> None:
    rules = parse_rules(RULES)
    assert isinstance(rules[0], MetricRule) and rules[0].below == Decimal("0.5")
    assert isinstance(rules[1], MetricRule) and rules[1].above == Decimal("30")
    assert isinstance(rules[2], Rule)  # metric = "spread" is the ordinary spread rule
    assert parse_rules(dumps_rules(rules)) == rules
    for bad in (
        'name = "x"\nmetric = "depth_1pct_ask_base"',  # neither above nor below
        'name = "x"\nmetric = "m"\nabove = 1\nbelow = 0',  # both
        'name = "x"\nmetric = "m"\nbelow = 1\nclear_above = 0.5',  # clears inside the alert
        'name = "x"\nmetric = "m"\nabove = 1\nclear_above = 2',  # wrong hysteresis side
        'name = "x"\nmetric = "Bad-Name"\nabove = 1',
    ):
        with pytest.raises(ConfigError):
            parse_rules(f"[[rule]]\n{bad}\n")


def test_a_below_rule_fires_once_after_for_seconds_and_resolves_past_its_clear_level() -> None:
    engine = AlertEngine(parse_rules(RULES)[:1])
    values = ["0.6", "0.4", "0.3", "0.2", "0.1", "0.7", None, "0.79", "0.8", "0.2"]
    events = []
    for i, value in enumerate(values):
        events += engine.observe(row(T0 + i, depth_1pct_ask_base=value))
    assert states(events) == [
        ("thin-asks", "FIRING", T0 + 3),  # below 0.5 at T0+1, T0+2, T0+3: held 2 s
        ("thin-asks", "RESOLVED", T0 + 8),  # 0.7 and 0.79 are not yet back above 0.8
    ]
    assert events[0].kind == "metric" and events[0].threshold == Decimal("0.5")
    assert "depth_1pct_ask_base 0.2 below 0.5 for 2s" in events[0].message
    assert AlertEvent.from_dict(events[0].to_dict()) == events[0]  # the outbox's round trip


def test_a_null_metric_neither_starts_nor_resolves_and_rows_without_depth_are_quiet() -> None:
    engine = AlertEngine(parse_rules(RULES)[1:2])
    ticks = [("31", 0), (None, 1), ("29", 2), ("45", 3)]  # null: 1 BTC not fillable
    events = []
    for value, i in ticks:
        events += engine.observe(row(T0 + i, slippage_buy_1btc_bp=value))
    events += engine.observe(Observation.missing(T0 + 4, "btc_mxn"))
    assert states(events) == [
        ("costly-buy", "FIRING", T0),
        ("costly-buy", "RESOLVED", T0 + 2),
        ("costly-buy", "FIRING", T0 + 3),
    ]
    report = replay([row(T0, slippage_buy_1btc_bp="50")], parse_rules(RULES))
    assert [e.rule for e in report.still_firing] == ["costly-buy"]


def test_a_metric_rule_edited_in_the_file_is_picked_up_live(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(RULES)
    rules = RulesFile(path)
    engine = AlertEngine(rules.current())
    assert engine.observe(row(T0, slippage_buy_1btc_bp="40"))
    path.write_text(RULES.replace("above = 30", "above = 50"))
    new = rules.reload_if_changed()
    assert new is not None
    closed = engine.set_rules(new)
    assert states(closed) == [("costly-buy", "RESOLVED", T0)]  # "rule changed"
    assert engine.observe(row(T0 + 1, slippage_buy_1btc_bp="40")) == []
