"""``bitsodata spread query`` and ``spread stats``: DuckDB over the lake."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the lake commands to the ``spread`` sub-app."""
