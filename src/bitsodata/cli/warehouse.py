"""``bitsodata warehouse``: sample data, daily loads, the eight questions, exports and the ERD."""

from __future__ import annotations

import typer

app = typer.Typer(help="Build and query the user-activity warehouse.", no_args_is_help=True)
