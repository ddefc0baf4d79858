"""``bitsodata spread``: collect one observation per book per second into the lake, and query it."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Collect order-book spreads into the lake and analyse them.", no_args_is_help=True
)
