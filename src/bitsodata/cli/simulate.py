"""``bitsodata simulate``: the offline Bitso-compatible exchange."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Run a Bitso-compatible exchange offline (REST + WebSocket).", no_args_is_help=True
)
