"""``bitsodata spread collect``: the long-running collector."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the collector command to the ``spread`` sub-app."""
