"""``bitsodata alerts``: edit, check and replay spread alert rules."""

from __future__ import annotations

import typer

app = typer.Typer(help="Manage, test and replay spread alert rules.", no_args_is_help=True)
