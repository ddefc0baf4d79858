"""deploy/systemd: the unit restarts on failure, stops gracefully and runs a real CLI command;
the env-file example sets only real settings."""

from __future__ import annotations

import configparser
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer

from bitsodata.cli.main import app
from bitsodata.settings import MonitorSettings, load_settings

SYSTEMD = Path(__file__).resolve().parents[2] / "deploy" / "systemd"
UNIT = SYSTEMD / "bitsodata-collector.service"
ENV_EXAMPLE = SYSTEMD / "bitsodata.env.example"


def _unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(UNIT.read_text(encoding="utf-8"))
    return parser


def _env_example() -> dict[str, str]:
    pairs = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            pairs[key.strip()] = value.strip()
    return pairs


def test_unit_restarts_on_failure_and_stops_gracefully() -> None:
    service = _unit()["Service"]
    assert service["Restart"] == "on-failure"
    assert int(service["RestartSec"]) > 0
    assert service["KillSignal"] == "SIGTERM"
    # systemd must wait longer than the collector takes to flush its windows on SIGTERM.
    assert MonitorSettings().stop_grace_seconds < int(service["TimeoutStopSec"]) <= 120
    assert service["EnvironmentFile"].endswith("/bitsodata.env")
    assert _unit()["Install"]["WantedBy"] == "multi-user.target"


def test_unit_runs_the_collector_command_of_the_cli() -> None:
    argv = shlex.split(_unit()["Service"]["ExecStart"])
    assert Path(argv[0]).name == "bitsodata"
    command: Any = typer.main.get_command(app)
    for word in argv[1:]:
        assert not word.startswith("-"), "options belong in the env file, not on the command line"
        assert word in command.commands, f"`{word}` is not a command of `bitsodata`"
        command = command.commands[word]
    assert not hasattr(command, "commands"), "ExecStart must name a command, not a group"
    assert argv[1:] == ["spread", "collect"]


def test_env_example_sets_only_valid_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    pairs = _env_example()
    assert "BITSODATA_MONITOR__METRICS_PORT" in pairs, "Prometheus needs /metrics"
    for key, value in pairs.items():
        assert key.startswith("BITSODATA_"), key
        monkeypatch.setenv(key, value)
    settings = load_settings()
    assert settings.monitor.books == ("btc_mxn", "usd_mxn")
    assert settings.monitor.metrics_port == 9108
    assert settings.lake.url.startswith("s3://")


def test_env_example_holds_no_secret_values() -> None:
    secrets = 0
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        key, sep, value = line.lstrip("# ").partition("=")
        if sep and any(word in key for word in ("SECRET", "KEY_ID", "WEBHOOK", "PASSWORD")):
            secrets += 1
            assert line.startswith("#") and value == "", f"{key} must stay unset in the example"
    assert secrets == 3, "the example shows where each secret goes (S3 keys, webhook)"
