"""The root command's sub-apps, loaded only when a command line names them.

``bitsodata --help`` lists the four sub-apps from this table without importing them, and
``bitsodata spread collect`` builds the ``spread`` commands only: a collector restarted after a
crash spends its first second observing, not parsing the warehouse's options.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, MutableMapping
from typing import Any

import typer
from typer._click.core import Command, Context
from typer._click.formatting import HelpFormatter

from bitsodata.cli.edge import ErrorEdge

SUB_APPS: dict[str, tuple[str, str]] = {
    "simulate": (
        "bitsodata.cli.simulate",
        "Run a Bitso-compatible exchange offline (REST + WebSocket).",
    ),
    "spread": (
        "bitsodata.cli.spread",
        "Collect order-book spreads into the lake and analyse them.",
    ),
    "alerts": ("bitsodata.cli.alerts", "Manage, test and replay spread alert rules."),
    "warehouse": ("bitsodata.cli.warehouse", "Build and query the user-activity warehouse."),
}
"""name -> (module holding its ``app``, one-line help)."""


def sub_app(name: str) -> typer.Typer:
    """The Typer app of a sub-command group, with its help from ``SUB_APPS``."""
    app = typer.Typer(
        help=SUB_APPS[name][1], no_args_is_help=True, rich_markup_mode=None, add_completion=False
    )
    app.callback()(_group)  # a group even with one command (``simulate exchange``)
    return app


def _group() -> None:
    pass


class LazyCommands(MutableMapping[str, Command]):
    """A group's commands where the sub-apps of ``SUB_APPS`` are built on first lookup (code
    that walks ``group.commands`` keeps working; listing the names loads nothing)."""

    def __init__(self, eager: MutableMapping[str, Command]) -> None:
        self._eager = dict(eager)
        self._loaded: dict[str, Command] = {}

    def __getitem__(self, name: str) -> Command:
        if name in self._eager:
            return self._eager[name]
        if name not in SUB_APPS:
            raise KeyError(name)
        if name not in self._loaded:
            module = importlib.import_module(SUB_APPS[name][0])
            command = typer.main.get_command(module.app)
            command.name = name
            self._loaded[name] = command
        return self._loaded[name]

    def __setitem__(self, name: str, command: Command) -> None:
        self._eager[name] = command

    def __delitem__(self, name: str) -> None:
        del self._eager[name]

    def __iter__(self) -> Iterator[str]:
        yield from self._eager
        yield from (name for name in SUB_APPS if name not in self._eager)

    def __len__(self) -> int:
        return len(set(self._eager) | set(SUB_APPS))


class LazyRoot(ErrorEdge):
    """The root group: its own commands, plus the sub-apps of ``SUB_APPS`` built on first use."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = LazyCommands(self.commands)

    def list_commands(self, ctx: Context) -> list[str]:
        return list(self.commands)

    def format_commands(self, ctx: Context, formatter: HelpFormatter) -> None:
        rows = [(name, SUB_APPS[name][1]) for name in SUB_APPS]
        with formatter.section("Commands"):
            formatter.write_dl(rows)
