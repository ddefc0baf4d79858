"""Root of the CLI: sub-apps ``simulate``, ``spread``, ``alerts``, ``warehouse``.

Errors are translated once, here: a ``BitsodataError`` prints its message and exits 1.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from bitsodata import __version__
from bitsodata.cli import alerts, simulate, spread, warehouse
from bitsodata.cli.state import STATE
from bitsodata.errors import BitsodataError

app = typer.Typer(
    name="bitsodata",
    help="Bitso spread monitor and user-activity warehouse.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(simulate.app, name="simulate")
app.add_typer(spread.app, name="spread")
app.add_typer(alerts.app, name="alerts")
app.add_typer(warehouse.app, name="warehouse")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"bitsodata {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    config: Annotated[
        Path | None,
        typer.Option("--config", help="TOML settings file (also BITSODATA_CONFIG).", exists=False),
    ] = None,
    version: Annotated[
        bool,
        typer.Option("--version", help="Print the version and exit.", callback=_version),
    ] = False,
) -> None:
    """Bitso spread monitor and user-activity warehouse."""
    STATE.config_file = config


def main() -> None:
    """Entry point of the ``bitsodata`` script."""
    try:
        app()
    except BitsodataError as exc:
        typer.secho(f"error: {exc}", err=True, fg="red")
        sys.exit(1)
