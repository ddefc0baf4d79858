"""Every command and sub-command documents itself (sqlite-utils' test_docs habit)."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from bitsodata.cli.main import app


def _commands(group: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, cmd in group.commands.items():
        path = (*prefix, name)
        found.append(path)
        if hasattr(cmd, "commands"):
            found.extend(_commands(cmd, path))
    return found


ROOT: Any = typer.main.get_command(app)
ALL = _commands(ROOT)


def test_the_four_sub_apps_exist() -> None:
    assert {"simulate", "spread", "alerts", "warehouse"} <= set(ROOT.commands)


@pytest.mark.parametrize("path", ALL, ids=[" ".join(p) for p in ALL])
def test_every_command_has_help_text(path: tuple[str, ...]) -> None:
    cmd = ROOT
    for name in path:
        cmd = cmd.commands[name]
    assert (cmd.help or "").strip(), f"`bitsodata {' '.join(path)}` has no help text"
    for param in cmd.params:
        if param.param_type_name == "option" and not getattr(param, "hidden", False):
            assert (param.help or "").strip(), f"option {param.opts} of {path} has no help"
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_runs_as_python_module() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "bitsodata", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.startswith("bitsodata ")
