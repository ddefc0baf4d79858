"""The error edge: what reaches the command line becomes one line and an exit code."""

from __future__ import annotations

import errno
from typing import Any

import pytest
from typer.testing import CliRunner

import bitsodata.cli.alerts as alerts_cli
from bitsodata.cli.edge import describe, describe_os_error, one_line
from bitsodata.cli.main import app
from bitsodata.errors import ConfigError


def test_several_lines_become_one() -> None:
    assert one_line("first\n\n  second  \nthird\n") == "first; second; third"


def test_os_errors_name_the_path_and_the_reason() -> None:
    exc = NotADirectoryError(errno.ENOTDIR, "Not a directory", "afile/j")
    assert describe_os_error(exc) == "cannot use afile/j: not a directory"
    busy = OSError(errno.EADDRINUSE, "error while attempting to bind on address ('::', 1)")
    assert "address already in use" in describe_os_error(busy)
    assert "('::', 1)" not in describe_os_error(busy)


def test_engine_errors_keep_their_first_line_only() -> None:
    error_type = type("CatalogException", (Exception,), {"__module__": "_duckdb"})
    message, code = describe(error_type("Catalog Error: no table x\n\nLINE 1: select ..."))
    assert (message, code) == ("DuckDB: Catalog Error: no table x", 1)


def test_bitsodata_errors_exit_1_and_usage_errors_exit_2() -> None:
    assert describe(ConfigError("bad", path="x.toml")) == ('bad (path="x.toml")', 1)
    result = CliRunner().invoke(app, ["alerts", "test"])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: Missing option '--spread'. (see `bitsodata alerts test --help`)"
    ]


def test_an_interrupt_exits_130_quietly(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*_args: Any, **_kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(alerts_cli, "_percent", interrupted)
    result = CliRunner().invoke(app, ["alerts", "test", "--spread", "1"])
    assert result.exit_code == 130 and result.stderr == ""
