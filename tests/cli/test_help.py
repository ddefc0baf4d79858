"""Every command and sub-command documents itself (sqlite-utils' test_docs habit)."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
import typer
from typer._click.core import Context
from typer.testing import CliRunner

from bitsodata.cli.lazy import SUB_APPS
from bitsodata.cli.main import app


def subcommand(group: Any, name: str) -> Any:
    """A group's sub-command, through the API Click itself uses (sub-apps load lazily)."""
    return group.get_command(Context(group), name)


def all_commands(group: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command path under ``group`` (groups included)."""
    found = []
    for name in group.list_commands(Context(group)):
        path = (*prefix, name)
        found.append(path)
        cmd = subcommand(group, name)
        if hasattr(cmd, "list_commands"):
            found.extend(all_commands(cmd, path))
    return found


ROOT: Any = typer.main.get_command(app)
ALL = all_commands(ROOT)


def test_the_four_sub_apps_exist() -> None:
    assert {"simulate", "spread", "alerts", "warehouse"} <= set(ROOT.list_commands(Context(ROOT)))
    for name in SUB_APPS:
        assert subcommand(ROOT, name).help == SUB_APPS[name][1]


@pytest.mark.parametrize("path", ALL, ids=[" ".join(p) for p in ALL])
def test_every_command_has_help_text(path: tuple[str, ...]) -> None:
    cmd = ROOT
    for name in path:
        cmd = subcommand(cmd, name)
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


HEAVY = ("duckdb", "pyarrow", "aiohttp", "numpy", "boto3", "psycopg", "rich")


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["spread", "--help"],
        ["warehouse", "ask", "--help"],
        ["spread", "collect", "--help"],
    ],
)
def test_help_loads_no_library(argv: list[str]) -> None:
    """Help answers without importing the engines (what made it take a second)."""
    probe = (
        "import sys\n"
        "from bitsodata.cli.main import main\n"
        f"sys.argv = ['bitsodata', *{argv!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})), file=sys.stderr)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stderr.strip() == "[]", out.stderr
