"""``bitsodata spread``: collect one observation per book per second into the lake, and query it."""

from __future__ import annotations

import typer

from bitsodata.cli import spread_collect, spread_lake, spread_report

app = typer.Typer(
    help="Collect order-book spreads into the lake and analyse them.", no_args_is_help=True
)
spread_collect.register(app)
spread_lake.register(app)
spread_report.register(app)
