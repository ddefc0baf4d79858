"""The README's examples are real: its TOML parses with the settings, its commands exist."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import typer

from bitsodata.alerts.rules import parse_rules
from bitsodata.cli.main import app
from bitsodata.settings import load_settings

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def _toml_blocks() -> list[str]:
    return re.findall(r"```toml\n(.*?)```", README, flags=re.S)


def test_the_configuration_example_is_valid_settings(tmp_path: Path) -> None:
    config = next(b for b in _toml_blocks() if "[exchange]" in b)
    path = tmp_path / "bitsodata.toml"
    path.write_text(config)
    settings = load_settings(path)
    assert settings.exchange.rest_requests_per_minute == 60
    assert settings.monitor.books == ("btc_mxn", "usd_mxn")
    assert settings.monitor.window_seconds == 600


def test_the_alert_rule_example_parses() -> None:
    rules = parse_rules(next(b for b in _toml_blocks() if "[[rule]]" in b))
    assert [r.name for r in rules] == ["btc-wide"]
    assert rules[0].for_seconds == 5


def _command_paths() -> set[tuple[str, ...]]:
    root: Any = typer.main.get_command(app)
    found: set[tuple[str, ...]] = set()
    for group_name, group in root.commands.items():
        found.add((group_name,))
        for name in getattr(group, "commands", {}):
            found.add((group_name, name))
    return found


MENTIONED = sorted(
    set(re.findall(r"bitsodata (simulate|spread|alerts|warehouse) ([a-z][a-z-]+)", README))
)


@pytest.mark.parametrize("path", MENTIONED, ids=[" ".join(p) for p in MENTIONED])
def test_every_command_the_readme_shows_exists(path: tuple[str, str]) -> None:
    assert path in _command_paths(), f"README shows `bitsodata {' '.join(path)}`"


def test_the_depth_alert_examples_parse_as_metric_rules() -> None:
    from bitsodata.alerts.rules import MetricRule

    block = next(b for b in _toml_blocks() if "metric =" in b)
    rules = parse_rules(block)
    assert all(isinstance(r, MetricRule) for r in rules)
    assert [r.metric for r in rules] == ["depth_1pct_ask_base", "slippage_buy_1btc_bp"]
